#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Everything CI runs, in order: dependencies, both kernel builds, style,
# userspace unit tests, DKMS, the rig tests in Xen under QEMU on 6.1 and
# on 6.12, and a short sweep of the benchmark with its outputs checked.
#
#   scripts/check.sh           make check
#   scripts/check.sh --quick   make check-quick: builds, style, unit tests
#                              and fuzzers - no DKMS, no rig, no benchmark
#
# Stops at the first failing step; prints each step's wall time and a final
# "check: N passed, M failed" line, and writes every step's and every rig
# test's time to build/check-times.tsv.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVBLK_ROOT" || exit 1
rm -f build/rig/times-*.tsv

quick=0
case "${1:-}" in
"") ;;
--quick) quick=1 ;;
*) die "unknown option '$1' (usage: check.sh [--quick])" ;;
esac

# The rig tier CI runs must fit well inside CI's 90-minute limit on a
# 2-core machine whose speed varies between days. On both kernels: the
# modules' load/unload, pvblkback under the stock frontend and in dom0
# loopback (attach, detach, resize), pvblkfront over the stock backend,
# its negotiation matrix (a reconnect per combination), save/restore and
# detach under I/O on slow storage, pvblkfront against the scripted
# hostile backend (every case), the malicious-frontend attacks, teardown
# with pages held and with I/O in flight (held-pages, stray-refs), and
# the failure-mode tests that load pvblkfront in guests (memory bounds,
# stacked VBDs, flush ordering after a crash). On 6.1 only: the stock
# drivers' own tests, the steady-state unmap count and the userspace
# frontend's generator; on 6.12 only: the userspace frontend's record
# and replay.
# The failure-mode tests run without the stock drivers' recorded-only
# legs (RIG_STOCK_LEGS=0); `make rig-test` runs those, and everything on
# either kernel. Documentation/testing.rst, "CI tier and full suite", has
# the measured times.
rig_both="tests/rig/pvblk-load-unload.sh tests/rig/back-loopback.sh tests/rig/back-resize.sh tests/rig/back-domu.sh tests/rig/front-stock-back.sh tests/rig/front-domu-matrix.sh tests/rig/front-lifecycle.sh tests/rig/front-detach.sh tests/rig/front-bounce-bound.sh tests/rig/front-back-restart.sh tests/rig/front-vbd-clash.sh tests/rig/front-hostile-back.sh tests/rig/harness-attack.sh tests/rig/failure-held-pages.sh tests/rig/failure-stray-refs.sh tests/rig/back-teardown-wake.sh tests/rig/back-cache-coherence.sh tests/rig/back-xenwatch-stall.sh tests/rig/failure-memory.sh tests/rig/failure-stacked.sh tests/rig/failure-flush-crash.sh"
rig_61=${PVBLK_RIG_61_TESTS:-tests/rig/stock-dom0-loopback.sh tests/rig/stock-domu.sh $rig_both tests/rig/failure-unmap-steady.sh tests/rig/harness-generate.sh}
rig_612=${PVBLK_RIG_612_TESTS:-$rig_both tests/rig/harness-record-segs.sh tests/rig/harness-replay.sh}
# The fuzzers run 8 s each in CI (unit.sh's default is 20).
export PVBLK_FUZZ_SECONDS=${PVBLK_FUZZ_SECONDS:-8}
export RIG_STOCK_LEGS=${RIG_STOCK_LEGS:-0}

steps=(
	"deps:bash scripts/deps.sh"
	"kbuild-all:bash scripts/build-kernels.sh"
	"style:bash scripts/style.sh"
	"unit:bash scripts/unit.sh"
)
if [ "$quick" = 0 ]; then
	steps+=(
		"dkms-check:bash scripts/dkms-check.sh"
		"rig-6.1:make --no-print-directory rig-test KERNEL=6.1 TESTS='$rig_61'"
		"rig-6.12:make --no-print-directory rig-test KERNEL=6.12 TESTS='$rig_612'"
		"bench-short:make --no-print-directory bench-short KERNEL=6.1 BENCH_SHORT_DRIVERS=pvblk"
	)
fi

passed=0
failed=0
summary=()
t_all=$(date +%s)
times=$PVBLK_ROOT/build/check-times.tsv
mkdir -p "$PVBLK_ROOT/build"
printf 'kind\tname\tkernel\tseconds\tresult\n' >"$times"
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
	printf 'step\t%s\t-\t%s\t%s\n' "$name" "$dt" "$res" >>"$times"
	case "$name" in
	rig-*)
		k=${name#rig-}
		[ -f "build/rig/times-$k.tsv" ] &&
			awk -F'\t' 'NR > 1 { printf "rig-%s\t%s\t%s\t%s\t%s\n", $2, $3, $1, $4, $5 }' \
				"build/rig/times-$k.tsv" >>"$times"
		;;
	esac
	[ "$res" = ok ] || break
done

echo
echo "pvblk check summary (wall time $(($(date +%s) - t_all))s):"
printf '  %s\n' "${summary[@]}"
echo "check: $passed passed, $failed failed (times per step and rig test: build/check-times.tsv)"
[ "$failed" = 0 ]
