#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# CI check of the DKMS packaging: 'dkms add' from a copy of the sources in
# /usr/src/pvblk-<version>, 'dkms build' against Debian's 6.1 kernel
# headers, check both modules were built for that kernel, and always -
# pass or fail - 'dkms remove --all' and delete the copy again.
#
#   scripts/dkms-check.sh [6.1|6.12]        (default: 6.1)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-6.1}
need_cmd dkms modinfo
[ "$(id -u)" = 0 ] || die "dkms-check needs root (DKMS writes /usr/src and /var/lib/dkms)"
ver=$(sed -n 's/^#define PVBLK_VERSION "\(.*\)"$/\1/p' "$PVBLK_ROOT/include/pvblk/version.h")
[ -n "$ver" ] || die "no PVBLK_VERSION in include/pvblk/version.h"
rel=$("$PVBLK_ROOT/scripts/kver.sh" "$series")
"$PVBLK_ROOT/scripts/kheaders.sh" "$series" >/dev/null

# Never clobber a pvblk the machine really has installed.
if [ -n "$(dkms status -m pvblk -v "$ver" 2>/dev/null)" ] || [ -e "/usr/src/pvblk-$ver" ]; then
	die "pvblk $ver is already in DKMS or /usr/src; remove it first ('dkms remove pvblk/$ver --all; rm -rf /usr/src/pvblk-$ver')"
fi

cleanup() {
	dkms remove -m pvblk -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/pvblk-$ver"
}
trap cleanup EXIT

t0=$(date +%s)
"$PVBLK_ROOT/scripts/dkms-install.sh" -k "$rel" --build-only

dir=/var/lib/dkms/pvblk/$ver/$rel/$(uname -m)/module
for m in pvblkback pvblkfront; do
	ko=$(find "$dir" -maxdepth 1 -name "$m.ko*" 2>/dev/null | head -n 1)
	[ -n "$ko" ] || die "dkms build produced no $m.ko in $dir"
	vm=$(modinfo -F vermagic "$ko" | awk '{ print $1 }')
	[ "$vm" = "$rel" ] || die "$ko is built for '$vm', not $rel"
done
echo "dkms-check: pvblk $ver built by DKMS for $rel: pvblkback, pvblkfront ($(($(date +%s) - t0))s)"
