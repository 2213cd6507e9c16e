#!/usr/bin/env bash
# The README's test command: installs the third-party test clients, builds every binary, runs
# every suite, and ends with one line of its own:
#
#   summary: N passed, M failed
#
# Every step runs even when an earlier one failed; the script exits non-zero if any failed and
# names them on the line before the summary. Each step's output is shown and kept in
# target/test-logs/<step>.log, which is where the counts are read from (cargo's `test result:`
# lines, pytest's closing line). A step that fails without a failing test to show for it (a
# build error, a missing tool) counts as one failed test, so the summary never reads "0 failed"
# for a broken run.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
logs="$root/target/test-logs"
mkdir -p "$logs"
venv_python="$root/target/test-clients/venv/bin/python"

# A fresh root shell may not have rustup's directory on PATH yet.
if ! command -v cargo >/dev/null && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

total_passed=0
total_failed=0
failed_steps=()
step_reports=()
step_no=0
step_total=7

# count_cargo LOG: sums "N passed; M failed" over cargo's `test result:` lines.
count_cargo() {
    awk '/^test result: / {
            for (i = 1; i <= NF; i++) {
                if ($(i) ~ /^passed;?$/) p += $(i - 1)
                if ($(i) ~ /^failed;?$/) f += $(i - 1)
            }
         }
         END { printf "%d %d\n", p, f }' "$1"
}

# count_pytest LOG: passed and failed (+ errors) from pytest's last closing line, such as
# "3 failed, 12 passed, 1 error in 3.21s" (with or without the ===== frame).
count_pytest() {
    awk '/ in [0-9.]+s( \([0-9:]+\))?( =+)?$/ && /[0-9]+ (passed|failed|errors?)|no tests ran/ { last = $0 }
         END {
            p = 0; f = 0
            n = split(last, w, /[ ,=]+/)
            for (i = 2; i <= n; i++) {
                if (w[i] == "passed") p += w[i - 1]
                if (w[i] == "failed" || w[i] == "error" || w[i] == "errors") f += w[i - 1]
            }
            printf "%d %d\n", p, f
         }' "$1"
}

# step NAME KIND LIMIT CMD...: runs CMD with a time limit, output shown and logged; KIND says
# which counts to read from its log (none, cargo, pytest, any).
step() {
    local name=$1 kind=$2 limit=$3
    shift 3
    step_no=$((step_no + 1))
    local log="$logs/$name.log"
    printf '\n==> [%d/%d] %s: %s  (log: %s)\n' "$step_no" "$step_total" "$name" "$*" "${log#"$root"/}"
    local start=$SECONDS rc
    # The command writes to the log file, and tail shows it: a process a test leaked that still
    # holds the output open then cannot hold this script up, nor print after the summary.
    : >"$log"
    timeout --kill-after=30s "$limit" "$@" >"$log" 2>&1 </dev/null &
    local pid=$!
    tail -n +1 -s 0.2 -f --pid="$pid" "$log" &
    local tail_pid=$!
    wait "$pid"
    rc=$?
    wait "$tail_pid" 2>/dev/null
    record "$name" "$kind" "$rc" "$((SECONDS - start))" \
        "$([[ $rc == 124 || $rc == 137 ]] && echo "timed out after $limit")"
}

# fail_step NAME WHY MESSAGE: a step that cannot even start (its tool is missing); WHY is the
# short form for the closing lines, MESSAGE says what fixes it.
fail_step() {
    local name=$1 why=$2 message=$3
    step_no=$((step_no + 1))
    printf '\n==> [%d/%d] %s\n' "$step_no" "$step_total" "$name"
    printf '%s: FAILED: %s\n' "$name" "$message" | tee "$logs/$name.log"
    record "$name" none 127 0 "$why"
}

