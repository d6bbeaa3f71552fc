#!/bin/bash
# The scale benchmark: W4 (500 hosts) and W5 (2,000 hosts), 3 tasks each (workloads/tasks3.yml:
# file state=directory, shell, copy), troupe against its peers and two floors in one run.
# Hosts are aliases of one loopback sshd of this machine (lib/loopback_lab.sh; needs root), as
# the lab's containers would swamp 2 cores at this scale. Prints a Markdown table per workload and writes them to
# bench/results/scale-DATE.md.
#
# usage: bench/scale.sh [--runs 3] [--hosts 500,2000] [--only W4,W5]
#                       [--tools troupe,ansible,ansible-rs,pyinfra,floor-exec,floor-open]
#                       [--troupe PATH|none] [--port 2299]
#   --runs    timed runs per tool, workload and phase
#   --hosts   host counts of W4 and W5
#   --tools   default: all but ansible (ansible-playbook takes many minutes a run at 500)
# cold: no master open, no file on the hosts. warm: the files in place, no master open (every
# tool pays its connections, as after a pause longer than ControlPersist). open: the files in
# place and the masters the previous run left (a rerun within ControlPersist's 60 s).
# floor-exec: one `ssh` exec per command, masters opened in the run; floor-open: the same over
# masters opened before the run (not timed).
# env: TROUPE_BENCH_CACHE, ANSIBLE_CORE_SPEC, PYINFRA_SPEC, ANSIBLE_CORE_RS_SPEC as run.sh
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench/.." && pwd)
cache=${TROUPE_BENCH_CACHE:-$HOME/.cache/troupe-bench}
ANSIBLE_CORE_SPEC=${ANSIBLE_CORE_SPEC:-ansible-core==2.19.14}
PYINFRA_SPEC=${PYINFRA_SPEC:-pyinfra==3.10.0}
ANSIBLE_CORE_RS_SPEC=${ANSIBLE_CORE_RS_SPEC:-ansible-core-rs==0.16.0}
ALL_TOOLS=troupe,ansible,ansible-rs,pyinfra,floor-exec,floor-open

invocation="bench/scale.sh $*"
runs=3
host_counts=500,2000
only=W4,W5
tools=troupe,ansible-rs,pyinfra,floor-exec,floor-open
troupe_choice=build
port=2299

# shellcheck source=lib/tools.sh
source "$bench/lib/tools.sh"
usage() {
	sed -n '8,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--hosts) host_counts=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--tools) tools=$2; shift 2 ;;
	--troupe) troupe_choice=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	*) usage ;;
	esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
IFS=, read -r -a counts <<<"$host_counts"
[ ${#counts[@]} -eq 2 ] || die "--hosts takes two counts (W4,W5)"
for count in "${counts[@]}"; do [[ "$count" =~ ^[1-9][0-9]*$ ]] || die "bad host count '$count'"; done
IFS=, read -r -a workloads <<<"$only"
for workload in "${workloads[@]}"; do [[ "$workload" =~ ^W[45]$ ]] || die "unknown workload '$workload'"; done
IFS=, read -r -a selected_tools <<<"$tools"
for tool in "${selected_tools[@]}"; do [[ ",$ALL_TOOLS," == *",$tool,"* ]] || die "unknown tool '$tool'"; done

workload_hosts() { echo "${counts[${1#W} - 4]}"; }

run_dir="$cache/runs/scale-$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$run_dir"
# Short: a socket's path has at most 107 bytes.
control_root=$(mktemp -d /tmp/troupe-scale.XXXXXX)
state="$control_root/lab"
mkdir -p "$control_root/troupe" "$control_root/ansible" "$control_root/home-ansible-rs"

teardown() {
	"$bench/lib/loopback_lab.sh" down "$state" || true
	close_masters
	rm -rf "$control_root"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# Every master the run's tools left (their process title names the socket), and the sockets.
close_masters() {
	pkill -f "^ssh: $control_root/" 2>/dev/null || true
	find "$control_root" -type s -delete 2>/dev/null || true
}

write_inventories() {
	awk -v key="$state/id_ed25519" -v port="$port" -v cp="$control_root/troupe" '
		BEGIN {
			print "all:\n  children:\n    bench:\n      vars:\n        ansible_user: troupe-bench"
			print "        ansible_port: " port
			print "        ansible_ssh_private_key_file: " key
			print "        ansible_control_path_dir: " cp
			print "        ansible_ssh_common_args: '\''-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\''"
			print "      hosts:"
		}
		{ printf "        %s:\n          ansible_host: %s\n", $1, $2 }
	' "$state/hosts" >"$run_dir/inventory.yml"
	awk -v key="$state/id_ed25519" -v port="$port" '
		BEGIN {
			printf "_ssh = {\"ssh_user\": \"troupe-bench\", \"ssh_port\": %s, \"ssh_key\": \"%s\", ", port, key
			print "\"ssh_known_hosts_file\": \"/dev/null\", \"ssh_strict_host_key_checking\": \"off\"}"
			print "hosts = ["
		}
		{ printf "    (\"%s\", _ssh),\n", $2 }
		END { print "]" }
	' "$state/hosts" >"$run_dir/pyinfra.py"
}

tool_command() {
	local tool=$1 n=$2
	case "$tool" in
	troupe) echo "${binary[troupe]} run workloads/tasks3.yml -i $run_dir/inventory.yml -f $n" ;;
	ansible) echo "${binary[ansible]} -i $run_dir/inventory.yml -f $n workloads/tasks3.yml" ;;
	ansible-rs) echo "HOME=$control_root/home-ansible-rs ${binary[ansible-rs]} playbook -i $run_dir/inventory.yml -f $n workloads/tasks3.yml" ;;
	pyinfra) echo "BENCH_TASKS=3 ${binary[pyinfra]} -y --parallel $n $run_dir/pyinfra.py pyinfra/deploy.py" ;;
	floor-exec | floor-open) echo "floors/scale_exec.sh $state/ssh_config $control_root/floor $state/hosts" ;;
	esac
}

