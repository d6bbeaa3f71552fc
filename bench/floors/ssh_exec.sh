#!/bin/bash
# Floor (a): one `ssh` exec per command over a ControlMaster, hosts in parallel, commands in
# order on each host. The least an engine that runs one remote process per task can cost.
#
# usage: ssh_exec.sh TASKS SSH_CONFIG CONTROL_DIR HOST...
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tasks=$1 ssh_config=$2 control_dir=$3
shift 3
mapfile -d '' commands < <("$here/commands.sh" "$tasks")
mkdir -p "$control_dir"

run_host() {
	local host=$1 command
	for command in "${commands[@]}"; do
		ssh -F "$ssh_config" -o ControlMaster=auto -o "ControlPath=$control_dir/%C" \
			-o ControlPersist=60s "$host" "$command" >/dev/null
	done
}

pids=()
for host in "$@"; do
	run_host "$host" &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
