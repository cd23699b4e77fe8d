#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build both modules against Debian's 6.1 and 6.12 kernel headers, each in
# build/kmod/<kernel release>/, with W=1; any warning fails the build.
# Prints one summary line per kernel; exits non-zero if either failed.
#
#   scripts/build-kernels.sh [SERIES...]     (default: 6.1 6.12)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=("$@")
[ ${#series[@]} -gt 0 ] || series=(6.1 6.12)

summary=()
failed=0
for s in "${series[@]}"; do
	t0=$(date +%s)
	if ! rel=$("$PVBLK_ROOT/scripts/kver.sh" "$s") ||
		! kdir=$("$PVBLK_ROOT/scripts/kheaders.sh" "$s"); then
		summary+=("kbuild $s: FAILED (kernel headers unavailable)")
		failed=1
		continue
	fi
	out=$PVBLK_ROOT/build/kmod/$rel
	if kos=$("$PVBLK_ROOT/scripts/build-modules.sh" "$kdir" "$out"); then
		summary+=("kbuild $s ($rel): ok, W=1, 0 warnings, $(($(date +%s) - t0))s: ${kos//$'\n'/ }")
	else
		summary+=("kbuild $s ($rel): FAILED (log: $out/build.log)")
		failed=1
	fi
done
printf '%s\n' "${summary[@]}"
[ "$failed" = 0 ] || die "kernel module build failed for at least one kernel"
