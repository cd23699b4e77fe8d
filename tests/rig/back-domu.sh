#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1000
#
# pvblkback against the STOCK xen-blkfront in a 2-vCPU PV guest (stock
# xen-blkback made unloadable in dom0). The guest's frontend runs with
# max_ring_page_order=4 max_queues=2. Three disks:
#   xvda  brd ramdisk: 16-page rings and 2 queues must be negotiated
#         (frontend keys in xenstore, our connection/), and fio
#         verify=crc32c (4 KiB random in 2 jobs, mixed 4 KiB/64 KiB/1 MiB)
#         must pass;
#   xvdb  loop device over a tmpfs file (volatile write cache + discard):
#         fsync in the guest must make f_req grow; blkdiscard in the guest
#         must reach the file (its allocated size drops, the guest reads
#         zeros) and ds_req must grow;
#   xvdc  brd ramdisk attached read-only: reads work, a write fails.

SIG=/var/log/xen/console/guest-guest1.log

guest_main() {
	local common rc=0
	rig_wait_dev /dev/xvda 30
	rig_wait_dev /dev/xvdb 30
	rig_wait_dev /dev/xvdc 30
	rig_save queues.txt ls /sys/block/xvda/mq
	common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
		--verify=crc32c --verify_fatal=1 --do_verify=1)
	rig_fio mq-rand4k "${common[@]}" --rw=randwrite --bs=4k --size=16M \
		--iodepth=16 --numjobs=2 --offset_increment=32M
	rig_fio mq-mixed "${common[@]}" --rw=randwrite \
		--bssplit=4k/30:64k/40:1m/30 --size=48M --iodepth=8

	# xvdb: a write-back cache, so fsync sends flushes
	rig_save xvdb-queue.txt grep -r . /sys/block/xvdb/queue
	grep -q 'write back' /sys/block/xvdb/queue/write_cache ||
		rig_fail "xvdb: the frontend sees no write-back cache"
	rig_must "filling xvdb with fsync" dd if=/dev/urandom of=/dev/xvdb \
		bs=1M count=48 conv=fsync
	rig_fio fsync "--filename=/dev/xvdb" --direct=1 --ioengine=psync \
		--rw=randwrite --bs=4k --size=8M --fsync=8 --verify=crc32c \
		--verify_fatal=1 --do_verify=1
	echo "@@back-filled@@"
	sleep 4
	rig_must "blkdiscard /dev/xvdb" blkdiscard /dev/xvdb
	cmp -n 1048576 /dev/xvdb /dev/zero >/dev/null 2>&1 ||
		rig_fail "xvdb: not zero after blkdiscard"
	grep -q 'write back' /sys/block/xvdb/queue/write_cache ||
		rig_fail "xvdb: the frontend turned its write cache off (a flush failed)"
	! dmesg | grep -q 'flush op failed' ||
		rig_fail "xvdb: a flush failed: $(dmesg | grep -m 1 'flush op failed')"
	rig_log "xvdb: fsync done, blkdiscard done and the disk reads zeros"

	# xvdc: read-only
	rig_must "reading the read-only xvdc" dd if=/dev/xvdc of=/dev/null \
		bs=1M count=16 iflag=direct
	dd if=/dev/zero of=/dev/xvdc bs=4k count=1 oflag=direct \
		>/tmp/ro.txt 2>&1 || rc=$?
	rig_collect /tmp/ro.txt ro-write.txt
	[ "$rc" != 0 ] || rig_fail "xvdc: a write to the read-only disk succeeded"
	rig_must "reading xvdc after the refused write" dd if=/dev/xvdc \
		of=/dev/null bs=1M count=16 iflag=direct
	rig_log "xvdc: write refused ($(tail -n 1 /tmp/ro.txt)), reads still work"
	echo "@@back-sample@@"
	sleep 8
}

# Does the guest's console show MARKER yet?
has_marker() {
	[ -f "$SIG" ] || return 1
	case "$(cat "$SIG")" in *"$1"*) return 0 ;; esac
	return 1
}

# Wait until the guest's console shows MARKER.
wait_marker() {
	rig_wait_for "guest marker $1" "$2" has_marker "$1"
}

stat_of() {
	cat "/sys/bus/xen-backend/devices/vbd-$DOMID-$1/statistics/$2"
}

conn_of() {
	cat "/sys/bus/xen-backend/devices/vbd-$DOMID-$1/connection/$2"
}

# blocks allocated to the loop device's backing file, in KiB
file_kib() {
	du -k /mnt/lt/disk.img | cut -f1
}

# The guest's disks go through Xen's own hotplug script, as on an
# operator's host (the other tests use the rig's quicker one).
export RIG_HOTPLUG=stock
rig_ramdisks 2 128 --fill
rig_must "modprobe loop" modprobe loop
mkdir -p /mnt/lt
rig_must "mount tmpfs" mount -t tmpfs -o size=160M tmpfs /mnt/lt
rig_must "backing file" truncate -s 64M /mnt/lt/disk.img
LOOP=$(losetup -f) || rig_fail "no free loop device"
rig_must "losetup" losetup "$LOOP" /mnt/lt/disk.img
rig_save loop-queue.txt grep -r . "/sys/block/${LOOP#/dev/}/queue"

