#!/bin/bash
# The benchmark: troupe against Ansible, ansible-core-rs, pyinfra and two shell floors, on the
# same lab hosts in one run. Prints Markdown tables and writes them to bench/results/DATE.md.
#
# usage: bench/run.sh [--runs 5] [--hosts 1,20,50] [--only W1,W2,W3]
#                     [--tools troupe,ansible,ansible-rs,pyinfra,floor-exec,floor-sh]
#                     [--troupe PATH|none]
#   --runs    timed runs per tool, workload and phase (cold, warm)
#   --hosts   host counts of W1, W2, W3 in that order (each gets a lab of that size)
#   --only    workloads to run
#   --tools   tools to run (default: all)
#   --troupe  the troupe binary to use; default: `cargo build --release -p troupe`
# env: TROUPE_BENCH_CACHE  where the tools' virtualenvs live (default ~/.cache/troupe-bench)
#      ANSIBLE_CORE_SPEC, PYINFRA_SPEC, ANSIBLE_CORE_RS_SPEC  pip requirements to install
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench/.." && pwd)
lab_sh="$repo/tests/lab/lab.sh"
cache=${TROUPE_BENCH_CACHE:-$HOME/.cache/troupe-bench}
ANSIBLE_CORE_SPEC=${ANSIBLE_CORE_SPEC:-ansible-core==2.19.14}
PYINFRA_SPEC=${PYINFRA_SPEC:-pyinfra==3.10.0}
ANSIBLE_CORE_RS_SPEC=${ANSIBLE_CORE_RS_SPEC:-ansible-core-rs==0.16.0}
# Ansible needs Python on the targets; troupe and the floors run on the same image anyway.
LAB_IMAGE_NAME=troupe-lab-py
ALL_TOOLS=troupe,ansible,ansible-rs,pyinfra,floor-exec,floor-sh

invocation="bench/run.sh $*"
runs=5
host_counts=1,20,50
only=W1,W2,W3
tools=$ALL_TOOLS
troupe_choice=build

# shellcheck source=lib/tools.sh
source "$bench/lib/tools.sh"
usage() {
	sed -n '5,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--hosts) host_counts=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--tools) tools=$2; shift 2 ;;
	--troupe) troupe_choice=$2; shift 2 ;;
	*) usage ;;
	esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
