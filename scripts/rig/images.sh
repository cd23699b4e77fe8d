#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build (once per set of inputs) the rig's base boot images:
#
#   scripts/rig/images.sh SERIES          SERIES: 6.1 | 6.12
#
# Output dir $PVBLK_CACHE/rig/images-<series>-<hash>/ holds
#   xen              the hypervisor, decompressed (QEMU -kernel)
#   vmlinuz          the Debian kernel as packaged (bzImage)
#   vmlinux          the same kernel as a plain ELF (vmlinux.sh): what the
#                    rig boots as dom0 and as every guest
#   dom0-base.cpio   dom0 userland: busybox, bash, xl & co, hotplug scripts,
#                    fio (fio.sh's static build), e2fsprogs, dmsetup, flock, nbd-server and
#                    nbd-client, kernel modules, and the
#                    guest kernel (ELF) + guest base image under /rig/domu/
#   domu-base.cpio.zst  guest userland: busybox, bash, fio, e2fsprogs, modules
#                    (zstd-compressed)
# The hash covers the package versions and this script, so the images are
# rebuilt only when an input changes. Prints shell assignments on stdout:
#   IMAGES=... KREL=... SYSROOT=...
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

series=${1:-}
[ -n "$series" ] || die "usage: images.sh 6.1|6.12"
need_cmd cpio gzip zstd depmod modprobe readelf ldconfig xz
rigdir=$PVBLK_ROOT/scripts/rig

fetched=$("$rigdir/fetch.sh" "$series") || exit 1
eval "$fetched"
: "${SYSROOT:?}" "${KROOT:?}" "${KREL:?}" "${XEN_GZ:?}"
fio=$("$rigdir/fio.sh") || exit 1

# Stock kernel modules both images carry (dependencies are added).
modules=(
	xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs
	xen-blkback xen-blkfront
	brd null_blk loop dm-mod dm-log-writes dm-flakey dm-delay
	ext4 crc32c_generic
	virtio_pci virtio_blk
	nbd nvme-tcp nvmet-tcp
)
# Userland (paths inside the sysroot), both images ...
common_files=(
	bin/busybox bin/bash
	sbin/mke2fs sbin/e2fsck sbin/tune2fs sbin/dumpe2fs sbin/debugfs
	sbin/blkid usr/bin/flock sbin/dmsetup
	lib/x86_64-linux-gnu/libgcc_s.so.1
)
# ... and dom0 only: the Xen toolstack.
dom0_files=(
	usr/lib/xen-4.17/bin/xl usr/lib/xen-4.17/bin/xenstored
	usr/lib/xen-4.17/bin/xenconsoled usr/lib/xen-4.17/bin/xen-init-dom0
	usr/lib/xen-4.17/bin/libxl-save-helper
	usr/lib/xen-4.17/bin/xenconsole
	usr/bin/xenstore usr/bin/xenstore-chmod usr/bin/xenstore-exists
	usr/bin/xenstore-list usr/bin/xenstore-ls usr/bin/xenstore-read
	usr/bin/xenstore-rm usr/bin/xenstore-watch usr/bin/xenstore-write
	bin/nbd-server sbin/nbd-client
)

key=$({
	echo "$SYSROOT $KROOT $fio"
	cat "$0" "$rigdir/elfdeps.sh" "$rigdir/vmlinux.sh"
} | sha256sum | cut -c1-16)
out=$PVBLK_CACHE/rig/images-$series-$key
if [ -e "$out/.complete" ]; then
	echo "IMAGES=$out"
	echo "KREL=$KREL"
	echo "SYSROOT=$SYSROOT"
	exit 0
fi

log "building base images for $KREL into $out"
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# modules.dep for the whole unpacked kernel (the package has none), once.
kmods=$KROOT/lib/modules/$KREL
if [ ! -s "$kmods/modules.dep" ]; then
	depmod -b "$KROOT" "$KREL" || die "depmod failed on $kmods"
fi

# Copy sysroot files (dereferenced) plus their library closure into IMG.
stage_files() {
	local img=$1 f libs
	shift
	for f in "$@"; do
		[ -e "$SYSROOT/$f" ] || die "$f is missing from the rig's packages"
		mkdir -p "$img/$(dirname "$f")"
		cp -L "$SYSROOT/$f" "$img/$f"
	done
	libs=$("$rigdir/elfdeps.sh" "$SYSROOT" "$@") || exit 1
	for f in $libs; do
		mkdir -p "$img/$(dirname "$f")"
		cp -L "$SYSROOT/$f" "$img/$f"
	done
}

