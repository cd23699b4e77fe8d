#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel coding-style gate: the documentation checked against the code
# (scripts/check-docs.sh), shellcheck -S warning over every shell script
# (the tracked *.sh files and those whose first line names sh or bash),
# checkpatch.pl --strict over every kernel .c/.h
# (blkback/, blkfront/, core/, include/, compat/ and the rig's test
# fixtures tests/kmod/), then sparse over both modules and the fixtures
# built against the 6.1 and the 6.12 headers (W=1, C=2: sparse on
# every file, not only the recompiled ones). Any shellcheck finding of
# severity warning or error, any checkpatch error, warning or check, or any
# sparse or compiler warning, fails.
#
# checkpatch.pl is not in the headers packages: it and its data files
# (spelling.txt, const_structs.checkpatch) are extracted once from Debian's
# linux-source-6.1 tarball into $PVBLK_CACHE/checkpatch.
#
#   scripts/style.sh [docs|shellcheck|checkpatch|sparse]    (default: all four)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVBLK_ROOT"

what=${1:-all}
case "$what" in
all | docs | shellcheck | checkpatch | sparse) ;;
*) die "usage: scripts/style.sh [docs|shellcheck|checkpatch|sparse]" ;;
esac

cp_dir=$PVBLK_CACHE/checkpatch
checkpatch=$cp_dir/checkpatch.pl

fetch_checkpatch() {
	local f tarball files tmp
	[ -f "$checkpatch" ] && [ -f "$cp_dir/spelling.txt" ] &&
		[ -f "$cp_dir/const_structs.checkpatch" ] && return 0
	tarball=
	for f in /usr/src/linux-source-6.1.tar.*; do
		[ -f "$f" ] && tarball=$f && break
	done
	[ -n "$tarball" ] ||
		die "checkpatch.pl needs Debian's linux-source-6.1 (no /usr/src/linux-source-6.1.tar.*; run 'make deps')"
	need_cmd tar perl
	log "extracting checkpatch.pl from $tarball (once)"
	files=(scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch)
	tmp=$(mktemp -d)
	tar -xf "$tarball" -C "$tmp" --strip-components=2 \
		"${files[@]/#/linux-source-6.1/}" ||
		{ rm -rf "$tmp"; die "cannot extract checkpatch.pl from $tarball"; }
	mkdir -p "$cp_dir"
	mv -f "$tmp"/checkpatch.pl "$tmp"/spelling.txt "$tmp"/const_structs.checkpatch "$cp_dir"/
	rm -rf "$tmp"
}

# The tree's shell scripts: tracked files (every file outside build/ and
# .git/ when this is not a git work tree) named *.sh or whose first line is
# a sh or bash shebang (.ci/run, the Debian maintainer scripts...).
shell_scripts() {
	local f first
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files
	else
		find . \( -path ./build -o -path ./.git \) -prune -o -type f -print | sed 's|^\./||'
	fi | LC_ALL=C sort | while IFS= read -r f; do
		[ -f "$f" ] || continue
		case "$f" in
		*.sh) echo "$f" ;;
		*)
			first=
			IFS= read -r first <"$f" 2>/dev/null || true
			[[ "$first" =~ ^'#!'[[:space:]]*/[^[:space:]]*/(env[[:space:]]+)?(ba)?sh([[:space:]]|$) ]] &&
				echo "$f"
			;;
		esac
	done
}

run_shellcheck() {
	local files out rc=0
	need_cmd shellcheck
	mapfile -t files < <(shell_scripts)
	[ ${#files[@]} -gt 0 ] || die "no shell scripts found to check"
	log "shellcheck -S warning: ${#files[@]} files"
	# Sourced files (lib.sh, rig/guest-lib.sh...) are not followed (no -x):
	# each file is checked on its own; those without a shebang declare
	# their shell with a "# shellcheck shell=bash" directive.
	out=$(shellcheck -S warning -f gcc "${files[@]}" 2>&1) || rc=$?
	if [ -n "$out" ] || [ "$rc" != 0 ]; then
		printf '%s\n' "$out" >&2
		die "shellcheck -S warning is not clean ($(printf '%s\n' "$out" | grep -c ': \(error\|warning\):') findings)"
	fi
	echo "style: shellcheck -S warning clean (${#files[@]} files)"
}

run_checkpatch() {
	local files out rc=0
	fetch_checkpatch
	mapfile -t files < <(find blkback blkfront core include compat tests/kmod -type f \
		\( -name '*.c' -o -name '*.h' \) -not -path '*/generated/*' |
		LC_ALL=C sort)
	[ ${#files[@]} -gt 0 ] || die "no kernel sources found to check"
	log "checkpatch --strict: ${#files[@]} files"
	# --no-tree: this is not a kernel tree; -f: whole files, not a patch.
	# CAMELCASE is ignored: outside a kernel tree checkpatch cannot learn
	# the kernel's own CamelCase names (Xen's enum xenbus_state values,
	# XenbusStateConnected...), and depending on the run it either knows
	# them (a cache file in a git work tree) or flags every use.
	out=$(perl "$checkpatch" --strict --no-tree --terse --show-types \
		--ignore CAMELCASE \
		--no-summary -f "${files[@]}" 2>&1) || rc=$?
	if [ -n "$out" ] || [ "$rc" != 0 ]; then
		printf '%s\n' "$out" >&2
		die "checkpatch --strict is not clean ($(printf '%s\n' "$out" | grep -c ': [A-Z]*:') findings)"
	fi
	echo "style: checkpatch --strict clean (${#files[@]} files)"
}

run_sparse() {
	local s rel kdir failed=0
	need_cmd sparse
	for s in 6.1 6.12; do
		rel=$("$PVBLK_ROOT/scripts/kver.sh" "$s")
		kdir=$("$PVBLK_ROOT/scripts/kheaders.sh" "$s")
		# Shares build/kmod/<rel> with scripts/build-kernels.sh: C=2 checks
		# every file whether or not it needs recompiling.
		if PVBLK_KMAKE_FLAGS=C=2 "$PVBLK_ROOT/scripts/build-modules.sh" \
			"$kdir" "$PVBLK_ROOT/build/kmod/$rel" >/dev/null 2>&1; then
			echo "style: sparse clean against $rel"
		else
			cat "$PVBLK_ROOT/build/kmod/$rel/build.log" >&2 || true
			log "sparse or the W=1 build is not clean against $rel"
			failed=1
		fi
	done
	[ "$failed" = 0 ] || die "sparse is not clean"
}

case "$what" in
docs) bash "$PVBLK_ROOT/scripts/check-docs.sh" ;;
shellcheck) run_shellcheck ;;
checkpatch) run_checkpatch ;;
sparse) run_sparse ;;
all)
	bash "$PVBLK_ROOT/scripts/check-docs.sh"
	run_shellcheck
	run_checkpatch
	run_sparse
	;;
esac