IFS=, read -r -a counts <<<"$host_counts"
[ ${#counts[@]} -eq 3 ] || die "--hosts takes three counts (W1,W2,W3)"
for count in "${counts[@]}"; do [[ "$count" =~ ^[1-9][0-9]*$ ]] || die "bad host count '$count'"; done
IFS=, read -r -a workloads <<<"$only"
for workload in "${workloads[@]}"; do [[ "$workload" =~ ^W[123]$ ]] || die "unknown workload '$workload'"; done
IFS=, read -r -a selected_tools <<<"$tools"
for tool in "${selected_tools[@]}"; do [[ ",$ALL_TOOLS," == *",$tool,"* ]] || die "unknown tool '$tool'"; done

workload_hosts() { echo "${counts[${1#W} - 1]}"; }
workload_tasks() { [ "$1" = W3 ] && echo 5 || echo 20; }

# --- the lab ---------------------------------------------------------------------------------

lab=bench-$$
lab_up=false
report_written=false
teardown() {
	# Interrupted: the tables still show what was measured.
	if ! $report_written && [ -s "${run_dir:-/nonexistent}/meta.md" ]; then
		echo "Interrupted before the end: the tables show what was measured by then." >>"$run_dir/meta.md"
		write_report || true
	fi
	if $lab_up; then
		log "tearing the lab down"
		"$lab_sh" down --name "$lab" >/dev/null 2>&1 || true
	fi
	# Masters left by the last runs would linger for ControlPersist.
	if [ -n "${control_root:-}" ]; then
		"$bench/lib/reset.sh" /dev/null "$control_root" >/dev/null 2>&1 || true
		rm -rf "$control_root"
	fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

host_names() {
	local i
	for ((i = 1; i <= $1; i++)); do printf 'h%02d ' "$i"; done
}

# Ansible and pyinfra inventories of the first N hosts (group `bench`).
write_inventories() {
	local n=$1 state=$2
	awk -v n="$n" -v key="$state/id_ed25519" '
		BEGIN {
			print "all:\n  children:\n    bench:\n      vars:\n        ansible_user: root"
			print "        ansible_ssh_private_key_file: " key
			print "        ansible_ssh_common_args: '\''-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\''"
			print "      hosts:"
		}
		NR <= n { printf "        %s:\n          ansible_host: %s\n", $1, $2 }
	' "$state/hosts" >"$run_dir/inventory-$n.yml"
	awk -v n="$n" -v key="$state/id_ed25519" '
		BEGIN {
			print "# The lab'\''s first " n " hosts, for pyinfra."
			printf "_ssh = {\"ssh_user\": \"root\", \"ssh_key\": \"%s\", ", key
			print "\"ssh_known_hosts_file\": \"/dev/null\", \"ssh_strict_host_key_checking\": \"off\"}"
			print "hosts = ["
		}
		NR <= n { printf "    (\"%s\", _ssh),\n", $2 }
		END { print "]" }
	' "$state/hosts" >"$run_dir/pyinfra-$n.py"
}

# --- measuring ---------------------------------------------------------------------------------

# The command line that runs TOOL on workload W (from $bench).
tool_command() {
	local tool=$1 workload=$2 n tasks playbook hosts
	n=$(workload_hosts "$workload")
	tasks=$(workload_tasks "$workload")
	playbook="workloads/tasks$tasks.yml"
	hosts=$(host_names "$n")
	case "$tool" in
	troupe) echo "${binary[troupe]} run $playbook -i $run_dir/inventory-$n.yml -f $n" ;;
	ansible) echo "${binary[ansible]} -i $run_dir/inventory-$n.yml -f $n $playbook" ;;
	# It keeps its masters in ~/.ansible/cp whatever the config says: a home of its own
	# lets a cold run close them without touching anyone else's.
	ansible-rs) echo "HOME=$control_root/home-ansible-rs ${binary[ansible-rs]} playbook -i $run_dir/inventory-$n.yml -f $n $playbook" ;;
	pyinfra) echo "BENCH_TASKS=$tasks ${binary[pyinfra]} -y --parallel $n $run_dir/pyinfra-$n.py pyinfra/deploy.py" ;;
	floor-exec) echo "floors/ssh_exec.sh $tasks $lab_state/ssh_config $control_root/floor-exec ${hosts% }" ;;
	floor-sh) echo "floors/persistent_sh.sh $tasks $lab_state/ssh_config $control_root/floor-sh ${hosts% }" ;;
	esac
}

reset_command() {
	local hosts
	hosts=$(host_names "$(workload_hosts "$1")")
	echo "lib/reset.sh $lab_state/ssh_config $control_root ${hosts% }"
}

# What every tool must leave on a host: the floor's commands run here, into a temp dir.
expected_digest() {
	local tasks=$1 dir command
	dir=$(mktemp -d)
	while IFS= read -r -d '' command; do
		BENCH_DIR=$dir sh -c "$command" >/dev/null
	done < <(BENCH_DIR=$dir "$bench/floors/commands.sh" "$tasks")
	(cd "$dir" && echo "$(find . -type d -name 'd*' | wc -l) $(find . -type f | sort | xargs cat | md5sum)")
	rm -rf "$dir"
}

# Checks the files on the workload's first and last host; prints ok or what is wrong.
check_hosts() {
	local workload=$1 expected n host found
	expected=$(expected_digest "$(workload_tasks "$workload")")
	n=$(workload_hosts "$workload")
	for host in h01 "$(printf 'h%02d' "$n")"; do
		found=$(ssh -F "$lab_state/ssh_config" -o ControlMaster=no -o ControlPath=none "$host" \
			'cd /var/tmp/troupe-bench 2>/dev/null && echo "$(find . -type d -name "d*" | wc -l) $(find . -type f | sort | xargs cat | md5sum)"' || true)
		[ "$found" = "$expected" ] || { echo "wrong files on $host"; return; }
	done
	echo ok
}

