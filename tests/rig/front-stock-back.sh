#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900 mem=3G dom0_mem=1536M
#
# pvblkfront in a 2-vCPU PV guest over the STOCK xen-blkback (an
# independent implementation): persistent grants, 2 queues, xvda a ramdisk
# and xvdb a dm-log-writes device in dom0 (so the backend offers flush).
# The guest checks that the stock xen-blkfront is not loaded, the
# negotiated features (sysfs pvblkfront/features), fio with verify=crc32c
# on xvda (random 4 KiB in 2 jobs, 64 KiB and 1 MiB), the submit/complete
# tracepoints; then on xvdb: mkfs.ext4, a tree of files, sync, umount,
# fsck -fn, checksums after remount; 20 fsync()s must raise the
# frontend's f_req by at least 20, and the stock backend's statistics/f_req
# (polled in dom0 while the guest runs) must grow too.
# The whole negotiation matrix (persistence both sides, indirect, queues,
# untrusted backend) over both backends is front-domu-matrix.sh.

front_guest() {
	local got hw
	rig_wait_dev /dev/xvda 30
	! rig_module_loaded xen-blkfront || rig_fail "the stock xen-blkfront is loaded"
	rig_module_loaded pvblkfront || rig_fail "pvblkfront is not loaded"
	rig_save features.txt cat /sys/block/xvda/pvblkfront/features
	rig_save queue.txt grep -r . /sys/block/xvda/queue
	got=$(tr '\n' ' ' </sys/block/xvda/pvblkfront/features)
	rig_log "xvda: $got"
	case "$got" in
	*"persistent $WANT_PERSISTENT "*) ;;
	*) rig_fail "persistent grants: want $WANT_PERSISTENT, features say: $got" ;;
	esac
	case "$got" in
	"queues $WANT_QUEUES "*) ;;
	*) rig_fail "queues: want $WANT_QUEUES, features say: $got" ;;
	esac
	hw=(/sys/block/xvda/mq/*)
	[ "${#hw[@]}" = "$WANT_QUEUES" ] ||
		rig_fail "blk-mq hardware queues: want $WANT_QUEUES, have ${#hw[@]}"
	local common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
		--verify=crc32c --verify_fatal=1 --do_verify=1)
	rig_fio rand4k "${common[@]}" --rw=randwrite --bs=4k --size=8M \
		--numjobs=2 --offset_increment=8M --iodepth=16
	rig_fio rand64k "${common[@]}" --rw=randwrite --bs=64k --size=32M \
		--offset=16M --iodepth=8
	rig_fio rand1m "${common[@]}" --rw=randwrite --bs=1M --size=64M \
		--offset=48M --iodepth=4
	rig_save stats.txt grep -r . /sys/block/xvda/pvblkfront
	rig_front_tracepoints
	[ "$(cat /sys/block/xvda/pvblkfront/errors)" = 0 ] ||
		rig_fail "frontend counted I/O errors: $(cat /sys/block/xvda/pvblkfront/errors)"
	if [ "$WANT_PERSISTENT" = 1 ]; then
		[ "$(cat /sys/block/xvda/pvblkfront/pgrant_reuse)" -gt 0 ] ||
			rig_fail "persistent grants negotiated but no pool page was reused"
	fi
	front_ext4 /dev/xvdb
}

front_ext4() {
	local dev=$1 i f0 f1
	rig_wait_dev "$dev" 30
	rig_save xvdb-features.txt cat /sys/block/xvdb/pvblkfront/features
	grep -q "^cache 1 " /sys/block/xvdb/pvblkfront/features ||
		rig_fail "xvdb on dm-log-writes: want flush-cache mode, features say: $(tr '\n' ' ' </sys/block/xvdb/pvblkfront/features)"
	[ "$(cat /sys/block/xvdb/queue/write_cache)" = "write back" ] ||
		rig_fail "xvdb does not claim a write cache: $(cat /sys/block/xvdb/queue/write_cache)"
	rig_must "mkfs.ext4 on $dev" mkfs.ext4 -q -F "$dev"
	mkdir -p /mnt/x
	rig_must "mount $dev" mount -t ext4 "$dev" /mnt/x
	for i in $(seq 1 8); do
		mkdir -p "/mnt/x/d$i/e"
		dd if=/dev/urandom of="/mnt/x/d$i/f" bs=64k count=$((i * 4)) 2>/dev/null ||
			rig_fail "writing /mnt/x/d$i/f failed"
		dd if=/dev/urandom of="/mnt/x/d$i/e/g" bs=4k count=$((i * 3)) 2>/dev/null ||
			rig_fail "writing /mnt/x/d$i/e/g failed"
	done
	sync
	f0=$(cat /sys/block/xvdb/pvblkfront/f_req)
	for i in $(seq 1 20); do
		dd if=/dev/urandom of=/mnt/x/fsync bs=4k count=1 conv=fsync 2>/dev/null ||
			rig_fail "fsync write $i failed"
	done
	f1=$(cat /sys/block/xvdb/pvblkfront/f_req)
	[ $((f1 - f0)) -ge 20 ] || rig_fail "20 fsync()s sent only $((f1 - f0)) flushes to the backend"
	rig_log "fsync: 20 fsync()s, frontend f_req $f0 -> $f1"
	(cd /mnt/x && find . -type f | sort | xargs sha256sum) >/tmp/sums
	rig_collect /tmp/sums ext4-sums.txt
	rig_must "umount /mnt/x" umount /mnt/x
	fsck.ext4 -fn "$dev" >/tmp/fsck 2>&1 || rig_fail "fsck -fn found problems: $(tail -n 5 /tmp/fsck | tr '\n' ' ')"
	rig_collect /tmp/fsck fsck.txt
	rig_must "remount $dev" mount -t ext4 -o ro "$dev" /mnt/x
	(cd /mnt/x && sha256sum -c /tmp/sums) >/tmp/check 2>&1 ||
		rig_fail "checksums differ after remount: $(grep -v ': OK' /tmp/check | head -n 3 | tr '\n' ' ')"
	rig_must "umount /mnt/x" umount /mnt/x
	rig_log "ext4: $(wc -l </tmp/sums) files verified after remount, fsck clean"
}

# Highest statistics/f_req of guest NAME's vbd VDEVID while it runs.
poll_back_freq() {
	local name=$1 devid=$2 domid max=0 v f
	domid=$(cat "/tmp/rig-domu/$name/domid")
	f=/sys/bus/xen-backend/devices/vbd-$domid-$devid/statistics/f_req
	while xenstore-exists "/local/domain/$domid" 2>/dev/null; do
		v=$(cat "$f" 2>/dev/null || echo 0)
		[ "$v" -gt "$max" ] && max=$v
		sleep 1
	done
	echo "$max"
}

rig_ramdisks 3 128 --fill
lw=$(rig_log_writes lw /dev/ram1 /dev/ram2)
rig_load_backend stock

echo 1 >/sys/module/xen_blkback/parameters/feature_persistent ||
	rig_fail "cannot set xen-blkback feature_persistent=1"
rig_domu_start g1 --vcpus 2 --mem 512 --front ours --blacklist-stock \
	--front-params "feature_persistent=1 max_queues=2" \
	--env WANT_PERSISTENT=1 --env WANT_QUEUES=2 \
	--disk phy:/dev/ram0,xvda,w --disk "phy:$lw,xvdb,w" \
	--fn "front_guest front_ext4" --timeout 480
bf=$(poll_back_freq g1 51728)
rig_domu_wait g1
[ "$bf" -gt 0 ] || rig_fail "the stock backend's statistics/f_req for xvdb never grew (max $bf)"
rig_log "g1: stock backend statistics/f_req for xvdb reached $bf"

rig_save vbd-xenstore.txt xenstore-ls -f /local/domain/0/backend/vbd
rig_unload_backend