record() {
    local name=$1 kind=$2 rc=$3 secs=$4 why=$5 p=0 f=0 cp cf
    local log="$logs/$name.log"
    if [[ $kind == cargo || $kind == any ]]; then
        read -r cp cf < <(count_cargo "$log")
        p=$((p + cp)) f=$((f + cf))
    fi
    if [[ $kind == pytest || $kind == any ]]; then
        read -r cp cf < <(count_pytest "$log")
        p=$((p + cp)) f=$((f + cf))
    fi
    if [[ $rc != 0 && $f == 0 ]]; then
        f=1 # failed without a failing test to show: count the step itself
    fi
    total_passed=$((total_passed + p))
    total_failed=$((total_failed + f))
    local state=ok
    if [[ $rc != 0 ]]; then
        state="FAILED (exit $rc${why:+: $why})"
        failed_steps+=("$name (exit $rc${why:+: $why}; log: ${log#"$root"/})")
    fi
    step_reports+=("$(printf '%-20s %-50s passed=%-5d failed=%-4d %ss' "$name" "$state" "$p" "$f" "$secs")")
    printf '<== %s: %s, passed=%d failed=%d, %ss\n' "$name" "$state" "$p" "$f" "$secs"
}

run_started=$SECONDS

# Each step's time limit is far above a normal run's and only there so that a hung step is
# killed while CI's 90 minutes still leave room for the other steps and the summary.

# (a) third-party clients: Python venv + Node 22 tooling under target/test-clients/
step setup-test-clients none 15m bash scripts/setup-test-clients.sh

# (a2) one style: rustfmt.toml, checked without changing a file (`cargo fmt` fixes it)
if command -v cargo >/dev/null && cargo fmt --version >/dev/null 2>&1; then
    step fmt none 5m cargo fmt --all --check
else
    fail_step fmt "rustfmt not found" "rustfmt not found; install it with \`rustup component add rustfmt\`"
fi

# (a3) the workspace lints (`[workspace.lints]` in Cargo.toml) and clippy's defaults, as errors
if command -v cargo >/dev/null && cargo clippy --version >/dev/null 2>&1; then
    step clippy none 20m cargo clippy --workspace --all-targets -- -D warnings
else
    fail_step clippy "clippy not found" "clippy not found; install it with \`rustup component add clippy\`"
fi

# (b) every product binary: e2e tests find them beside the test executables
if command -v cargo >/dev/null; then
    step build none 30m cargo build --workspace --bins
else
    fail_step build "cargo not found" "cargo not found; install the Rust toolchain with rustup (https://rustup.rs) and put ~/.cargo/bin on PATH"
fi

# (c) every Rust suite; --no-fail-fast so one failing test binary does not hide the others
if command -v cargo >/dev/null; then
    step cargo-test cargo 30m cargo test --workspace --no-fail-fast
else
    fail_step cargo-test "cargo not found" "cargo not found; install the Rust toolchain with rustup (https://rustup.rs) and put ~/.cargo/bin on PATH"
fi

# (d) the real Secret Service path (dbus-run-session + gnome-keyring)
if [[ -f scripts/test-secret-service.sh ]]; then
    step secret-service any 15m bash scripts/test-secret-service.sh
else
    fail_step secret-service "scripts/test-secret-service.sh missing" "scripts/test-secret-service.sh is missing (it runs the real Secret Service test under dbus-run-session + gnome-keyring); restore it with \`git checkout -- scripts/test-secret-service.sh\`"
fi

# (e) the Python suites: the official MCP SDK, the Inspector CLI, conformance, authlib
if [[ -x "$venv_python" ]]; then
    step pytest pytest 20m "$venv_python" -m pytest tests/clients -q
else
    fail_step pytest "no test venv" "$venv_python not found; run \`bash scripts/setup-test-clients.sh\`"
fi

printf '\n==> results (logs in %s, %ss in all)\n' "${logs#"$root"/}" "$((SECONDS - run_started))"
printf '  %s\n' "${step_reports[@]}"
if ((${#failed_steps[@]})); then
    printf 'failed steps: %s\n' "$(printf '%s; ' "${failed_steps[@]}" | sed 's/; $//')"
fi
printf 'summary: %d passed, %d failed\n' "$total_passed" "$total_failed"
((${#failed_steps[@]} == 0))