# busybox applet links for every name no real binary took, plus the
# directories and files any of our roots expects, and fio.
stage_base() {
	local img=$1 a
	install -D -m 755 "$fio" "$img/usr/bin/fio"
	for a in $("$img/bin/busybox" --list-full); do
		[ -e "$img/$a" ] && continue
		mkdir -p "$img/$(dirname "$a")"
		ln -s /bin/busybox "$img/$a"
	done
	ln -sf mke2fs "$img/sbin/mkfs.ext4"
	ln -sf e2fsck "$img/sbin/fsck.ext4"
	mkdir -p "$img"/{dev,proc,sys,tmp,run,mnt,root,etc/modprobe.d,var/log,var/run}
	echo 'root:x:0:0:root:/root:/bin/bash' >"$img/etc/passwd"
	echo 'root:x:0:' >"$img/etc/group"
	printf '%s\n' /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu >"$img/etc/ld.so.conf"
	ldconfig -r "$img" 2>/dev/null || die "ldconfig failed for $img"
}

# The stock modules (decompressed) and a depmod of them.
stage_modules() {
	local img=$1 m line path rel
	local dst=$img/lib/modules/$KREL
	mkdir -p "$dst"
	for m in "${modules[@]}"; do
		line=$(modprobe -d "$KROOT" -S "$KREL" --show-depends "$m" 2>&1) ||
			die "kernel $KREL has no module '$m': $line"
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			rel=${path#"$kmods"/}
			[ -e "$dst/${rel%.xz}" ] && continue
			mkdir -p "$dst/$(dirname "$rel")"
			case "$rel" in
			*.ko.xz) xz -dc "$path" >"$dst/${rel%.xz}" ;;
			*) cp "$path" "$dst/$rel" ;;
			esac
		done <<<"$line"
	done
	cp "$kmods"/modules.builtin* "$kmods"/modules.order "$dst/"
	depmod -b "$img" "$KREL" || die "depmod failed for $img"
}

mkcpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}

domu=$work/domu
stage_files "$domu" "${common_files[@]}"
stage_base "$domu"
stage_modules "$domu"
# zstd, not gzip: xl gunzips a gzip'd ramdisk in dom0 before the guest
# starts (3-4 s of every guest boot under TCG), while a zstd one goes to the
# guest as it is and its kernel unpacks it several times faster. The
# per-guest layer appended to it (guest-lib.sh) stays gzip'd: the kernel
# takes concatenated archives compressed differently.
mkcpio "$domu" | zstd -q -19 -T0 >"$out/domu-base.cpio.zst"

dom0=$work/dom0
stage_files "$dom0" "${common_files[@]}" "${dom0_files[@]}"
stage_base "$dom0"
stage_modules "$dom0"
mkdir -p "$dom0/etc/xen" "$dom0/var/lib/xen" "$dom0/var/log/xen" \
	"$dom0/var/run/xen" "$dom0/rig/domu"
cp -a "$SYSROOT/etc/xen/scripts" "$dom0/etc/xen/"
cat >"$dom0/etc/xen/xl.conf" <<'EOF'
# pvblk rig: no ballooning (dom0 has a fixed size), hotplug scripts run by xl
autoballoon="off"
run_hotplug_scripts=1
EOF
# Guests boot the ELF kernel: xl would otherwise decompress the bzImage in
# dom0 for every guest (5-10 s under TCG).
"$rigdir/vmlinux.sh" "$KROOT/boot/vmlinuz-$KREL" "$work/vmlinux" || exit 1
cp "$work/vmlinux" "$dom0/rig/domu/vmlinux"
cp "$out/domu-base.cpio.zst" "$dom0/rig/domu/base.cpio.zst"
mkcpio "$dom0" >"$out/dom0-base.cpio"

cp "$KROOT/boot/vmlinuz-$KREL" "$out/vmlinuz"
mv "$work/vmlinux" "$out/vmlinux"
gzip -dc "$XEN_GZ" >"$out/xen"
echo "$KREL" >"$out/krel"
touch "$out/.complete"
log "base images: dom0 $(du -h "$out/dom0-base.cpio" | cut -f1), guest $(du -h "$out/domu-base.cpio.zst" | cut -f1)"
echo "IMAGES=$out"
echo "KREL=$KREL"
echo "SYSROOT=$SYSROOT"
