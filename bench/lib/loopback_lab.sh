#!/bin/bash
# A lab of N hosts that are aliases of one sshd: an sshd of this machine's own on PORT (all
# addresses), host i reached at its own loopback address 127.1.x.y, logging in with a key as
# the plain account `troupe-bench` (made when missing). Every host costs a real handshake, a
# real login and a real shell, as N machines would, without N containers swamping the CPUs the
# tools run on (and without Docker's fuse-overlayfs, which runs out of descriptors when
# hundreds of logins load their libraries through it). The sshd lets as many handshakes wait
# as there are hosts (MaxStartups), as N separate sshds would.
#
# usage: loopback_lab.sh up N STATE_DIR PORT   (writes STATE_DIR/{id_ed25519,hosts,ssh_config})
#        loopback_lab.sh down STATE_DIR
#        loopback_lab.sh clean                 (removes every host's files)
# STATE_DIR/hosts has "name address" lines. Needs root (sshd, useradd).
set -euo pipefail

ACCOUNT=troupe-bench
SCALE_DIR=/home/$ACCOUNT/scale

die() {
	echo "loopback_lab: $*" >&2
	exit 1
}

# Host i's address: 127.1.0.2 upwards, skipping .0, .1 and .255 of every /24.
address() { echo "127.1.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 2))"; }
host_name() { printf 'h%04d' "$1"; }

up() {
	local n=$1 state=$2 port=$3 i
	[ "$(id -u)" = 0 ] || die "needs root: it starts an sshd and may add the account $ACCOUNT"
	[ -x /usr/sbin/sshd ] || die "no /usr/sbin/sshd (apt-get install openssh-server)"
	id "$ACCOUNT" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$ACCOUNT"
	usermod -p '*' "$ACCOUNT"
	install -d -o "$ACCOUNT" -m 755 "$SCALE_DIR"
	mkdir -p "$state" /run/sshd
	[ -s "$state/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C loopback -f "$state/id_ed25519"
	[ -s "$state/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C loopback -f "$state/host_key"
	# Read by sshd as the account: it must be the account's own to read.
	install -d -o "$ACCOUNT" -m 700 "/home/$ACCOUNT/.ssh"
	install -o "$ACCOUNT" -m 600 "$state/id_ed25519.pub" "/home/$ACCOUNT/.ssh/authorized_keys"
	cat >"$state/sshd_config" <<CONFIG
Port $port
HostKey $state/host_key
PidFile $state/sshd.pid
AllowUsers $ACCOUNT
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups $((n + 10)):30:$((n + 100))
MaxSessions 64
Subsystem sftp internal-sftp
LogLevel ERROR
CONFIG
	down "$state"
	/usr/sbin/sshd -f "$state/sshd_config" -E "$state/sshd.log"
	{
		for ((i = 1; i <= n; i++)); do echo "$(host_name "$i") $(address "$i")"; done
	} >"$state/hosts"
	{
		awk '{ printf "Host %s\n  HostName %s\n", $1, $2 }' "$state/hosts"
		cat <<CONFIG
Host *
  User $ACCOUNT
  Port $port
  IdentityFile $state/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  BatchMode yes
  ConnectTimeout 30
CONFIG
	} >"$state/ssh_config"
	for ((i = 0; i < 30; i++)); do
		ssh -F "$state/ssh_config" -o ControlPath=none h0001 true 2>/dev/null && return 0
		sleep 1
	done
	cat "$state/sshd.log" >&2 || true
	die "sshd on port $port did not answer within 30 s"
}

down() {
	local pid
	pid=$(cat "$1/sshd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	rm -f "$1/sshd.pid"
}

case "${1:-}" in
up) [ $# -eq 4 ] || die "usage: up N STATE_DIR PORT"; up "$2" "$3" "$4" ;;
down) down "$2" ;;
clean) find "$SCALE_DIR" -mindepth 1 -delete ;;
*) die "usage: loopback_lab.sh up|down|clean ..." ;;
esac
