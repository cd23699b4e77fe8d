#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=420
#
# The stock Debian drivers in dom0 loopback: xen-blkback serves a brd
# ramdisk to dom0's own xen-blkfront (xl block-attach 0 ...). fio with
# verify=crc32c on 4 KiB random and 1 MiB sequential I/O must pass (no job
# error, data moved), then ext4 on the disk: files written, checksummed
# after a remount, fsck -fn clean.

rig_ramdisks 1 96
rig_load_backend stock
rig_load_frontend stock
rig_dom0_attach /dev/ram0 xvda w
rig_save vbd-xenstore.txt xenstore-ls -f /local/domain/0/backend/vbd
rig_save xvda-queue.txt grep -r . /sys/block/xvda/queue

fio_common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
	--verify=crc32c --verify_fatal=1 --do_verify=1)
rig_fio rand4k "${fio_common[@]}" --rw=randwrite --bs=4k --size=8M --iodepth=16
rig_fio seq1m "${fio_common[@]}" --rw=write --bs=1M --size=64M --iodepth=4

rig_must "mkfs.ext4 on /dev/xvda" mkfs.ext4 -q -F /dev/xvda
mkdir -p /mnt/x
rig_must "mount /dev/xvda" mount -t ext4 /dev/xvda /mnt/x
for i in $(seq 1 8); do
	dd if=/dev/urandom of="/mnt/x/f$i" bs=64k count=$((i * 2)) 2>/dev/null ||
		rig_fail "writing /mnt/x/f$i failed"
done
(cd /mnt/x && sha256sum f*) >/tmp/sums
rig_collect /tmp/sums ext4-sums.txt
rig_must "umount /mnt/x" umount /mnt/x
rig_must "remount /dev/xvda" mount -t ext4 -o ro /dev/xvda /mnt/x
(cd /mnt/x && sha256sum -c /tmp/sums) >/tmp/check 2>&1 ||
	rig_fail "checksums differ after remount: $(grep -v ': OK' /tmp/check | head -n 3 | tr '\n' ' ')"
rig_must "umount /mnt/x" umount /mnt/x
fsck.ext4 -fn /dev/xvda >/tmp/fsck 2>&1 || rig_fail "fsck -fn found problems: $(tail -n 5 /tmp/fsck | tr '\n' ' ')"
rig_collect /tmp/fsck fsck.txt
rig_log "ext4: 8 files verified after remount, fsck clean"

rig_dom0_detach xvda
rig_unload_frontend
rig_unload_backend
