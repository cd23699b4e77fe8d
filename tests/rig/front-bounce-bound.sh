#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=600 mem=3G dom0_mem=1536M
#
# An untrusted backend without persistent grants (pvblkfront trusted=0,
# pvblkback feature_persistent=0): every byte goes through the frontend's
# own bounce pages, and those must stay within the pool bound of the
# memory plan however much I/O the guest queues. A 2-vCPU 512 MiB guest
# starts 64 concurrent 1 MiB direct writes (fio, 64 threads at iodepth 1)
# on slow storage (dm-delay, 500 ms), so that a full ring of requests is
# in flight on each of the two rings, while the guest's MemAvailable and
# pvblkfront's pool figure are sampled every 0.2 s:
#  - the pool never holds more pages than its bound;
#  - MemAvailable never drops below its value before fio by more than
#    fio's own buffers (64 x 1 MiB), the pool bound and 24 MiB of slack;
#  - every write completes with no error.

bounce_guest() {
	local base min pool max n=0 p bound slack=24 pid rc=0
	rig_wait_dev /dev/xvdb 30
	read -r _ _ _ max < /sys/block/xvdb/pvblkfront/pool
	[[ "$(sed -n 2p /sys/block/xvdb/pvblkfront/features)" == *"trusted 0 "* ]] ||
		rig_fail "xvdb is not in untrusted (bounce) mode"
	base=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
	min=$base
	fio --name=bounce --filename=/dev/xvdb --direct=1 --ioengine=psync \
		--rw=write --bs=1M --size=4M --numjobs=64 --offset_increment=4M \
		--thread --group_reporting >/tmp/fio.out 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		p=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
		[ "$p" -lt "$min" ] && min=$p
		read -r _ pool _ _ < /sys/block/xvdb/pvblkfront/pool
		[ "$pool" -le "$max" ] || rig_fail "pool holds $pool pages, bound $max"
		n=$((n + 1))
		sleep 0.2
	done
	wait "$pid" || rc=$?
	rig_collect /tmp/fio.out fio-bounce.txt
	rig_save stats.txt grep -r . /sys/block/xvdb/pvblkfront
	[ "$rc" = 0 ] || rig_fail "fio failed (status $rc)"
	[ "$(cat /sys/block/xvdb/pvblkfront/errors)" = 0 ] || rig_fail "frontend counted errors"
	bound=$(( (64 + slack) * 1024 + max * 4 ))
	rig_log "MemAvailable before fio $((base / 1024)) MiB, lowest during it $((min / 1024)) MiB (drop $(((base - min) / 1024)) MiB over $n samples); pool bound $max pages; allowed drop $((bound / 1024)) MiB"
	[ $((base - min)) -le "$bound" ] ||
		rig_fail "the guest lost $(((base - min) / 1024)) MiB during fio: more than fio's buffers, the pool bound ($((max * 4 / 1024)) MiB) and ${slack} MiB"
}

rig_ramdisks 2 256
SLOW=$(rig_slow_dev slowbb /dev/ram1 500)
rig_load_backend ours feature_persistent=0
rig_domu_start b1 --vcpus 2 --mem 512 --front ours --blacklist-stock \
	--front-params "trusted=0" --disk "phy:/dev/ram0,xvda,w" \
	--disk "phy:$SLOW,xvdb,w" --fn bounce_guest --timeout 400
rig_domu_wait b1
rig_no_grants_left "after the guest"
rig_unload_backend
rig_log "front-bounce-bound: bounce pages of an untrusted backend stayed within the pool bound"
