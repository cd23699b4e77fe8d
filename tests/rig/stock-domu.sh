#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=540
#
# The stock Debian drivers between dom0 and a PV guest: dom0's xen-blkback
# serves two brd ramdisks to a 2-vCPU guest running xen-blkfront. In the
# guest, fio with verify=crc32c on 4 KiB random and 1 MiB sequential I/O
# (xvda) must pass, and ext4 on xvdb must keep checksummed files across a
# remount and pass fsck -fn.

# The guest's disks go through Xen's own hotplug script, as on an
# operator's host (the other tests use the rig's quicker one).
export RIG_HOTPLUG=stock

guest_main() {
	rig_wait_dev /dev/xvda 30
	rig_wait_dev /dev/xvdb 30
	rig_save xvda-queue.txt grep -r . /sys/block/xvda/queue
	local common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
		--verify=crc32c --verify_fatal=1 --do_verify=1)
	rig_fio rand4k "${common[@]}" --rw=randwrite --bs=4k --size=8M --iodepth=16
	rig_fio seq1m "${common[@]}" --rw=write --bs=1M --size=64M --iodepth=4
	guest_ext4 /dev/xvdb
}

guest_ext4() {
	local dev=$1 i
	rig_must "mkfs.ext4 on $dev" mkfs.ext4 -q -F "$dev"
	mkdir -p /mnt/x
	rig_must "mount $dev" mount -t ext4 "$dev" /mnt/x
	for i in $(seq 1 8); do
		dd if=/dev/urandom of="/mnt/x/f$i" bs=64k count=$((i * 2)) 2>/dev/null ||
			rig_fail "writing /mnt/x/f$i failed"
	done
	(cd /mnt/x && sha256sum f*) >/tmp/sums
	rig_collect /tmp/sums ext4-sums.txt
	rig_must "umount /mnt/x" umount /mnt/x
	rig_must "remount $dev" mount -t ext4 -o ro "$dev" /mnt/x
	(cd /mnt/x && sha256sum -c /tmp/sums) >/tmp/check 2>&1 ||
		rig_fail "checksums differ after remount: $(grep -v ': OK' /tmp/check | head -n 3 | tr '\n' ' ')"
	rig_must "umount /mnt/x" umount /mnt/x
	fsck.ext4 -fn "$dev" >/tmp/fsck 2>&1 || rig_fail "fsck -fn found problems: $(tail -n 5 /tmp/fsck | tr '\n' ' ')"
	rig_collect /tmp/fsck fsck.txt
	rig_log "ext4: 8 files verified after remount, fsck clean"
}

rig_ramdisks 2 96
rig_load_backend stock
rig_domu_run guest1 --vcpus 2 --mem 512 --front stock \
	--disk phy:/dev/ram0,xvda,w --disk phy:/dev/ram1,xvdb,w \
	--fn "guest_main guest_ext4" --timeout 360
rig_save vbd-xenstore.txt xenstore-ls -f /local/domain/0/backend/vbd
rig_unload_backend
