#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs every
# test of the workspace (unit, local-connection end-to-end, and the SSH lab suites).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/lab/install-deps.sh
cargo build --workspace --all-targets
cargo test --workspace -- --test-threads="${TEST_THREADS:-2}"
