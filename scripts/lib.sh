# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared shell helpers for pvblk scripts. Source it; do not run it.
#
#   die MSG...      print "pvblk: error: MSG" on stderr and exit 1
#   log MSG...      print "pvblk: MSG" on stderr
#   need_cmd CMD... die unless every CMD is on PATH (names the package hint)
#   PVBLK_ROOT      the top of the source tree
#   PVBLK_CACHE     downloads and unpacked packages (outside the tree, so
#                   fresh clones reuse it); default /var/cache/pvblk
#   cmake_launcher  the CMake arguments that compile through ccache when it
#                   is installed (in cmake_launcher_args), nothing otherwise

PVBLK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PVBLK_CACHE=${PVBLK_CACHE:-/var/cache/pvblk}
export PVBLK_ROOT PVBLK_CACHE

die() {
	echo "pvblk: error: $*" >&2
	exit 1
}

log() {
	echo "pvblk: $*" >&2
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' not found on PATH (run 'make deps' to install the build dependencies)"
	done
}

# Compile the harness through ccache when it is there: the unit tier, the
# fuzzers and the rig's tools are ~2.5 minutes of C++ on a 2-core machine,
# rebuilt by every fresh clone. Paths are hashed relative to the tree, so
# clones in other directories share the cache (PVBLK_CCACHE=0: off).
cmake_launcher() {
	cmake_launcher_args=()
	[ "${PVBLK_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1 || return 0
	export CCACHE_BASEDIR=$PVBLK_ROOT CCACHE_NOHASHDIR=1
	# shellcheck disable=SC2034 # read by the scripts that call cmake_launcher
	cmake_launcher_args=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
}
