#!/bin/bash
# Builds (or finds) the troupe-gluu lab image and prints its tag: the base lab
# host plus the Gluu Server 3.1.0 package, its chroot a Debian root of its own
# (see README.md). Arguments are passed on to build-image.sh (e.g. --force).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/../build-image.sh" --name troupe-gluu \
	--rootfs-hook "$here/image/install-gluu-package.sh" \
	--init-hook "$here/image/start-gluu.sh" "$@"
