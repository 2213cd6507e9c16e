#!/usr/bin/env bash
# Runs the vault's tests against a real Secret Service, each in a private D-Bus
# session (dbus-run-session) with its own gnome-keyring in a temp
# XDG_DATA_HOME, so no real keyring is read or written:
#
#   1. unlocked: the login collection is created and unlocked with a throw-away
#      password; `secret_service_unlocked_keyring_holds_the_key` creates an
#      install, checks its backend is secret-service, reopens it from a tokio
#      runtime, checks the entry from outside with `secret-tool`, and purges it.
#   2. locked: gnome-keyring runs with no unlocked collection;
#      `secret_service_locked_keyring_falls_through_to_the_file` checks that a
#      first start falls through to the 0600 key file.
#
# (Both tests live in pierre-authd/src/vault/sqlite_tests.rs and are
# `#[ignore]`d in a plain `cargo test`.)
#
# Usage: bash scripts/test-secret-service.sh
# Needs: apt-get install -y gnome-keyring dbus-daemon libsecret-tools
set -euo pipefail

say() { printf 'test-secret-service: %s\n' "$*" >&2; }

missing=()
for program in dbus-run-session gnome-keyring-daemon secret-tool; do
    command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
if ((${#missing[@]})); then
    say "FAILED: ${missing[*]} not found"
    say "fix: apt-get install -y gnome-keyring dbus-daemon libsecret-tools"
    exit 1
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Compile outside the sessions, so a keyring never waits on the compiler.
cargo test -p pierre-authd --lib --no-run

scratch=$(mktemp -d /tmp/pierre-secret-service.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# run_in_session NAME KEYRING_COMMAND TEST_FILTER
# gnome-keyring keeps its keyrings under $XDG_DATA_HOME/keyrings and its
# control socket under $XDG_RUNTIME_DIR; both point into a fresh scratch dir.
run_in_session() {
    local name=$1 keyring=$2 filter=$3
    local dir="$scratch/$name"
    mkdir -m 700 "$dir" "$dir/data" "$dir/runtime"
    say "$name keyring: cargo test -p pierre-authd --lib -- --ignored $filter"
    local status
    set +e
    XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/runtime" KEYRING="$keyring" FILTER="$filter" \
        dbus-run-session -- sh -c '
            sh -c "$KEYRING" >/dev/null || exit 3
            cargo test -p pierre-authd --lib -- --ignored "$FILTER"
        ' 2>&1 | tee "$dir/test.log"
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -ne 0 ]; then
        say "FAILED: $name keyring (exit $status); the output above says which step"
        exit "$status"
    fi
    if ! grep -Eq 'test result: ok\. [1-9][0-9]* passed' "$dir/test.log"; then
        say "FAILED: $name keyring: no test matched \`$filter\`"
        exit 1
    fi
}

# --unlock reads the password on stdin and, with no keyring yet, creates the
# login collection with it, unlocked.
run_in_session unlocked \
    'printf %s pierre-test-password | gnome-keyring-daemon --unlock --components=secrets' \
    secret_service_unlocked
run_in_session locked 'gnome-keyring-daemon --start --components=secrets' secret_service_locked

say "ok: the unlocked Secret Service held, returned and released the master key; the locked one fell through to the key file"
