#!/bin/bash
# A lab: N Debian containers running sshd on a private Docker network, reachable
# from this machine with a key made for the lab alone.
#
# usage: lab.sh up N [--name LAB] [--image IMG]   (replaces an existing LAB)
#                    [--host-image I=IMG]... [--domain DOMAIN] [--run-arg ARG]...
#        lab.sh down [--name LAB | --all]
#        lab.sh wait [--name LAB] [HOST...]       (until sshd answers, e.g. after a restart)
#        lab.sh inventory [--name LAB]            (prints the inventory's path)
#        lab.sh ls
# LAB defaults to "lab"; IMG defaults to the image build-image.sh makes (built
# if missing); --host-image gives host number I another one. --domain names host
# hNN "hNN.DOMAIN" (hostname and DNS name on the lab network); --run-arg passes
# ARG to every `docker run` (e.g. --cap-add=SYS_ADMIN, -e VAR=VALUE).
# State lives in tests/lab/.state/LAB/: id_ed25519 (+ .pub),
# inventory.yml (Ansible YAML), ssh_config, hosts ("name ip container" lines).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state_root="$here/.state"
# Every lab takes one /24 of this /16; the third octet starts at a hash of the lab
# name so parallel labs rarely try the same one.
SUBNET_PREFIX=10.213
FIRST_HOST_OCTET=11
# docker run jobs in flight at once: more only queues inside dockerd.
PARALLEL_RUNS=8
SSH_WAIT_SECONDS=${TROUPE_LAB_SSH_WAIT:-90}

die() {
	echo "lab: $*" >&2
	exit 1
}

