#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the kernel build directory (KDIR) for a supported kernel series,
# installing Debian's matching linux-headers package when it is missing.
#
#   scripts/kheaders.sh 6.1|6.12
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-6.1}
rel=$("$PVBLK_ROOT/scripts/kver.sh" "$series")
kdir=/usr/src/linux-headers-$rel

if [ ! -f "$kdir/Makefile" ]; then
	log "installing linux-headers-$rel"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "linux-headers-$rel" >&2 ||
		die "cannot install linux-headers-$rel from the package registry"
fi
[ -f "$kdir/Makefile" ] || die "kernel headers for $rel missing at $kdir"
echo "$kdir"
