#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Persistent-grant lookup microbenchmark (make bench-core): builds
# pvblk_bench_cache in build/harness, runs it with repetitions and prints
# the median cost of one lookup for our hash cache, the 2012 linear array
# and a red-black tree at 32, 1056 and 8192 cached grants.
#
#   PVBLK_BENCH_REPS   repetitions per benchmark (default 5)
#   PVBLK_BENCH_MIN_TIME  seconds per repetition (default 0.5)
# Run it on a quiet machine: no QEMU rig or build at the same time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_cmd cmake python3
reps=${PVBLK_BENCH_REPS:-5}
min_time=${PVBLK_BENCH_MIN_TIME:-0.5}
case "$reps" in
'' | *[!0-9]* | 0) die "PVBLK_BENCH_REPS must be a positive whole number, got '$reps'" ;;
esac
case "$min_time" in
'' | *[!0-9.]*) die "PVBLK_BENCH_MIN_TIME must be a number of seconds, got '$min_time'" ;;
esac

out=$PVBLK_ROOT/build/harness
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
mkdir -p "$PVBLK_ROOT/build"
if [ ! -f "$out/CMakeCache.txt" ]; then
	cmake -S "$PVBLK_ROOT/harness" -B "$out" "${gen[@]}" -DPVBLK_FUZZ=OFF \
		>"$out.configure.log" 2>&1 || {
		cat "$out.configure.log" >&2
		die "configuring the harness failed (log above)"
	}
fi
cmake --build "$out" --target pvblk_bench_cache -j "${PVBLK_JOBS:-2}" >/dev/null ||
	die "building pvblk_bench_cache failed"

json=$out/bench_cache.json
"$out/pvblk_bench_cache" --benchmark_repetitions="$reps" \
	--benchmark_min_time="$min_time" --benchmark_report_aggregates_only=true \
	--benchmark_out="$json" --benchmark_out_format=json >&2 ||
	die "pvblk_bench_cache failed"

python3 - "$json" <<'EOF'
import json, sys

data = json.load(open(sys.argv[1]))
med = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    kind, impl, size = b["run_name"].split("/")
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b["time_unit"]]
    med[(kind, impl, int(size))] = b["cpu_time"] * unit

ctx = data["context"]
print(f"pvblk_bench_cache: median CPU ns per lookup "
      f"({ctx.get('num_cpus')} CPUs @ {ctx.get('mhz_per_cpu')} MHz, "
      f"{sys.argv[1]})")
for kind in ("hit", "miss"):
    print(f"\n{kind:>5} grants |   hash ns | linear ns | rbtree ns | linear/hash | rbtree/hash")
    for size in (32, 1056, 8192):
        h, l, t = (med.get((kind, i, size)) for i in ("hash", "linear", "rbtree"))
        if None in (h, l, t):
            sys.exit(f"pvblk: error: missing results for {kind} at {size} grants")
        print(f"{size:>12} | {h:9.1f} | {l:9.1f} | {t:9.1f} | {l / h:10.1f}x | {t / h:10.1f}x")
EOF
