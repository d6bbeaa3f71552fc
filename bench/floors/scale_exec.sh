#!/bin/bash
# The floors of W4/W5 (bench/scale.sh): the workload's 3 commands as one `ssh` exec each over
# a ControlMaster per host, hosts all at once, commands in order on each host, nothing checked
# first. Whether the masters are opened in the run or already open is the caller's choice.
#
# usage: scale_exec.sh SSH_CONFIG CONTROL_DIR HOSTS_FILE   ("name address" lines)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ssh_config=$1 control_dir=$2 hosts_file=$3
small_file=$(cat "$here/../workloads/files/small.txt")
mkdir -p "$control_dir"

run_host() {
	local host=$1 dir=/home/troupe-bench/scale/$2 command
	for command in "mkdir -p $dir" "echo hi" \
		"cat > $dir/c.txt.tmp <<'BENCH_EOF'
$small_file
BENCH_EOF
mv $dir/c.txt.tmp $dir/c.txt"; do
		ssh -F "$ssh_config" -o ControlMaster=auto -o "ControlPath=$control_dir/%C" \
			-o ControlPersist=60s "$host" "$command" </dev/null >/dev/null
	done
}

mapfile -t hosts <"$hosts_file"
pids=()
for line in "${hosts[@]}"; do
	# shellcheck disable=SC2086 # "name address"
	run_host $line &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