# What runs before each timed run (hyperfine's --prepare), from $bench.
prepare_command() {
	local tool=$1 phase=$2 command
	command="pkill -f '^ssh: $control_root/'; find $control_root -type s -delete"
	[ "$phase" = warm ] || command+="; lib/loopback_lab.sh clean"
	[ "$tool" != floor-open ] || command+="; lib/open_masters.sh $state/ssh_config $control_root/floor $state/hosts"
	echo "$command; true"
}

# Hosts that ended unreachable or failed in troupe's or Ansible's recap.
lost_hosts() {
	awk '/ok=[0-9]+/ { for (i = 1; i <= NF; i++) if ($i ~ /^(unreachable|failed)=[1-9]/) { lost++; break } }
		END { print lost + 0 }' "$1"
}

measure() {
	local tool=$1 workload=$2 n=$3 command prefix phase
	command=$(tool_command "$tool" "$n")
	prefix="$run_dir/$workload.$tool"
	local options
	for phase in cold warm open; do
		log "$workload $tool $phase: $runs runs"
		options=(--prepare "$(prepare_command "$tool" "$phase")")
		[ "$phase" != open ] || options=(--warmup 1)
		[ "$phase$tool" != openfloor-open ] || options=(--prepare "$(prepare_command "$tool" warm)")
		if ! hyperfine --runs "$runs" "${options[@]}" \
			--export-json "$prefix.$phase.json" --style basic "$command" >"$prefix.$phase.hyperfine" 2>&1; then
			rm -f "$prefix.$phase.json"
			sh -c "$(prepare_command "$tool" "$phase")" >/dev/null 2>&1
			sh -c "$command" >"$prefix.log" 2>&1 || true
			echo "exit code non-zero in the $phase runs: $(lost_hosts "$prefix.log") hosts lost, output in $prefix.log" >"$prefix.error"
			log "$workload $tool $phase failed: see $prefix.log"
			return 0
		fi
	done
	# One more warm run: memory, threads, round trips, hosts lost.
	sh -c "$(prepare_command "$tool" warm)" >/dev/null 2>&1
	rm -f "$prefix.trips"
	TROUPE_ROUND_TRIPS_FILE="$prefix.trips" /usr/bin/time -v -o "$prefix.time" \
		sh -c "$command" >"$prefix.out" 2>&1 &
	local pid=$! threads=0 t
	while kill -0 "$pid" 2>/dev/null; do
		t=$(ps -e -o nlwp=,args= | awk -v bin="${binary[$tool]:-none}" 'index($0, bin) { if ($1 > m) m = $1 } END { print m + 0 }')
		[ "$t" -le "$threads" ] || threads=$t
		sleep 0.2
	done
	wait "$pid" || true
	echo "$threads" >"$prefix.threads"
	awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time" >"$prefix.rss"
	lost_hosts "$prefix.out" >"$prefix.lost"
	cat "$prefix.trips" >"$prefix.trips.total" 2>/dev/null || true
}

ensure_controller_tools
install_peers
find_troupe
export ANSIBLE_CONFIG="$bench/ansible.cfg"
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_SSH_CONTROL_PATH_DIR="$control_root/ansible"
cd "$bench"

{
	echo "## troupe scale benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- command: \`$invocation\` ($runs runs per phase)"
	echo "- machine: $(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB, kernel $(uname -r), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- hosts: aliases 127.1.x.y of one sshd of this machine (port $port, account troupe-bench, lib/loopback_lab.sh), $(ssh -V 2>&1)"
	for tool in "${selected_tools[@]}"; do
		[ "${status[$tool]:-}" != available ] || echo "- $tool: ${detail[$tool]}"
	done
} >"$run_dir/meta.md"
for tool in "${selected_tools[@]}"; do
	printf '%s\t%s\t%s\n' "$tool" "${status[$tool]}" "${detail[$tool]}"
done >"$run_dir/tools.tsv"

for workload in "${workloads[@]}"; do
	n=$(workload_hosts "$workload")
	close_masters
	log "loopback lab: $n hosts for $workload"
	"$bench/lib/loopback_lab.sh" up "$n" "$state" "$port"
	write_inventories
	printf '%s\t%s\t3\n' "$workload" "$n" >>"$run_dir/workloads.tsv"
	for tool in "${selected_tools[@]}"; do
		[ "${status[$tool]}" = available ] || continue
		echo "$workload $tool: $(tool_command "$tool" "$n")" >>"$run_dir/commands.txt"
		measure "$tool" "$workload" "$n"
	done
done

printf '\nLoad average at the end: %s.\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$run_dir/meta.md"
results="$bench/results/scale-$(date -u +%Y-%m-%d).md"
"$bench/lib/scale_report.py" "$run_dir" | tee "$results"
log "written: $results (raw measurements in $run_dir)"
