#!/bin/bash
# Floor (b): one persistent `sh` per host over ssh, fed the commands through its stdin one at
# a time; a marker line after each says it finished (and how). Hosts in parallel. The least
# an engine that keeps one remote shell per host and waits for each task can cost.
#
# usage: persistent_sh.sh TASKS SSH_CONFIG CONTROL_DIR HOST...
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tasks=$1 ssh_config=$2 control_dir=$3
shift 3
mapfile -d '' commands < <("$here/commands.sh" "$tasks")
mkdir -p "$control_dir"
marker=__BENCH_DONE__

run_host() {
	local host=$1 command line
	coproc remote {
		exec ssh -F "$ssh_config" -o ControlMaster=auto -o "ControlPath=$control_dir/%C" \
			-o ControlPersist=60s "$host" 'exec /bin/sh'
	}
	for command in "${commands[@]}"; do
		[ -n "${remote[1]:-}" ] || { echo "$host: ssh exited early" >&2; return 1; }
		printf '%s\necho "%s $?"\n' "$command" "$marker" >&"${remote[1]}"
		while IFS= read -r line <&"${remote[0]}"; do
			[[ "$line" == "$marker "* ]] || continue
			[ "${line#"$marker "}" = 0 ] || { echo "$host: failed: $command" >&2; return 1; }
			break
		done
	done
	# EOF on its stdin ends the remote shell, then ssh.
	local input=${remote[1]}
	exec {input}>&-
	# shellcheck disable=SC2154 # set by coproc
	wait "$remote_PID"
}

pids=()
for host in "$@"; do
	run_host "$host" &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
