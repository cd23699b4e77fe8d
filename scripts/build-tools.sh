#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the harness tools (harness/tools/*: pvblk-* programs) optimized and
# without sanitizers into build/tools, the way the rig ships them to dom0.
#
#   scripts/build-tools.sh [OUTDIR]
#
# Prints the path of every pvblk-* program built, one per line. Fails on any
# configure or build error. The unit tests of the tools are built and run by
# scripts/unit.sh (make unit), not here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_cmd cmake pkg-config
out=${1:-$PVBLK_ROOT/build/tools}
jobs=${PVBLK_JOBS:-2}
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
want_gen=${gen[1]:-Unix Makefiles}
if [ -f "$out/CMakeCache.txt" ] &&
	! grep -q "^CMAKE_GENERATOR:INTERNAL=$want_gen\$" "$out/CMakeCache.txt"; then
	rm -rf "$out"
fi
mkdir -p "$out"
cmake_launcher
# shellcheck disable=SC2154 # cmake_launcher_args: set by cmake_launcher (lib.sh)
cmake -S "$PVBLK_ROOT/harness" -B "$out" "${gen[@]}" "${cmake_launcher_args[@]}" -DCMAKE_BUILD_TYPE=Release \
	-DPVBLK_TESTS=OFF -DPVBLK_FUZZ=OFF -DPVBLK_TOOLS=ON >"$out.configure.log" 2>&1 || {
	cat "$out.configure.log" >&2
	die "configuring the harness tools failed (log above)"
}
cmake --build "$out" -j "$jobs" >"$out.build.log" 2>&1 || {
	tail -n 60 "$out.build.log" >&2
	die "building the harness tools failed (log: $out.build.log)"
}
find "$out" -type f -name 'pvblk-*' -perm -u+x ! -name '*.*' | LC_ALL=C sort
