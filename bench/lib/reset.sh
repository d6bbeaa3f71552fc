#!/bin/bash
# Brings hosts back to a fresh state before a cold run: closes the bench's ssh masters (every
# socket under CONTROL_ROOT) and removes what the workloads and Ansible wrote on each host.
#
# usage: reset.sh SSH_CONFIG CONTROL_ROOT HOST...
set -uo pipefail

ssh_config=$1 control_root=$2
shift 2

while IFS= read -r -d '' socket; do
	ssh -n -o "ControlPath=$socket" -O exit bench-master >/dev/null 2>&1
	rm -f "$socket"
done < <(find "$control_root" -type s -print0 2>/dev/null)

pids=()
for host in "$@"; do
	# A connection of its own: no master must survive this script.
	ssh -F "$ssh_config" -o ControlMaster=no -o ControlPath=none "$host" \
		'rm -rf /var/tmp/troupe-bench /root/.ansible' &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
