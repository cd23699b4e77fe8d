#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build pvblkback.ko and pvblkfront.ko - and the rig's test fixtures,
# tests/kmod/*/ (each with its own Kbuild; never in DKMS or 'make install')
# - for one kernel in a directory of its own, so builds for different
# kernels never share objects.
#
#   scripts/build-modules.sh 6.1|6.12|KDIR OUTDIR
#
# Mirrors the module sources (Kbuild, blkback/, blkfront/, core/, include/,
# compat/, tests/kmod/) into OUTDIR - unchanged files keep their timestamps
# so rebuilds are incremental, sources deleted from the tree are deleted
# there too - then runs 'make -C KDIR M=OUTDIR W=1 modules' and the same
# for each OUTDIR/tests/kmod/<fixture>. Fails when a build fails or prints any
# warning. The builds' output goes to stderr and OUTDIR/build.log; stdout
# gets the .ko paths, one per line: pvblkback, pvblkfront, then the
# fixtures' (the rig ships them all to dom0's /rig/modules).
#
# PVBLK_KMAKE_FLAGS adds make arguments (scripts/style.sh passes C=2 to run
# sparse).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: scripts/build-modules.sh 6.1|6.12|KDIR OUTDIR"
target=$1
out=$2

case "$target" in
6.1 | 6.12) kdir=$("$PVBLK_ROOT/scripts/kheaders.sh" "$target") ;;
*) kdir=$target ;;
esac
[ -f "$kdir/Makefile" ] ||
	die "no kernel build tree at '$kdir' (give 6.1, 6.12 or a kernel headers directory)"
need_cmd make gcc cmp

mkdir -p "$out" || die "cannot create '$out'"
out=$(cd "$out" && pwd)
case "$out" in
"$PVBLK_ROOT" | "$PVBLK_ROOT"/blkback* | "$PVBLK_ROOT"/blkfront* | \
	"$PVBLK_ROOT"/core* | "$PVBLK_ROOT"/include* | "$PVBLK_ROOT"/compat* | \
	"$PVBLK_ROOT"/tests*)
	die "OUTDIR '$out' is inside the module sources; use e.g. build/kmod/<kernel>"
	;;
esac

# The module sources, relative to the tree's top; generated files excluded.
sources() {
	(cd "$1" && {
		[ ! -f Kbuild ] || echo Kbuild
		find blkback blkfront core include compat -type f \
			\( -name '*.c' -o -name '*.h' -o -name '*.sh' \) \
			-not -path '*/generated/*' 2>/dev/null || true
		find tests/kmod -type f \( -name '*.c' -o -name '*.h' -o \
			-name Kbuild -o -name Makefile \) \
			-not -path '*/generated/*' 2>/dev/null || true
	} | LC_ALL=C sort)
}

want=$(sources "$PVBLK_ROOT")
[ -n "$want" ] || die "no module sources found under $PVBLK_ROOT"
while IFS= read -r f; do
	if ! cmp -s "$PVBLK_ROOT/$f" "$out/$f"; then
		mkdir -p "$out/$(dirname "$f")"
		cp -p "$PVBLK_ROOT/$f" "$out/$f"
	fi
done <<<"$want"
# Drop sources the tree no longer has (Kbuild picks up every *.c it finds).
while IFS= read -r f; do
	[ -n "$f" ] && rm -f "$out/$f"
done < <(LC_ALL=C comm -13 <(echo "$want") <(sources "$out"))

log "building modules in $out against $kdir"
buildlog=$out/build.log
: >"$buildlog"

# Build the external module in DIR (W=1), appending to the build log.
kbuild() {
	local dir=$1 what=$2
	# shellcheck disable=SC2086
	if ! make -C "$kdir" M="$dir" W=1 -j"$(nproc)" ${PVBLK_KMAKE_FLAGS:-} modules \
		>>"$buildlog" 2>&1; then
		cat "$buildlog" >&2
		die "$what build against $kdir failed (log: $buildlog)"
	fi
}

kbuild "$out" module
# The test fixtures, each an external module of its own.
fixtures=()
for kb in "$out"/tests/kmod/*/Kbuild; do
	[ -f "$kb" ] || continue
	fdir=$(dirname "$kb")
	fixtures+=("$fdir")
	kbuild "$fdir" "test fixture ($fdir)"
done
cat "$buildlog" >&2
if grep -qi 'warning:\|error:' "$buildlog"; then
	grep -i 'warning:\|error:' "$buildlog" >&2
	die "module build against $kdir printed warnings (log: $buildlog)"
fi

for m in pvblkback pvblkfront; do
	[ -f "$out/$m.ko" ] || die "$m.ko was not built in $out"
	echo "$out/$m.ko"
done
for fdir in "${fixtures[@]}"; do
	kos=("$fdir"/*.ko)
	[ -f "${kos[0]}" ] || die "the test fixture in $fdir built no .ko"
	printf '%s\n' "${kos[@]}"
done
