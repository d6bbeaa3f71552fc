#!/bin/bash
# Brings up a Gluu lab and prints its inventory's path: SERVERS hosts from the
# troupe-gluu image, h01 installed (setup run, the primary) and the others with
# the package only, then one plain lab host for the load balancer. Every host is
# hNN.gluu.lab on the lab network; setup is given the load balancer's FQDN, as
# the clustering guide asks.
#
# usage: up.sh [SERVERS] [--name LAB] [--no-load-balancer]
#   SERVERS defaults to 2, LAB to "gluu". Take it down with `lab.sh down --name LAB`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DOMAIN=gluu.lab
PRIMARY=h01

servers=2
lab=gluu
load_balancer=true
while [ $# -gt 0 ]; do
	case "$1" in
	--name) lab=$2; shift 2 ;;
	--no-load-balancer) load_balancer=false; shift ;;
	[0-9]*) servers=$1; shift ;;
	*) sed -n '8,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
	esac
done

gluu_image=$("$here/build.sh")
hosts=$servers
setup_hostname=$PRIMARY.$DOMAIN
lab_args=()
if $load_balancer; then
	hosts=$((servers + 1))
	setup_hostname=$(printf 'h%02d.%s' "$hosts" "$DOMAIN")
	lab_args+=(--host-image "$hosts=$("$here/../build-image.sh")")
fi

# Mounting /dev and /proc into the chroot, as gluu-server's start does, needs CAP_SYS_ADMIN.
inventory=$("$here/../lab.sh" up "$hosts" --name "$lab" --image "$gluu_image" --domain "$DOMAIN" \
	--run-arg --cap-add=SYS_ADMIN \
	--run-arg "--env=GLUU_PRIMARY=$PRIMARY" \
	--run-arg "--env=GLUU_HOSTNAME=$setup_hostname" \
	"${lab_args[@]}")

# The same hosts in the groups a Gluu cluster playbook wants.
state=$(dirname "$inventory")
{
	cat <<YAML
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: $state/id_ed25519
    ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
  children:
    gluu_servers:
      hosts:
YAML
	head -n "$servers" "$state/hosts" | while read -r name ip _; do
		printf '        %s:\n          ansible_host: %s\n          lab_fqdn: %s.%s\n' "$name" "$ip" "$name" "$DOMAIN"
	done
	if $load_balancer; then
		printf '    gluu_lb:\n      hosts:\n'
		tail -n 1 "$state/hosts" | while read -r name ip _; do
			printf '        %s:\n          ansible_host: %s\n          lab_fqdn: %s.%s\n' "$name" "$ip" "$name" "$DOMAIN"
		done
	fi
} >"$state/gluu-inventory.yml"
echo "$state/gluu-inventory.yml"
