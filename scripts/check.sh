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

# The rig tier CI runs (make check) must fit well inside CI's 90-minute
# limit on a 2-core machine whose speed varies ~2x between days, so it is
# a chosen subset. On both kernels: both modules load, unload and move
# data (pvblkfront over pvblkback in dom0 loopback, online resize). On
# 6.1 also: the stock drivers through real Xen, each of our drivers with
# the other side stock (pvblkback under the stock xen-blkfront in a guest,
# pvblkfront over the stock xen-blkback), pvblkfront's negotiation
# matrix in guests over both backends, pvblkfront's save/restore and
# detach under I/O, the malicious-frontend attacks, the userspace
# frontend's generator, record and replay, and every failure-mode test
# with its stock leg (Documentation/failure-modes.rst). That is every
# test of the suite on 6.1 but front-back-matrix (the pvblk pair's 16
# combinations in dom0 loopback, which the guest matrix covers but for
# the backend's statistics of each: 4 minutes CI's limit has no room
# for); `make rig-test` runs it, and `make rig-test KERNEL=6.12` the
# whole suite on 6.12, by hand (Documentation/testing.rst, "CI tier and
# full suite").
rig_both="tests/rig/pvblk-load-unload.sh tests/rig/back-loopback.sh tests/rig/back-resize.sh"
rig_failure="tests/rig/failure-held-pages.sh tests/rig/failure-unmap-steady.sh tests/rig/failure-stray-refs.sh tests/rig/failure-stacked.sh tests/rig/failure-memory.sh tests/rig/failure-flush-crash.sh"
rig_61=${PVBLK_RIG_61_TESTS:-tests/rig/stock-dom0-loopback.sh tests/rig/stock-domu.sh $rig_both tests/rig/back-domu.sh tests/rig/front-stock-back.sh tests/rig/front-domu-matrix.sh tests/rig/front-lifecycle.sh tests/rig/harness-attack.sh tests/rig/harness-generate.sh tests/rig/harness-record-segs.sh tests/rig/harness-replay.sh $rig_failure}
rig_612=${PVBLK_RIG_612_TESTS:-$rig_both}
# The fuzzers run 8 s each in CI (unit.sh's default is 20).
export PVBLK_FUZZ_SECONDS=${PVBLK_FUZZ_SECONDS:-8}

steps=(
	"deps:bash scripts/deps.sh"
	"kbuild-all:bash scripts/build-kernels.sh"
	"style:bash scripts/style.sh"
	"unit:bash scripts/unit.sh"
	"dkms-check:bash scripts/dkms-check.sh"
	"rig-6.1:make --no-print-directory rig-test KERNEL=6.1 TESTS='$rig_61'"
	"rig-6.12:make --no-print-directory rig-test KERNEL=6.12 TESTS='$rig_612'"
	"bench-short:make --no-print-directory bench-short KERNEL=6.1 BENCH_SHORT_DRIVERS=pvblk"
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
