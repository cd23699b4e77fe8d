#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the Debian kernel ABI release (e.g. 6.1.0-56-amd64) of a supported
# kernel series, resolved from Debian's metapackages - never hard-coded.
#
#   scripts/kver.sh 6.1     -> dependency of linux-headers-amd64
#   scripts/kver.sh 6.12    -> dependency of linux-headers-6.12-amd64
#
# PVBLK_KVER_<series with _ for .> (e.g. PVBLK_KVER_6_12) overrides.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-6.1}
case "$series" in
6.1) meta=linux-headers-amd64 ;;
6.12) meta=linux-headers-6.12-amd64 ;;
*) die "kernel series '$series' is not supported (supported: 6.1, 6.12)" ;;
esac

override="PVBLK_KVER_${series//./_}"
if [ -n "${!override:-}" ]; then
	echo "${!override}"
	exit 0
fi

need_cmd apt-cache
dep=$(apt-cache depends "$meta" 2>/dev/null |
	awk '/Depends: linux-headers-/ { print $2; exit }')
if [ -z "$dep" ]; then
	die "cannot resolve the $series kernel: apt-cache knows no '$meta' (run 'apt-get update')"
fi
echo "${dep#linux-headers-}"
