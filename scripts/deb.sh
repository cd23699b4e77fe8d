#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the Debian packages pvblk-dkms and pvblk-tools into build/deb/ and
# check them:
#
#   - the build runs in a copy of the tree's tracked files in a temporary
#     directory (dpkg-buildpackage -b), so the tree stays clean;
#   - lintian on the result: any error or warning that debian/*.lintian-
#     overrides does not cover fails;
#   - one version: include/pvblk/version.h, debian/changelog, both
#     packages' Version, the packaged dkms.conf, modinfo of the modules
#     built from the packaged sources (for an installed 6.1 or 6.12
#     kernel's headers) and every packaged tool's --version must agree.
#
#   scripts/deb.sh           (make deb; as root it first installs the
#                             packaging dependencies with apt-get)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
out=$PVBLK_ROOT/build/deb
jobs=${PVBLK_JOBS:-2}

if [ "$(id -u)" = 0 ]; then
	bash "$PVBLK_ROOT/scripts/deps.sh" deb
fi
need_cmd dpkg-buildpackage dpkg-parsechangelog dpkg-deb dh dh_dkms lintian \
	cmake pkg-config modinfo tar

ver=$(sed -n 's/^#define PVBLK_VERSION "\(.*\)"$/\1/p' "$PVBLK_ROOT/include/pvblk/version.h")
[ -n "$ver" ] || die "no PVBLK_VERSION in include/pvblk/version.h"
cl_ver=$(dpkg-parsechangelog -l "$PVBLK_ROOT/debian/changelog" -S Version)
[ "$cl_ver" = "$ver" ] ||
	die "debian/changelog is at $cl_ver but include/pvblk/version.h at $ver: add a changelog entry for $ver"

work=$(mktemp -d "${TMPDIR:-/tmp}/pvblk-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/pvblk-$ver
mkdir -p "$src"

log "copying the tree to $src"
if git -C "$PVBLK_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files as they are now (uncommitted edits included; build
	# products and untracked files left out).
	(cd "$PVBLK_ROOT" && git ls-files -z | tar --null -T - --ignore-failed-read -cf -) |
		tar -xf - -C "$src"
else
	(cd "$PVBLK_ROOT" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi
[ -x "$src/debian/rules" ] || die "no debian/rules in the copy of the tree"

log "dpkg-buildpackage -b (log: $out/build.log)"
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/lintian*.txt
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs" \
	dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	die "dpkg-buildpackage failed (log: $out/build.log)"
fi
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/

dkms_deb=$out/pvblk-dkms_${ver}_all.deb
tools_deb=$(find "$out" -maxdepth 1 -name "pvblk-tools_${ver}_*.deb" | head -n 1)
[ -f "$dkms_deb" ] || die "no $dkms_deb"
[ -n "$tools_deb" ] || die "no pvblk-tools_${ver}_*.deb in $out"
changes=$(find "$out" -maxdepth 1 -name "pvblk_${ver}_*.changes" | head -n 1)

# ---- lintian ----
log "lintian"
lint_rc=0
lintian --fail-on error,warning "$changes" >"$out/lintian.txt" 2>&1 || lint_rc=$?
grep -v '^running with root privileges' "$out/lintian.txt" >&2 || true
[ "$lint_rc" = 0 ] || die "lintian reports errors or warnings (above; $out/lintian.txt)"
# The overridden tags, for the record (--show-overrides makes them count
# as failures, hence a second run).
lintian --show-overrides "$changes" 2>/dev/null | grep '^O: ' >"$out/lintian-overrides.txt" || true
n_over=$(wc -l <"$out/lintian-overrides.txt")
lint_msg="clean ($n_over overridden, reasons in debian/*.lintian-overrides)"

# ---- one version ----
for deb in "$out"/*.deb; do
	v=$(dpkg-deb -f "$deb" Version)
	[ "$v" = "$ver" ] || die "$(basename "$deb") has version $v, version.h $ver"
done
x=$work/extract
dpkg-deb -x "$dkms_deb" "$x"
dpkg-deb -x "$tools_deb" "$x"
dsrc=$x/usr/src/pvblk-$ver
[ -f "$dsrc/dkms.conf" ] || die "pvblk-dkms has no /usr/src/pvblk-$ver/dkms.conf"
v=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dsrc/dkms.conf")
[ "$v" = "$ver" ] || die "packaged dkms.conf has PACKAGE_VERSION '$v', version.h $ver"

for t in pvblk-ring pvblk-logwrites pvblk-bench-report; do
	[ -x "$x/usr/bin/$t" ] || die "pvblk-tools has no /usr/bin/$t"
	v=$("$x/usr/bin/$t" --version) || die "$t --version failed"
	[ "$v" = "$t $ver" ] || die "$t --version prints '$v', expected '$t $ver'"
done

# The packaged sources, built as DKMS would for the first supported kernel
# whose headers are installed.
kver=
for d in /lib/modules/*/build; do
	r=$(basename "$(dirname "$d")")
	if [[ $r =~ ^6\.(1|12)\. ]] && [ -f "$d/Makefile" ]; then
		kver=$r
		break
	fi
done
if [ -n "$kver" ]; then
	log "building the packaged module sources for $kver"
	make -C "/lib/modules/$kver/build" M="$dsrc" -j "$jobs" modules >"$out/kmod.log" 2>&1 || {
		tail -n 40 "$out/kmod.log" >&2
		die "the packaged module sources do not build for $kver (log: $out/kmod.log)"
	}
	for m in pvblkback pvblkfront; do
		v=$(modinfo -F version "$dsrc/$m.ko")
		[ "$v" = "$ver" ] || die "modinfo $m.ko: version '$v', version.h $ver"
	done
	mod_msg="modinfo of both modules ($kver)"
else
	mod_msg="modinfo skipped (no 6.1/6.12 kernel headers installed)"
fi

echo "deb: $dkms_deb"
echo "deb: $tools_deb"
echo "deb: lintian: $lint_msg"
echo "deb: version $ver agrees: version.h, debian/changelog, packages, dkms.conf, tools' --version, $mod_msg"
echo "deb: done in $(($(date +%s) - t0))s"
