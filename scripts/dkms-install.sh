#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install pvblkback and pvblkfront through DKMS, so they are rebuilt for
# every kernel installed later: copies the module sources to
# /usr/src/pvblk-<version>, then 'dkms add', 'dkms build' and
# 'dkms install'. A pvblk of the same version already in DKMS is replaced.
#
#   scripts/dkms-install.sh [-k KERNELRELEASE] [--build-only]
#
# -k            the kernel to build for (default: the running one); its
#               headers must be installed (/lib/modules/<release>/build)
# --build-only  stop after 'dkms build' (scripts/dkms-check.sh uses this)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$(uname -r)
install=1
while [ $# -gt 0 ]; do
	case "$1" in
	-k)
		[ $# -ge 2 ] || die "-k needs a kernel release"
		kver=$2
		shift 2
		;;
	--build-only)
		install=0
		shift
		;;
	*) die "usage: scripts/dkms-install.sh [-k KERNELRELEASE] [--build-only]" ;;
	esac
done

need_cmd dkms sed
[ "$(id -u)" = 0 ] || die "DKMS needs root: run as root (e.g. sudo make dkms-install)"
ver=$(sed -n 's/^#define PVBLK_VERSION "\(.*\)"$/\1/p' "$PVBLK_ROOT/include/pvblk/version.h")
[ -n "$ver" ] || die "no PVBLK_VERSION in include/pvblk/version.h"
[ -f "/lib/modules/$kver/build/Makefile" ] ||
	die "no headers for kernel $kver at /lib/modules/$kver/build (install linux-headers-$kver)"

src=/usr/src/pvblk-$ver
if [ -n "$(dkms status -m pvblk -v "$ver" 2>/dev/null)" ]; then
	log "replacing pvblk $ver already in DKMS"
	dkms remove -m pvblk -v "$ver" --all >&2 ||
		die "cannot remove the pvblk $ver already in DKMS"
fi

log "copying the module sources to $src"
rm -rf "$src"
mkdir -p "$src"
(cd "$PVBLK_ROOT" && cp -r dkms.conf Kbuild blkback blkfront core include compat "$src"/) ||
	die "cannot copy the module sources to $src"
# Only sources: no objects or generated files of an earlier in-tree build.
find "$src" -type d -name generated -prune -exec rm -rf {} +
find "$src" -type f ! \( -name '*.c' -o -name '*.h' -o -name '*.sh' \
	-o -name Kbuild -o -name dkms.conf \) -delete

dkms add -m pvblk -v "$ver" >&2 || die "dkms add pvblk/$ver failed"
if ! dkms build -m pvblk -v "$ver" -k "$kver" >&2; then
	cat "/var/lib/dkms/pvblk/$ver/build/make.log" >&2 2>/dev/null || true
	die "dkms build pvblk/$ver for $kver failed"
fi
if [ "$install" = 1 ]; then
	dkms install -m pvblk -v "$ver" -k "$kver" >&2 ||
		die "dkms install pvblk/$ver for $kver failed"
	log "pvblk $ver installed for $kver: modprobe pvblkback (dom0) or pvblkfront (guests)"
fi
