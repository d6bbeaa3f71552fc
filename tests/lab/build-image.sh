#!/bin/bash
# Builds a lab host image from Debian packages (no registry pull): debootstrap a
# minimal bookworm rootfs, configure sshd and users, `docker import` it.
#
# The tag is <name>:<recipe hash>, the hash covering this script, the package
# list and every hook, so an unchanged recipe is never rebuilt. <name>:latest
# always points at the last image built or found.
#
# usage: build-image.sh [--name NAME] [--packages "PKG ..."] [--init-hook FILE]...
#                       [--build-hook FILE]... [--rootfs-hook FILE]... [--print-tag] [--force]
#   --packages    extra packages, added to the base list
#   --init-hook   script run (as root, in order) by the container's init before sshd
#   --build-hook  script run once inside the rootfs (chroot) at build time
#   --rootfs-hook script run on this machine before the build hooks, with the rootfs
#                 directory as $1 and LAB_SUITE, LAB_MIRROR, LAB_DEB_CACHE set (e.g. to
#                 debootstrap a second root inside it, sharing the .deb cache); every
#                 file in the hook's directory counts in the recipe hash
#   --print-tag   print the tag the recipe maps to and exit
#   --force       rebuild even if the tag exists
# env: TROUPE_LAB_CACHE  directory keeping rootfs tarballs (<name>-<hash>.tar.gz),
#                        imported instead of rebuilt when present (for CI caches)
#      TROUPE_LAB_MIRROR Debian mirror (default: the one apt on this machine uses)
set -euo pipefail

SUITE=bookworm
BASE_PACKAGES="openssh-server sudo cron procps iproute2 iputils-ping netcat-openbsd
ca-certificates curl tar gzip xz-utils bzip2 unzip less"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=troupe-lab
extra_packages=""
init_hooks=()
build_hooks=()
rootfs_hooks=()
print_tag=false
force=false

die() {
	echo "build-image: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--packages) extra_packages="$extra_packages $2"; shift 2 ;;
	--init-hook) init_hooks+=("$(realpath "$2")"); shift 2 ;;
	--build-hook) build_hooks+=("$(realpath "$2")"); shift 2 ;;
	--rootfs-hook) rootfs_hooks+=("$(realpath "$2")"); shift 2 ;;
	--print-tag) print_tag=true; shift ;;
	--force) force=true; shift ;;
	*) die "unknown argument: $1" ;;
	esac
done

# One sorted, de-duplicated, comma-separated list: the form debootstrap wants and
# a stable input for the hash.
packages=$(echo "$BASE_PACKAGES $extra_packages" | tr -s ' \n' '\n' | sed '/^$/d' | sort -u | paste -sd, -)

recipe_hash() {
	{
		cat "${BASH_SOURCE[0]}"
		echo "suite=$SUITE packages=$packages"
		for hook in "${init_hooks[@]}"; do echo "init-hook $(basename "$hook")" && cat "$hook"; done
		for hook in "${build_hooks[@]}"; do echo "build-hook $(basename "$hook")" && cat "$hook"; done
		for hook in "${rootfs_hooks[@]}"; do
			echo "rootfs-hook $(basename "$hook")"
			(cd "$(dirname "$hook")" && find . -type f | LC_ALL=C sort | while read -r file; do
				echo "file $file" && cat "$file"
			done)
		done
	} | sha256sum | cut -c1-12
}

tag="$name:$(recipe_hash)"
if $print_tag; then
	echo "$tag"
	exit 0
fi

# Parallel test runs may all ask for the image at once: one builds, the rest
# wait. One lock for all images, as builds share the .deb cache.
mkdir -p "$here/.state"
exec 9>"$here/.state/build.lock"
flock 9

if ! $force && docker image inspect "$tag" >/dev/null 2>&1; then
	docker tag "$tag" "$name:latest"
	echo "$tag"
	exit 0
fi

import_image() { # reads a rootfs tarball on stdin
	docker import \
		--change 'CMD ["/sbin/lab-init"]' \
		--change 'EXPOSE 22' \
		--change "LABEL troupe.lab.recipe=$tag" \
		- "$tag" >/dev/null
	docker tag "$tag" "$name:latest"
}

cached_tarball=""
if [ -n "${TROUPE_LAB_CACHE:-}" ]; then
	mkdir -p "$TROUPE_LAB_CACHE"
	cached_tarball="$TROUPE_LAB_CACHE/$name-${tag#*:}.tar.gz"
	if ! $force && [ -s "$cached_tarball" ]; then
		import_image <"$cached_tarball"
		echo "$tag"
		exit 0
	fi
fi

