#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the shared libraries (and the ELF interpreter) that ELF files need,
# transitively, resolved inside a sysroot rather than on the host:
#
#   scripts/rig/elfdeps.sh SYSROOT FILE...
#
# FILE is a path inside SYSROOT (e.g. usr/bin/fio) or an absolute host path
# (e.g. a harness tool built here). Prints sysroot-relative paths, one a
# line. Search order: the file's RUNPATH/RPATH ($ORIGIN expanded), then the
# multiarch and plain lib directories. A library found nowhere is an error.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ $# -ge 2 ] || die "usage: elfdeps.sh SYSROOT FILE..."
sysroot=$1
shift
[ -d "$sysroot" ] || die "elfdeps: no sysroot at $sysroot"
need_cmd readelf

default_dirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib usr/lib lib64)

declare -A done_lib=()
queue=()

# host path of FILE: inside the sysroot unless absolute
host_path() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$sysroot/$1" ;;
	esac
}

# Resolve SONAME for an object whose RUNPATH/RPATH is RP (':'-separated,
# may be empty) and whose sysroot-relative directory is REL_DIR.
resolve() {
	local soname=$1 rp=$2 rel_dir=$3 d
	local dirs=()
	for d in ${rp//:/ }; do
		d=${d//\$ORIGIN/\/$rel_dir}
		d=${d//\$\{ORIGIN\}/\/$rel_dir}
		dirs+=("${d#/}")
	done
	dirs+=("${default_dirs[@]}")
	for d in "${dirs[@]}"; do
		if [ -e "$sysroot/$d/$soname" ]; then
			echo "$d/$soname"
			return 0
		fi
	done
	return 1
}

for f in "$@"; do
	[ -f "$(host_path "$f")" ] || die "elfdeps: no such file: $f"
	queue+=("$f")
done

while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	hp=$(host_path "$f")
	# Scripts and non-ELF data need nothing.
	[ "$(head -c 4 "$hp" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
	case "$f" in
	/*) rel_dir=${f%/*} ;;
	*) rel_dir=$(dirname "$f") ;;
	esac
	interp=$(readelf -l "$hp" 2>/dev/null |
		sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ -z "${done_lib[${interp#/}]:-}" ]; then
		done_lib[${interp#/}]=1
		echo "${interp#/}"
	fi
	dyn=$(readelf -d "$hp" 2>/dev/null) || true
	rp=$(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p' <<<"$dyn")
	for soname in $(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dyn"); do
		lib=$(resolve "$soname" "$rp" "$rel_dir") ||
			die "library $soname needed by $f is in none of the rig's packages"
		[ -n "${done_lib[$lib]:-}" ] && continue
		done_lib[$lib]=1
		echo "$lib"
		queue+=("$lib")
	done
done
