#!/bin/sh
# Stands in for Gluu's setup.py, run inside the chroot: makes the certificates,
# renders slapd.conf, loads the initial o=gluu and o=site trees and, like
# setup.py, leaves setup.properties.last behind as the mark of an installed server.
# env: GLUU_HOSTNAME (the FQDN setup is given: in a cluster, the load balancer's)
#      GLUU_LDAP_PASSWORD (cn=directory manager's password)
set -eu

here=/install/community-edition-setup
templates=$here/templates/openldap
slapd_conf=/opt/symas/etc/openldap/slapd.conf
hostname=${GLUU_HOSTNAME:?GLUU_HOSTNAME is not set}
password=${GLUU_LDAP_PASSWORD:?GLUU_LDAP_PASSWORD is not set}

if [ -e "$here/setup.properties.last" ]; then
	echo "setup: already run ($here/setup.properties.last)"
	exit 0
fi

make_certificate() { # name
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=Gluu lab/CN=$hostname" \
		-keyout "/etc/certs/$1.key" -out "/etc/certs/$1.crt" 2>/dev/null
}
make_certificate openldap
cp /etc/certs/openldap.crt /etc/certs/openldap.pem
make_certificate httpd
# slapd reads its key as user ldap; nginx's master reads httpd.key as root.
chown root:ldap /etc/certs/openldap.key
chmod 640 /etc/certs/openldap.key
chmod 600 /etc/certs/httpd.key

# Through a file, so the password never shows in a process list.
umask 077
password_file=$(mktemp)
trap 'rm -f "$password_file"' EXIT
printf '%s' "$password" >"$password_file"
hash=$(slappasswd -T "$password_file")
umask 022

render() { # template: fills in the %(...)s fields (an {SSHA} hash holds no '|' or '&')
	sed -e "s|%(encoded_ldap_pw)s|$hash|g" -e "s|%(hostname)s|$hostname|g" "$1"
}
render "$templates/slapd.conf" >"$slapd_conf.tmp"
chown root:ldap "$slapd_conf.tmp"
chmod 640 "$slapd_conf.tmp"
mv "$slapd_conf.tmp" "$slapd_conf"

# Not slapadd -q: its write map would grow data.mdb to maxsize (10 GB, sparse).
render "$templates/gluu.ldif" | slapadd -f "$slapd_conf" -b o=gluu
render "$templates/site.ldif" | slapadd -f "$slapd_conf" -b o=site
chown -R ldap:ldap /opt/gluu/data

cat >"$here/setup.properties.last" <<PROPERTIES
hostname=$hostname
orgName=Gluu lab
installLdap=True
ldap_type=openldap
ldap_binddn=cn=directory manager,o=gluu
PROPERTIES
chmod 600 "$here/setup.properties.last"
echo "setup: Gluu Server installed for $hostname"