# Runs hyperfine for one tool, workload and phase; on failure runs the command once more (from
# the same state) to keep its output, and records why.
time_phase() {
	local tool=$1 workload=$2 phase=$3 command=$4
	local prefix="$run_dir/$workload.$tool"
	local options=(--runs "$runs" --export-json "$prefix.$phase.json" --style basic)
	if [ "$phase" = cold ]; then
		options+=(--prepare "$(reset_command "$workload")")
	else
		options+=(--warmup 1)
	fi
	log "$workload $tool $phase: $runs runs"
	if ! hyperfine "${options[@]}" "$command" >"$prefix.$phase.hyperfine" 2>&1; then
		rm -f "$prefix.$phase.json"
		[ "$phase" != cold ] || sh -c "$(reset_command "$workload")" >/dev/null 2>&1 || true
		sh -c "$command" >"$prefix.log" 2>&1 || true
		echo "exit code non-zero in the $phase runs, output in $prefix.log" >"$prefix.error"
		log "$workload $tool $phase failed: see $prefix.log"
		return 1
	fi
}

measure() {
	local tool=$1 workload=$2 command prefix
	command=$(tool_command "$tool" "$workload")
	prefix="$run_dir/$workload.$tool"
	time_phase "$tool" "$workload" cold "$command" || return 0
	time_phase "$tool" "$workload" warm "$command" || return 0
	check_hosts "$workload" >"$prefix.check"
	# One more warm run, for the memory and the round trips.
	rm -f "$prefix.trips"
	TROUPE_ROUND_TRIPS_FILE="$prefix.trips" BENCH_SSH_COUNT="$prefix.ssh-count" \
		ANSIBLE_SSH_EXECUTABLE="$bench/lib/counting_ssh.sh" \
		/usr/bin/time -v -o "$prefix.time" sh -c "$command" >/dev/null 2>&1 || true
	awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time" >"$prefix.rss"
	round_trips "$tool" "$prefix" >"$prefix.trips.total"
}

# Requests the warm run sent to the hosts, in all: troupe counts its own; Ansible's (and
# ansible-core-rs's, if it honours ANSIBLE_SSH_EXECUTABLE) are its ssh processes; the floors
# make one per command by construction; pyinfra's (paramiko) are not counted.
round_trips() {
	local tool=$1 prefix=$2 workload
	workload=$(basename "$prefix" | cut -d. -f1)
	case "$tool" in
	troupe) cat "$prefix.trips" 2>/dev/null ;;
	ansible | ansible-rs) [ ! -s "$prefix.ssh-count" ] || wc -l <"$prefix.ssh-count" ;;
	floor-exec | floor-sh) echo $(($(workload_hosts "$workload") * $(workload_tasks "$workload"))) ;;
	esac
}

# The smoke test: troupe's SSH transport may not be there yet.
troupe_smoke_test() {
	[ "${status[troupe]:-}" = available ] || return 0
	local out="$run_dir/troupe-smoke.log"
	log "troupe smoke test on h01"
	if ! "${binary[troupe]}" run "$bench/workloads/tasks5.yml" -i "$run_dir/inventory-1.yml" -f 1 >"$out" 2>&1 ||
		! grep -q 'PLAY RECAP' "$out"; then
		mark_unavailable troupe "smoke test failed: $(grep -v '^\s*$' "$out" | tail -1 | cut -c1-120)"
	fi
	"$bench/lib/reset.sh" "$lab_state/ssh_config" "$control_root" h01 >/dev/null 2>&1 || true
}

# "STEAL TOTAL": the machine's CPU time so far (all CPUs, in ticks), and the part of it the
# hypervisor gave to other guests (/proc/stat's steal column).
cpu_times() {
	awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print $9, total }' /proc/stat
}

# The share of CPU time stolen between two cpu_times readings, in percent.
stolen_share() {
	local steal1 total1 steal2 total2
	read -r steal1 total1 <<<"$1"
	read -r steal2 total2 <<<"$2"
	awk -v s="$((steal2 - steal1))" -v t="$((total2 - total1))" 'BEGIN { printf "%.0f\n", (t > 0 ? 100 * s / t : 0) }'
}

# --- the report ----------------------------------------------------------------------------------

