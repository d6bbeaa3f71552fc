#!/usr/bin/env bash
# Property tests of the parsers (YAML, Jinja, playbooks, k=v strings, INI and YAML
# inventories, host patterns) for a chosen number of generated cases each:
#   tests/fuzz.sh [CASES]      (default 10000; CI's test run uses proptest's 256)
# Every case must return a value or an error: no panic, nothing past 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-10000}
PROPTEST_CASES=$cases cargo test --release -p troupe --lib -- \
	parser_fuzz inventory::tests::fuzz --test-threads=2
echo "fuzz: $cases cases for each of the properties above"
