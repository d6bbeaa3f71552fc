#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs every
# test of the workspace (unit, local-connection end-to-end, and the SSH lab suites).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/lab/install-deps.sh
cargo build --workspace --all-targets
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace -- --test-threads="${TEST_THREADS:-2}" 2>&1 | tee "$log" || status=$?
# One closing line for the whole workspace (cargo prints one per test binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
