#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build, once per Debian fio version, the fio the rig's images carry:
#
#   scripts/rig/fio.sh        prints the path of the binary on stdout
#
# Debian's fio links some seventy libraries (ceph's rbd and rados,
# glusterfs, libnfs, libcurl, ICU, ...) that every dom0 boot and every
# guest would unpack - about 65 MB of each image. The rig uses fio's
# libaio and psync engines, verify and JSON output only, so it builds
# the same source package (fetched with apt-get source, through a
# private deb-src list; nothing is installed from it) statically,
# without the optional engines: one 3 MB file.
# Cached in $PVBLK_CACHE/rig/fio-<version>/fio.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

need_cmd apt-cache apt-get dpkg-source make gcc strip
ver=$(apt-cache show --no-all-versions fio 2>/dev/null | awk '/^Version:/ { print $2; exit }')
[ -n "$ver" ] || die "the package registry lists no fio (run 'make deps')"
out=$PVBLK_CACHE/rig/fio-$ver
if [ -x "$out/fio" ]; then
	echo "$out/fio"
	exit 0
fi
[ -f /usr/include/libaio.h ] && [ -f /usr/lib/x86_64-linux-gnu/libaio.a ] ||
	die "building the rig's fio needs libaio-dev (run 'make deps')"

log "building fio $ver for the rig (static, libaio and psync engines)"
work=$(mktemp -d "$PVBLK_CACHE/rig/.fio.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial"
key=/usr/share/keyrings/debian-archive-keyring.gpg
{
	echo "deb-src [signed-by=$key] http://deb.debian.org/debian bookworm main"
	echo "deb-src [signed-by=$key] http://deb.debian.org/debian bookworm-updates main"
	echo "deb-src [signed-by=$key] http://deb.debian.org/debian-security bookworm-security main"
} >"$work/sources.list"
apt_src=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$work/lists" -q)
apt-get "${apt_src[@]}" update >"$work/apt.log" 2>&1 ||
	die "apt-get update of the deb-src list failed: $(tail -n 2 "$work/apt.log" | tr '\n' ' ')"
(cd "$work" && apt-get "${apt_src[@]}" source --download-only "fio=$ver") >>"$work/apt.log" 2>&1 ||
	die "cannot download the source of fio $ver: $(tail -n 2 "$work/apt.log" | tr '\n' ' ')"
(cd "$work" && dpkg-source -x fio_*.dsc src) >>"$work/apt.log" 2>&1 ||
	die "cannot unpack the source of fio $ver: $(tail -n 2 "$work/apt.log" | tr '\n' ' ')"
(
	cd "$work/src"
	./configure --build-static --disable-native --disable-numa --disable-rdma \
		--disable-rados --disable-rbd --disable-http --disable-gfapi \
		--disable-libnfs --disable-pmem --disable-xnvme --disable-libzbc \
		--disable-tcmalloc --disable-dfs
	make -j "${PVBLK_JOBS:-2}" fio
) >"$work/build.log" 2>&1 || die "building fio failed: $(tail -n 5 "$work/build.log" | tr '\n' ' ')"
grep -q '^Linux AIO support *yes' "$work/build.log" || die "fio was configured without libaio"
mkdir -p "$out"
strip -o "$out/fio.new" "$work/src/fio"
"$out/fio.new" --version >/dev/null || die "the fio built does not run"
mv "$out/fio.new" "$out/fio"
echo "$out/fio"