write_report() {
	report_written=true
	# Other work on the machine weighs on the slowest tools most: say how busy it was.
	printf '\nLoad average at the end: %s.\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$run_dir/meta.md"
	mkdir -p "$bench/results"
	local results
	results="$bench/results/$(date -u +%Y-%m-%d).md"
	"$bench/lib/report.py" "$run_dir" | tee "$results"
	log "written: $results (raw measurements in $run_dir)"
}

write_meta() {
	local meta="$run_dir/meta.md" tool workload
	{
		echo "## troupe benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "- command: \`$invocation\` ($runs runs per phase)"
		echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/^Mem:/ {print $2}') GiB memory, kernel $(uname -r), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "- lab: for each workload, as many containers of $lab_image as it has hosts ($(docker --version | cut -d, -f1)), storage driver $(docker info --format '{{.Driver}}' 2>/dev/null)"
		echo "- $(hyperfine --version), $(ssh -V 2>&1), $(python3 --version)"
		for tool in "${selected_tools[@]}"; do
			[ "${status[$tool]:-}" != available ] || echo "- $tool: ${detail[$tool]}"
		done
		echo "- environment: ANSIBLE_CONFIG=bench/ansible.cfg ANSIBLE_PYTHON_INTERPRETER=$ANSIBLE_PYTHON_INTERPRETER ANSIBLE_SSH_CONTROL_PATH_DIR=$ANSIBLE_SSH_CONTROL_PATH_DIR; commands run from bench/, cold runs prepared by \`$(reset_command W1 | cut -d' ' -f1)\`"
		echo
		echo "Commands (RUN = $run_dir):"
		echo
		echo '```'
		for workload in "${workloads[@]}"; do
			for tool in "${selected_tools[@]}"; do
				[ "${status[$tool]:-}" != available ] || echo "$workload $tool: $(tool_command "$tool" "$workload")"
			done
		done
		echo '```'
	} >"$meta"
	for tool in "${selected_tools[@]}"; do
		printf '%s\t%s\t%s\n' "$tool" "${status[$tool]}" "${detail[$tool]}"
	done >"$run_dir/tools.tsv"
	for workload in "${workloads[@]}"; do
		printf '%s\t%s\t%s\n' "$workload" "$(workload_hosts "$workload")" "$(workload_tasks "$workload")"
	done >"$run_dir/workloads.tsv"
}

# --- main ------------------------------------------------------------------------------------------

run_dir="$cache/runs/$(date -u +%Y%m%dT%H%M%SZ)-$$"
mkdir -p "$run_dir"
# ssh control sockets: a short path, as a socket's path has at most 107 bytes.
control_root=$(mktemp -d /tmp/troupe-bench.XXXXXX)
mkdir -p "$control_root/ansible" "$control_root/home-ansible-rs"
ensure_controller_tools
install_peers
find_troupe

log "lab image ($LAB_IMAGE_NAME, with python3 for Ansible)"
lab_image=$("$repo/tests/lab/build-image.sh" --name "$LAB_IMAGE_NAME" --packages python3 | tail -1)
lab_state="$repo/tests/lab/.state/$lab"

export ANSIBLE_CONFIG="$bench/ansible.cfg"
export ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
export ANSIBLE_SSH_CONTROL_PATH_DIR="$control_root/ansible"
cd "$bench"

# Each workload gets a lab of its own size, so idle containers of a bigger one (their sshd and
# storage processes) never weigh on a smaller workload.
for workload in "${workloads[@]}"; do
	n=$(workload_hosts "$workload")
	# Masters to the previous lab: the new one may reuse its addresses.
	"$bench/lib/reset.sh" /dev/null "$control_root" >/dev/null 2>&1 || true
	log "lab $lab: $n hosts for $workload"
	lab_up=true
	"$lab_sh" up "$n" --name "$lab" --image "$lab_image" >/dev/null
	write_inventories "$n" "$lab_state"
	if [ ! -s "$run_dir/meta.md" ]; then
		write_inventories 1 "$lab_state"
		troupe_smoke_test
		write_meta
	fi
	steal_before=$(cpu_times)
	for tool in "${selected_tools[@]}"; do
		[ "${status[$tool]}" = available ] || continue
		measure "$tool" "$workload"
	done
	stolen_share "$steal_before" "$(cpu_times)" >"$run_dir/$workload.steal"
done

write_report
