#!/bin/sh
# lab-init hook of the troupe-gluu image: on first boot, runs the setup stand-in
# on the hosts that are to be installed; on every boot, starts the gluu-server
# service. A failure is reported, not fatal: the host stays reachable over ssh.
# env: GLUU_PRIMARY        the one host (short name or FQDN) where setup runs;
#                          unset: setup runs on every host
#      GLUU_HOSTNAME       FQDN given to setup (default: the host's own name)
#      GLUU_LDAP_PASSWORD  cn=directory manager's password (default: the lab's)
CHROOT=/opt/gluu-server-3.1.0
SERVICE=/etc/init.d/gluu-server-3.1.0
name=$(hostname)

case "${GLUU_PRIMARY:-$name}" in
"$name" | "${name%%.*}")
	$SERVICE mount &&
		GLUU_HOSTNAME=${GLUU_HOSTNAME:-$name} GLUU_LDAP_PASSWORD=${GLUU_LDAP_PASSWORD:-Gluu-lab-1} \
			chroot "$CHROOT" /install/community-edition-setup/setup.sh ||
		echo "gluu: setup failed" >&2
	;;
esac
$SERVICE start || echo "gluu: some services failed to start" >&2
exit 0
