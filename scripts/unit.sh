#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The userspace test tier (make unit):
#  1. configure and build harness/ in build/harness (ASan+UBSan unit tests,
#     the x86_32 layout check, the benchmark binaries - built, not run);
#  2. run ctest --output-on-failure;
#  3. with clang present: build the libFuzzer targets in build/harness-fuzz
#     and run each for PVBLK_FUZZ_SECONDS (default 20) seconds.
# Exits non-zero on any configure/build failure, failing test or fuzzer
# crash.  The fuzz corpora persist in build/harness-fuzz/corpus/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_cmd cmake ctest
jobs=${PVBLK_JOBS:-2}
fuzz_seconds=${PVBLK_FUZZ_SECONDS:-20}
case "$fuzz_seconds" in
'' | *[!0-9]*) die "PVBLK_FUZZ_SECONDS must be a whole number of seconds, got '$fuzz_seconds'" ;;
esac
gen=()
if command -v ninja >/dev/null 2>&1; then
	gen=(-G Ninja)
fi

src=$PVBLK_ROOT/harness
out=$PVBLK_ROOT/build/harness
fuzz_out=$PVBLK_ROOT/build/harness-fuzz

# A build dir configured with another generator cannot be reused.
fresh_if_generator_changed() {
	local dir=$1 want=$2 cache=$1/CMakeCache.txt
	[ -f "$cache" ] || return 0
	grep -q "^CMAKE_GENERATOR:INTERNAL=$want\$" "$cache" || rm -rf "$dir"
}
want_gen=${gen[1]:-Unix Makefiles}

mkdir -p "$PVBLK_ROOT/build"
log "unit tests: configuring $out"
fresh_if_generator_changed "$out" "$want_gen"
cmake_launcher
# shellcheck disable=SC2154 # cmake_launcher_args: set by cmake_launcher (lib.sh)
cmake -S "$src" -B "$out" "${gen[@]}" "${cmake_launcher_args[@]}" -DPVBLK_FUZZ=OFF -DPVBLK_TOOL_PROGRAMS=OFF >"$out.configure.log" 2>&1 || {
	cat "$out.configure.log" >&2
	die "configuring the harness failed (log above)"
}
cmake --build "$out" -j "$jobs" || die "building the harness failed"
log "unit tests: running ctest"
(cd "$out" && ctest --output-on-failure -j "$jobs") || die "unit tests failed"

if ! command -v clang >/dev/null 2>&1 || ! command -v clang++ >/dev/null 2>&1; then
	log "NOTE: clang not found: fuzz targets NOT built or run (run 'make deps')"
	exit 0
fi

log "fuzz: configuring $fuzz_out (clang)"
fresh_if_generator_changed "$fuzz_out" "$want_gen"
mkdir -p "$fuzz_out"
CC=clang CXX=clang++ cmake -S "$src" -B "$fuzz_out" "${gen[@]}" "${cmake_launcher_args[@]}" \
	-DPVBLK_TESTS=OFF -DPVBLK_TOOLS=OFF -DPVBLK_FUZZ=ON >"$fuzz_out.configure.log" 2>&1 || {
	cat "$fuzz_out.configure.log" >&2
	die "configuring the fuzz targets failed (log above)"
}
cmake --build "$fuzz_out" -j "$jobs" || die "building the fuzz targets failed"

targets=$(cd "$fuzz_out" && find . -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x -printf '%f\n' | sort)
[ -n "$targets" ] || die "no fuzz targets were built in $fuzz_out"
# Two fuzzers at a time (one per core of the 2-core CI machine): each
# still gets a whole core for its PVBLK_FUZZ_SECONDS.
fuzz_one() {
	local t=$1 corpus=$fuzz_out/corpus/$1 artifacts=$fuzz_out/artifacts/$1/ runs
	mkdir -p "$corpus" "$artifacts"
	if ! "$fuzz_out/$t" -max_total_time="$fuzz_seconds" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$artifacts" -print_final_stats=1 \
		"$corpus" >"$fuzz_out/$t.log" 2>&1; then
		tail -n 40 "$fuzz_out/$t.log" >&2
		echo "fuzz target $t failed; reproducer in $artifacts (log: $fuzz_out/$t.log)" >&2
		return 1
	fi
	runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$fuzz_out/$t.log")
	echo "fuzz: $t: ${runs:-?} inputs in ${fuzz_seconds}s, no crash"
}
fuzz_jobs=${PVBLK_FUZZ_JOBS:-2}
log "fuzz: $(echo "$targets" | wc -w) targets, ${fuzz_seconds}s each, $fuzz_jobs at a time"
pids=()
bad=0
for t in $targets; do
	fuzz_one "$t" &
	pids+=($!)
	if [ "${#pids[@]}" -ge "$fuzz_jobs" ]; then
		wait "${pids[0]}" || bad=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do
	wait "$p" || bad=1
done
[ "$bad" = 0 ] || die "a fuzz target failed (above)"
