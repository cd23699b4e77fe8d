#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Everything CI runs, in order: dependencies, both kernel builds, style,
# userspace unit tests, DKMS, the rig tests in Xen under QEMU, and a short
# sweep of the benchmark with its outputs checked.
# Stops at the first failing step; prints each step's wall time and a final
# "check: N passed, M failed" line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVBLK_ROOT"

# On 6.12 the rig runs the tests that prove the modules load and move data
# on that kernel; the whole suite runs on 6.1 (the default dom0/guest).
rig_612=${PVBLK_RIG_612_TESTS:-tests/rig/pvblk-load-unload.sh tests/rig/back-loopback.sh tests/rig/front-stock-back.sh tests/rig/failure-held-pages.sh tests/rig/harness-record-segs.sh}

steps=(
	"deps:bash scripts/deps.sh"
	"kbuild-all:bash scripts/build-kernels.sh"
	"style:bash scripts/style.sh"
	"unit:bash scripts/unit.sh"
	"dkms-check:bash scripts/dkms-check.sh"
	"rig-6.1:make --no-print-directory rig-test KERNEL=6.1"
	"rig-6.12:make --no-print-directory rig-test KERNEL=6.12 TESTS='$rig_612'"
	"bench-short:make --no-print-directory bench-short KERNEL=6.1"
)

passed=0
failed=0
summary=()
t_all=$(date +%s)
for step in "${steps[@]}"; do
	name=${step%%:*}
	cmd=${step#*:}
	log "=== $name: $cmd"
	t0=$(date +%s)
	if bash -c "$cmd"; then
		passed=$((passed + 1))
		res=ok
	else
		failed=$((failed + 1))
		res=FAILED
	fi
	dt=$(($(date +%s) - t0))
	summary+=("$(printf '%-12s %-6s %5ss' "$name" "$res" "$dt")")
	[ "$res" = ok ] || break
done

echo
echo "pvblk check summary (wall time $(($(date +%s) - t_all))s):"
printf '  %s\n' "${summary[@]}"
echo "check: $passed passed, $failed failed"
[ "$failed" = 0 ]