# The mirror apt already reaches from this machine is the one debootstrap can reach.
apt_mirror() {
	local uri
	uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')
	echo "${uri:-http://deb.debian.org/debian}"
}
mirror=${TROUPE_LAB_MIRROR:-$(apt_mirror)}

command -v debootstrap >/dev/null || die "debootstrap is missing: run $here/install-deps.sh"

started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/troupe-lab-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
# .debs survive between builds so a second image (e.g. with extra packages) is quick.
deb_cache=/var/cache/troupe-lab/debs
mkdir -p "$deb_cache"

echo "build-image: debootstrap $SUITE from $mirror with $packages" >&2
debootstrap --variant=minbase --include="$packages" --cache-dir="$deb_cache" \
	"$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
	{
		tail -n 30 "$work/debootstrap.log" >&2
		die "debootstrap failed"
	}

cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $SUITE main
deb $mirror $SUITE-updates main
EOF

# Keep packages installed later (tests) as lean as the base.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/lab-excludes" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
cat >"$rootfs/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
# No init system: package scripts must not try to start services.
exit 101
EOF
chmod 755 "$rootfs/usr/sbin/policy-rc.d"

cat >"$rootfs/etc/ssh/sshd_config.d/lab.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxSessions 64
MaxStartups 100:30:200
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_rsa_key
EOF
# Containers have no audit subsystem: pam_loginuid would refuse every session.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' "$rootfs/etc/pam.d/sshd"
# Each container makes its own ed25519/ecdsa keys at start (fast); the slow RSA
# key is made once here and shared.
rm -f "$rootfs"/etc/ssh/ssh_host_*
ssh-keygen -q -t rsa -b 3072 -N '' -C lab -f "$rootfs/etc/ssh/ssh_host_rsa_key"

chroot "$rootfs" /bin/sh -eu <<'EOF'
useradd --create-home --shell /bin/bash tester
useradd --create-home --shell /bin/bash app
# '*': no password, but not locked ('!'), so key logins are allowed.
usermod -p '*' root
usermod -p '*' tester
usermod -p '*' app
echo 'tester ALL=(ALL:ALL) NOPASSWD: ALL' >/etc/sudoers.d/tester
chmod 440 /etc/sudoers.d/tester
for home in /root /home/tester; do
	install -d -m 700 "$home/.ssh"
done
chown tester:tester /home/tester/.ssh
EOF

install -d "$rootfs/etc/lab-init.d"
i=10
for hook in "${init_hooks[@]}"; do
	install -m 755 "$hook" "$rootfs/etc/lab-init.d/$i-$(basename "$hook")"
	i=$((i + 1))
done
for hook in "${rootfs_hooks[@]}"; do
	LAB_SUITE=$SUITE LAB_MIRROR=$mirror LAB_DEB_CACHE=$deb_cache "$hook" "$rootfs" ||
		die "rootfs hook $hook failed"
done
for hook in "${build_hooks[@]}"; do
	install -m 755 "$hook" "$rootfs/tmp/build-hook"
	chroot "$rootfs" /tmp/build-hook
	rm -f "$rootfs/tmp/build-hook"
done

cat >"$rootfs/sbin/lab-init" <<'EOF'
#!/bin/sh
# PID 1 of a lab host: no systemd. Prepares per-host state, runs the image's
# init hooks, starts cron, then becomes sshd (which also reaps orphans).
set -eu
for type in ed25519 ecdsa; do
	key=/etc/ssh/ssh_host_${type}_key
	[ -s "$key" ] || ssh-keygen -q -t "$type" -N '' -C "$(hostname)" -f "$key"
done
# The lab's public key arrives in the environment; keep it out of children's.
if [ -n "${LAB_AUTHORIZED_KEY:-}" ]; then
	for home in /root /home/tester; do
		printf '%s\n' "$LAB_AUTHORIZED_KEY" >"$home/.ssh/authorized_keys"
	done
	chown tester:tester /home/tester/.ssh/authorized_keys
	unset LAB_AUTHORIZED_KEY
fi
mkdir -p /run/sshd
for hook in /etc/lab-init.d/*; do
	[ -x "$hook" ] && "$hook"
done
command -v cron >/dev/null && cron
exec /usr/sbin/sshd -D -e
EOF
chmod 755 "$rootfs/sbin/lab-init"

rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
	"$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old "$rootfs"/tmp/*
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

if [ -n "$cached_tarball" ]; then
	tar --numeric-owner -C "$rootfs" -c . | gzip -1 >"$cached_tarball.tmp"
	mv "$cached_tarball.tmp" "$cached_tarball"
	import_image <"$cached_tarball"
else
	tar --numeric-owner -C "$rootfs" -c . | import_image
fi
echo "build-image: built $tag in $(($(date +%s) - started))s" >&2
echo "$tag"
