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
# sparse or compiler warning, fails. Then clang-format --dry-run --Werror
# over the C++ harness (harness/**/*.cc and the C++ *.h; not its C files,
# which are built with the kernel core: seam/, tests/abi32/, tests/kshim/)
# against harness/.clang-format: any line it would change fails.
#
# checkpatch.pl is not in the headers packages: it and its data files
# (spelling.txt, const_structs.checkpatch) are extracted once from Debian's
# linux-source-6.1 tarball into $PVBLK_CACHE/checkpatch.
#
#   scripts/style.sh [docs|shellcheck|checkpatch|sparse|clang-format]
#                                                         (default: all five)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$PVBLK_ROOT"

what=${1:-all}
case "$what" in
all | docs | shellcheck | checkpatch | sparse | clang-format) ;;
*) die "usage: scripts/style.sh [docs|shellcheck|checkpatch|sparse|clang-format]" ;;
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

# The C++ harness: every *.cc and *.h under harness/ except its C (the
# seam's userspace side built into the core, harness/seam/, and the C
# shims of the layout tests, harness/tests/abi32/ and harness/tests/kshim/),
# which stays kernel style. The tracked files, or every such file under
# harness/ when this is not a git work tree.
clang_format_files() {
	local f
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- 'harness/*.cc' 'harness/*.h' ':!:harness/seam/*' \
			':!:harness/tests/abi32/*' ':!:harness/tests/kshim/*'
	else
		find harness \( -path harness/seam -o -path harness/tests/abi32 \
			-o -path harness/tests/kshim \) -prune -o -type f \
			\( -name '*.cc' -o -name '*.h' \) -print
	fi | LC_ALL=C sort | while IFS= read -r f; do
		[ -f "$f" ] && echo "$f"
	done
}

run_clang_format() {
	local files f bad=()
	command -v clang-format >/dev/null 2>&1 ||
		die "clang-format not found: install Debian's clang-format package (make deps)"
	mapfile -t files < <(clang_format_files)
	[ ${#files[@]} -gt 0 ] || die "no harness C++ sources found to check"
	log "clang-format --dry-run --Werror ($(clang-format --version | grep -o 'version [0-9.]*')): ${#files[@]} files"
	# One file at a time, so that each one needing a change is named
	# (the diagnostics show the first lines it would change).
	for f in "${files[@]}"; do
		clang-format --dry-run --Werror --ferror-limit=3 "$f" || bad+=("$f")
	done
	if [ ${#bad[@]} -gt 0 ]; then
		log "clang-format: ${#bad[@]} file(s) not formatted as harness/.clang-format says (above); to fix:"
		printf '  clang-format -i %s\n' "${bad[@]}" >&2
		die "clang-format is not clean (${#bad[@]} files)"
	fi
	echo "style: clang-format clean (${#files[@]} files)"
}

case "$what" in
docs) bash "$PVBLK_ROOT/scripts/check-docs.sh" ;;
shellcheck) run_shellcheck ;;
checkpatch) run_checkpatch ;;
sparse) run_sparse ;;
clang-format) run_clang_format ;;
all)
	bash "$PVBLK_ROOT/scripts/check-docs.sh"
	run_shellcheck
	run_checkpatch
	run_sparse
	run_clang_format
	;;
esac
