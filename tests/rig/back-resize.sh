#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=420
#
# Online resize, dom0 loopback, pvblkback serving pvblkfront (the stock
# drivers made unloadable). A loop device over a 64 MiB tmpfs file is
# attached as xvdb and written with verified data; then the file grows to
# 96 MiB and the loop device rereads its size (losetup -c) while xvdb stays
# attached and open to nobody. Within 10 s pvblkback must write the new
# "sectors" to xenstore and pvblkfront must give /dev/xvdb the new size;
# the data written before must read back unchanged, and verified I/O must
# work in the space that was added. Detach leaves no grant mapped.

BE=/local/domain/0/backend/vbd/0/51728
DRV=/sys/bus/xen-backend/drivers/pvblkback
IMG=/dev/shm/resize.img

size_of() {
	cat /sys/block/xvdb/size
}

rig_blacklist_stock
rig_load_backend ours
rig_load_frontend ours
rig_must "modprobe loop" modprobe loop
rig_must "creating the 64 MiB backing file" truncate -s 64M "$IMG"
LOOP=$(losetup -f) || rig_fail "no free loop device"
rig_must "losetup $LOOP" losetup "$LOOP" "$IMG"

rig_dom0_attach "$LOOP" xvdb w
[ "$(xenstore-read $BE/sectors)" = 131072 ] ||
	rig_fail "sectors before the resize: $(xenstore-read $BE/sectors), want 131072"
[ "$(size_of)" = 131072 ] || rig_fail "xvdb before the resize: $(size_of) sectors, want 131072"

# Verified data in the first 64 MiB, and its checksum.
rig_fio before --filename=/dev/xvdb --direct=1 --ioengine=libaio \
	--rw=randwrite --bs=64k --size=64M --iodepth=8 --verify=crc32c \
	--verify_fatal=1 --do_verify=1
sum_before=$(dd if=/dev/xvdb bs=1M count=64 iflag=direct 2>/dev/null | md5sum)

rig_must "growing the backing file" truncate -s 96M "$IMG"
rig_must "losetup -c $LOOP" losetup -c "$LOOP"
rig_wait_for "pvblkback to write the new size" 10 \
	sh -c "[ \"\$(xenstore-read $BE/sectors)\" = 196608 ]"
rig_wait_for "pvblkfront to resize xvdb" 10 sh -c '[ "$(cat /sys/block/xvdb/size)" = 196608 ]'
rig_log "resized: xenstore sectors $(xenstore-read $BE/sectors), xvdb $(size_of) sectors"

sum_after=$(dd if=/dev/xvdb bs=1M count=64 iflag=direct 2>/dev/null | md5sum)
[ "$sum_before" = "$sum_after" ] || rig_fail "the first 64 MiB changed across the resize"
rig_fio grown --filename=/dev/xvdb --direct=1 --ioengine=libaio \
	--rw=randwrite --bs=4k --offset=64M --size=32M --iodepth=16 \
	--verify=crc32c --verify_fatal=1 --do_verify=1
rig_save stats.txt grep -r . /sys/bus/xen-backend/devices/vbd-0-51728/statistics

rig_dom0_detach xvdb
n=$(cat "$DRV/grants_mapped")
[ "$n" = 0 ] || rig_fail "$n grant mappings still held by pvblkback after detach"
rig_must "losetup -d $LOOP" losetup -d "$LOOP"
rig_unload_frontend
rig_unload_backend
