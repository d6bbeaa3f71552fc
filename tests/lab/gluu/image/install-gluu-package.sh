#!/bin/bash
# rootfs hook (build-image.sh --rootfs-hook): turns the lab host's rootfs into a
# host where the Gluu Server 3.1.0 package is installed but setup has not run.
# The package's chroot, /opt/gluu-server-3.1.0, is a Debian root of its own with
# Debian's slapd laid out where Symas OpenLDAP lives in a real install.
# Files under host/ are copied into the host's root, files under chroot/ into
# the chroot's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rootfs=$1
version=3.1.0
gluu_root=$rootfs/opt/gluu-server-$version
# nginx-light stands in for the chroot's Apache/Jetty on 443.
packages=slapd,ldap-utils,rsyslog,openssl,procps,nginx-light

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "install-gluu-package: debootstrap $LAB_SUITE into /opt/gluu-server-$version with $packages" >&2
debootstrap --variant=minbase --include="$packages" --cache-dir="$LAB_DEB_CACHE" \
	"$LAB_SUITE" "$gluu_root" "$LAB_MIRROR" >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	exit 1
}
# gluu-server's start bind-mounts the host's /dev; device nodes left here would
# only get in the way of archiving or removing the chroot.
find "$gluu_root/dev" -mindepth 1 -maxdepth 1 ! -name pts -exec rm -rf {} +
cp "$rootfs/etc/apt/sources.list" "$gluu_root/etc/apt/sources.list"
cp "$rootfs/etc/dpkg/dpkg.cfg.d/lab-excludes" "$gluu_root/etc/dpkg/dpkg.cfg.d/"
cp "$rootfs/usr/sbin/policy-rc.d" "$gluu_root/usr/sbin/policy-rc.d"

cp -R --preserve=mode "$here/host/." "$rootfs/"
cp -R --preserve=mode "$here/chroot/." "$gluu_root/"

chroot "$gluu_root" /bin/sh -eu <<'SH'
# Debian's own slapd instance (dc=nodomain) is not Gluu's: only solserver runs slapd here.
rm -rf /etc/ldap/slapd.d /var/lib/ldap/*
groupadd --system ldap
useradd --system --gid ldap --home-dir /opt/gluu/data --no-create-home --shell /usr/sbin/nologin ldap

schema_dir=/opt/symas/etc/openldap/schema
mkdir -p "$schema_dir" /opt/symas/bin /opt/symas/lib64
for schema in core cosine inetorgperson nis; do
	cp "/etc/ldap/schema/$schema.schema" "$schema_dir/"
done
# Debian's ldap tools read /etc/ldap/ldap.conf; Symas' read this one, which the guide edits.
ln -sf /opt/symas/etc/openldap/ldap.conf /etc/ldap/ldap.conf

install -d -o ldap -g ldap /opt/gluu/data /opt/gluu/data/main_db /opt/gluu/data/site_db /var/symas/run
install -d -m 755 /etc/certs /var/log/openldap
touch /var/log/openldap/ldap.log

# No kernel log in a container.
sed -i 's/^module(load="imklog"/#&/' /etc/rsyslog.conf
rm -f /etc/nginx/sites-enabled/default
ln -s ../sites-available/gluu-stand-in /etc/nginx/sites-enabled/gluu-stand-in
SH

# As lean as the host (build-image.sh does the same for it).
rm -rf "$gluu_root"/var/cache/apt/archives/*.deb "$gluu_root"/var/lib/apt/lists/* \
	"$gluu_root"/var/log/*.log "$gluu_root"/var/cache/debconf/*-old "$gluu_root"/tmp/*
find "$gluu_root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
rm -rf "$gluu_root"/usr/share/man/* "$gluu_root"/usr/share/info/*
find "$gluu_root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
