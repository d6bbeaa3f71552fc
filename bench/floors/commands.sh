#!/bin/bash
# Prints the workload's commands, NUL-separated, as the shell snippets a floor runs on each
# host: what the playbook's tasks amount to, with nothing checked first.
#
# usage: commands.sh 20|5
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workloads="$here/../workloads"
# BENCH_DIR elsewhere renders the same files locally (run.sh does, to know what to expect).
bench_dir=${BENCH_DIR:-/var/tmp/troupe-bench}
# The playbooks' vars, rendered here as Ansible would.
bench_name=troupe-bench
bench_port=8080

small_file=$(cat "$workloads/files/small.txt")
rendered=$(sed -e "s/{{ bench_name }}/$bench_name/" -e "s/{{ bench_port }}/$bench_port/" \
	"$workloads/templates/two_vars.conf.j2")

directory() { printf 'mkdir -p %s/d%d\0' "$bench_dir" "$1"; }
shell() { printf 'echo bench-%d\0' "$1"; }
# Written atomically, as the tools do: temp file, then rename.
write_file() {
	printf "cat > %s.tmp <<'BENCH_EOF'\n%s\nBENCH_EOF\nmv %s.tmp %s\0" "$1" "$2" "$1" "$1"
}
copy() { write_file "$bench_dir/c$1.txt" "$small_file"; }
template() { write_file "$bench_dir/t$1.conf" "$rendered"; }

case "${1:-}" in
20)
	for step in directory shell copy template; do
		for i in 1 2 3 4 5; do "$step" "$i"; done
	done
	;;
5) directory 1; shell 1; copy 1; template 1; shell 2 ;;
*) echo "usage: commands.sh 20|5" >&2; exit 2 ;;
esac