usage() {
	sed -n '5,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

label_filter() { echo "label=troupe.lab=$1"; }

host_name() { printf 'h%02d' "$1"; }

ip_to_int() {
	local IFS=.
	# shellcheck disable=SC2086 # splitting on dots is the point
	set -- $1
	echo $((($1 << 24) | ($2 << 16) | ($3 << 8) | $4))
}

# True when CIDR $1 shares an address with CIDR $2.
cidrs_overlap() {
	local a=${1%/*} alen=${1#*/} b=${2%/*} blen=${2#*/}
	local len=$((alen < blen ? alen : blen))
	local mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
	[ $(($(ip_to_int "$a") & mask)) -eq $(($(ip_to_int "$b") & mask)) ]
}

used_subnets() {
	local ids
	ids=$(docker network ls -q)
	# shellcheck disable=SC2086 # one argument per network id
	[ -z "$ids" ] || docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $ids
	ip -4 route show | awk '$1 ~ /\// {print $1}'
}

# Creates the lab's network on a free /24 and prints that subnet's first three octets.
create_network() {
	local lab=$1 start third used candidate error i
	start=$(($(printf '%s' "$lab" | cksum | cut -d' ' -f1) % 256))
	for ((i = 0; i < 256; i++)); do
		third=$(((start + i) % 256))
		candidate="$SUBNET_PREFIX.$third.0/24"
		used=$(used_subnets | tr ' ' '\n' | grep -E '^[0-9.]+/[0-9]+$' || true)
		if printf '%s\n' "$used" | while read -r subnet; do
			[ -z "$subnet" ] || ! cidrs_overlap "$candidate" "$subnet" || exit 1
		done; then
			# Another lab may take the same subnet between our look and our create.
			if error=$(docker network create --driver bridge --subnet "$candidate" \
				--label "troupe.lab=$lab" "$lab-net" 2>&1 >/dev/null); then
				echo "$SUBNET_PREFIX.$third"
				return 0
			fi
			[[ "$error" == *overlap* ]] || die "docker network create: $error"
		fi
	done
	die "no free /24 left in $SUBNET_PREFIX.0.0/16"
}

write_ssh_config() {
	local state=$1 n=$2 net=$3 i
	{
		for ((i = 1; i <= n; i++)); do
			printf 'Host %s\n  HostName %s.%d\n' "$(host_name "$i")" "$net" $((FIRST_HOST_OCTET + i - 1))
		done
		cat <<EOF
Host *
  User root
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 5
EOF
	} >"$state/ssh_config"
}

# Where troupe (and Ansible) keep this lab's ssh masters: the lab's own, so masters to a
# lab that is gone are never found by the next lab on the same addresses; short, so the
# sockets' paths fit.
control_dir() { echo "/tmp/troupe-lab-cp-$(id -u)/$1"; }

# Ends the masters whose sockets are in $1, and removes it.
close_masters() {
	local dir=$1 socket
	[ -d "$dir" ] || return 0
	for socket in "$dir"/*; do
		[ -S "$socket" ] && ssh -o "ControlPath=$socket" -O exit lab-master >/dev/null 2>&1
	done
	rm -rf "$dir"
}

write_inventory() {
	local state=$1 n=$2 net=$3 i
	{
		cat <<EOF
all:
  children:
    lab:
      vars:
        ansible_user: root
        ansible_ssh_private_key_file: $state/id_ed25519
        ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
        ansible_control_path_dir: $(control_dir "$(basename "$state")")
      hosts:
EOF
		for ((i = 1; i <= n; i++)); do
			printf '        %s:\n          ansible_host: %s.%d\n' "$(host_name "$i")" "$net" $((FIRST_HOST_OCTET + i - 1))
			[ -z "$domain" ] || printf '          lab_fqdn: %s.%s\n' "$(host_name "$i")" "$domain"
		done
	} >"$state/inventory.yml"
}

# The image host number $1 runs: its --host-image, else the lab's.
image_of() {
	local i=$1 spec
	for spec in "${host_images[@]}"; do
		[ "${spec%%=*}" != "$i" ] || { echo "${spec#*=}"; return; }
	done
	echo "$image"
}

run_host() {
	local lab=$1 image=$2 net=$3 i=$4 pubkey=$5 name hostname
	name=$(host_name "$i")
	hostname=$name${domain:+.$domain}
	docker run -d --name "$lab-$name" --hostname "$hostname" \
		--network "$lab-net" --ip "$net.$((FIRST_HOST_OCTET + i - 1))" \
		${domain:+--network-alias "$hostname"} \
		--label "troupe.lab=$lab" -e "LAB_AUTHORIZED_KEY=$pubkey" \
		"${run_args[@]}" "$image" >/dev/null
}

wait_for_ssh() {
	local state=$1 host=$2 deadline=$3
	until ssh -F "$state/ssh_config" -o ConnectTimeout=2 "$host" true 2>/dev/null; do
		[ "$(date +%s)" -lt "$deadline" ] || {
			echo "lab: $host: sshd did not answer in ${SSH_WAIT_SECONDS}s" >&2
			return 1
		}
		sleep 0.2
	done
}

# Waits, all hosts at once, until each of "$@" (after the state dir) answers ssh.
wait_for_hosts() {
	local state=$1 deadline=$(($(date +%s) + SSH_WAIT_SECONDS)) host pid pids=() failed=0
	shift
	for host in "$@"; do
		wait_for_ssh "$state" "$host" "$deadline" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
	return $failed
}

cmd_up() {
	local n=$1 lab=$2 image=$3
	if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 200 ]; then
		die "N must be 1..200, got '$n'"
	fi
	[ -n "$image" ] || image=$("$here/build-image.sh")
	local spec i
	for spec in "${host_images[@]}"; do
		[[ "$spec" =~ ^[0-9]+=.+ ]] || die "--host-image wants I=IMG, got '$spec'"
	done
	for ((i = 1; i <= n; i++)); do
		docker image inspect "$(image_of "$i")" >/dev/null 2>&1 || die "image $(image_of "$i") not found"
	done

	cmd_down "$lab"
	local state="$state_root/$lab"
	mkdir -p "$state"
	ssh-keygen -q -t ed25519 -N '' -C "troupe-lab-$lab" -f "$state/id_ed25519"
	local pubkey net i
	pubkey=$(cat "$state/id_ed25519.pub")
	net=$(create_network "$lab")
	write_ssh_config "$state" "$n" "$net"

	# A failed job leaves a mark: `wait -n` reaps jobs, so their statuses are gone.
	local failed="$state/run-failed"
	for ((i = 1; i <= n; i++)); do
		while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL_RUNS" ]; do wait -n || true; done
		{ run_host "$lab" "$(image_of "$i")" "$net" "$i" "$pubkey" || touch "$failed"; } &
	done
	wait
	[ ! -e "$failed" ] || die "some containers of lab $lab failed to start"

	local hosts=()
	for ((i = 1; i <= n; i++)); do hosts+=("$(host_name "$i")"); done
	wait_for_hosts "$state" "${hosts[@]}" || die "lab $lab is up but not every host answers ssh"

	for ((i = 1; i <= n; i++)); do
		printf '%s %s.%d %s\n' "$(host_name "$i")" "$net" $((FIRST_HOST_OCTET + i - 1)) "$lab-$(host_name "$i")"
	done >"$state/hosts"
	write_inventory "$state" "$n" "$net"
	echo "$state/inventory.yml"
}

remove_lab_resources() {
	local filter=$1 ids
	ids=$(docker ps -aq --filter "$filter")
	# shellcheck disable=SC2086 # one argument per container id
	[ -z "$ids" ] || docker rm -f $ids >/dev/null
	ids=$(docker network ls -q --filter "$filter")
	# shellcheck disable=SC2086 # one argument per network id
	[ -z "$ids" ] || docker network rm $ids >/dev/null
}

cmd_down() {
	local lab=$1
	close_masters "$(control_dir "$lab")"
	remove_lab_resources "$(label_filter "$lab")"
	rm -rf "${state_root:?}/$lab"
}

# Every lab on this Docker engine, whoever made it (for CI machines).
cmd_down_all() {
	local dir
	for dir in "$(dirname "$(control_dir x)")"/*; do close_masters "$dir"; done
	remove_lab_resources label=troupe.lab
	find "$state_root" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} + 2>/dev/null || true
}

# For hosts restarted or reconnected after `up`; no host names means all of them.
cmd_wait() {
	local lab=$1 state="$state_root/$1"
	shift
	[ -f "$state/hosts" ] || die "lab $lab is not up"
	local hosts=("$@")
	[ ${#hosts[@]} -gt 0 ] || mapfile -t hosts < <(awk '{print $1}' "$state/hosts")
	wait_for_hosts "$state" "${hosts[@]}" || die "not every host of lab $lab answers ssh"
}

cmd_inventory() {
	local inventory="$state_root/$1/inventory.yml"
	[ -f "$inventory" ] || die "lab $1 is not up"
	echo "$inventory"
}

cmd_ls() {
	docker ps -a --filter label=troupe.lab --format '{{.Label "troupe.lab"}}' | sort | uniq -c |
		awk '{printf "%s\t%d hosts\n", $2, $1}'
}

[ $# -ge 1 ] || usage
command=$1
shift
lab=lab
image=""
host_images=()
domain=""
run_args=()
all=false
positional=()
while [ $# -gt 0 ]; do
	case "$1" in
	--name) lab=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--host-image) host_images+=("$2"); shift 2 ;;
	--domain) domain=$2; shift 2 ;;
	--run-arg) run_args+=("$2"); shift 2 ;;
	--all) all=true; shift ;;
	-*) usage ;;
	*) positional+=("$1"); shift ;;
	esac
done
[[ "$lab" =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || die "bad lab name '$lab'"
[[ -z "$domain" || "$domain" =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "bad domain '$domain'"

case "$command" in
up) [ ${#positional[@]} -eq 1 ] || usage; cmd_up "${positional[0]}" "$lab" "$image" ;;
down) if $all; then cmd_down_all; else cmd_down "$lab"; fi ;;
wait) cmd_wait "$lab" "${positional[@]}" ;;
inventory) cmd_inventory "$lab" ;;
ls) cmd_ls ;;
*) usage ;;
esac
