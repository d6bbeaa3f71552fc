#!/bin/bash
# Installs what the lab and the end-to-end tests need on a fresh Debian machine.
# Idempotent: installs only what is missing, and runs apt-get update only then.
# Docker itself is expected to be installed and running.
set -euo pipefail

# command the tests run  ->  Debian package providing it
required=(
	"debootstrap debootstrap"
	"ssh openssh-client"
	"ssh-keygen openssh-client"
	"flock util-linux"
	"ip iproute2"
	"gzip gzip"
	"sshd openssh-server"
	"crontab cron"
	"hyperfine hyperfine"
	"sudo sudo"
	"dash dash"
	"/usr/bin/time time"
	"sshpass sshpass"
	"python3 python3"
	"getfacl acl"
	"setfacl acl"
)

missing=()
for entry in "${required[@]}"; do
	read -r command package <<<"$entry"
	command -v "$command" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1 ||
		missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "install-deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Another apt (unattended-upgrades on a fresh machine) may hold the lock: wait for it.
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v docker >/dev/null || {
	echo "install-deps: docker is not installed" >&2
	exit 1
}
docker info >/dev/null 2>&1 || {
	echo "install-deps: docker is not running" >&2
	exit 1
}
# sshd started as root (the connection tests start a private one) needs this directory.
mkdir -p /run/sshd