rig_blacklist_stock xen-blkback # the stock frontend stays: our peer
rig_load_backend ours
# 1200 MiB: with 16-page rings and 2 queues the stock frontend grants a
# page per slot and segment up front (about 130 MiB per disk here).
rig_domu_start guest1 --vcpus 2 --mem 1200 --front stock \
	--front-params "max_ring_page_order=4 max_queues=2" \
	--disk phy:/dev/ram0,xvda,w --disk "phy:$LOOP,xvdb,w" \
	--disk phy:/dev/ram1,xvdc,r --fn guest_main --timeout 600
DOMID=$(cat /tmp/rig-domu/guest1/domid)

# xvda (51712): negotiated multi-page rings and two queues
xvda_two_queues() {
	[ "$(conn_of 51712 nr_queues 2>/dev/null)" = 2 ]
}
rig_wait_for "xvda to connect with 2 queues" 300 xvda_two_queues
FE=/local/domain/$DOMID/device/vbd/51712
rig_expect_eq "frontend multi-queue-num-queues" "$(xenstore-read "$FE/multi-queue-num-queues")" 2
rig_expect_eq "frontend ring-page-order" "$(xenstore-read "$FE/ring-page-order")" 4
xenstore-read "$FE/queue-1/ring-ref15" >/dev/null ||
	rig_fail "frontend queue-1 has no ring-ref15 (16-page ring)"
rig_expect_eq "connection/ring_page_order" "$(conn_of 51712 ring_page_order)" 4
rig_expect_eq "connection/nr_queues" "$(conn_of 51712 nr_queues)" 2
rig_save xenstore-frontend.txt xenstore-ls -f "$FE"
rig_log "xvda: 2 queues of 16-page rings negotiated (xenstore and connection/)"

BE=/local/domain/0/backend/vbd/$DOMID
rig_expect_eq "xvdb feature-flush-cache" "$(xenstore-read "$BE/51728/feature-flush-cache")" 1
rig_expect_eq "xvdb feature-discard" "$(xenstore-read "$BE/51728/feature-discard")" 1
rig_expect_eq "xvdc info (read-only)" "$(xenstore-read "$BE/51744/info")" 4
# the stock backend's physical_device and mode attributes
for d in 51712:w 51728:w 51744:r; do
	sd=/sys/bus/xen-backend/devices/vbd-$DOMID-${d%:*}
	rig_expect_eq "vbd ${d%:*} physical_device" "$(cat "$sd/physical_device")" \
		"$(xenstore-read "$BE/${d%:*}/physical-device")"
	rig_expect_eq "vbd ${d%:*} mode" "$(cat "$sd/mode")" "${d#*:}"
done

wait_marker @@back-filled@@ 420
before=$(file_kib)
f_req=$(stat_of 51728 f_req)
[ "$f_req" -gt 1 ] || rig_fail "xvdb: guest fsyncs made only $f_req flush(es) reach the backend"
rig_expect_eq "xvdb err_req (failed requests)" "$(stat_of 51728 err_req)" 0
wait_marker @@back-sample@@ 300
after=$(file_kib)
ds_req=$(stat_of 51728 ds_req)
[ "$ds_req" -gt 0 ] || rig_fail "xvdb: blkdiscard sent no discard (ds_req 0)"
[ "$after" -lt $((before / 4)) ] ||
	rig_fail "xvdb: backing file still holds ${after} KiB after blkdiscard (was ${before} KiB)"
for d in 51712 51728 51744; do
	rig_save "stats-$d.txt" grep -r . "/sys/bus/xen-backend/devices/vbd-$DOMID-$d/statistics" \
		"/sys/bus/xen-backend/devices/vbd-$DOMID-$d/connection"
done
rig_log "xvdb: f_req $f_req after fsync; ds_req $ds_req, backing file ${before} -> ${after} KiB"
rig_log "xvdc: err_req $(stat_of 51744 err_req) wr_req $(stat_of 51744 wr_req) rd_req $(stat_of 51744 rd_req)"
rig_log "xvda: rd_req $(stat_of 51712 rd_req) wr_req $(stat_of 51712 wr_req) pgnt_hits $(stat_of 51712 pgnt_hits) pgnt_mapped $(stat_of 51712 pgnt_mapped)"

rig_domu_wait guest1
rig_wait_for "guest vbds to go away" 30 sh -c "! ls -d /sys/bus/xen-backend/devices/vbd-$DOMID-* 2>/dev/null"
n=$(cat /sys/bus/xen-backend/drivers/pvblkback/grants_mapped)
rig_expect_eq "grants still mapped after the guest ended" "$n" 0
rig_log "guest gone: no grant left mapped"
losetup -d "$LOOP"
rig_unload_backend
