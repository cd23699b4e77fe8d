#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1500 mem=3G dom0_mem=1536M
#
# pvblkfront gives up a disk with requests in flight at the backend and
# must never let the backend write into memory it has freed or handed
# back. The disk is slow storage (dm-delay, 300 ms per request) and the
# backend grants are not persistent, so the backend maps the guest's own
# data pages (and the rings) for as long as a request is out. Every
# guest boots with page poisoning and slub_debug: a late write into a
# freed page shows up as "pagealloc: memory corruption" (or a slub
# "Poison overwritten") in the guest's log, which fails the test, and
# the guest churns its memory after each leg to find such pages.
#
# Over the stock xen-blkback and over pvblkback (feature_persistent=0):
#  detach  xl block-detach of xvdb while fio runs 64 KiB random reads and
#          writes at iodepth 32: fio must end with errors, not hang;
#          /dev/xvdb must go away and the guest stay healthy.
#  unbind  xvdb unbound from pvblkfront in the guest while it is mounted
#          and written to: the unbind must return, the writer must see
#          errors, the guest stay healthy; xvdb bound again must come
#          back with its data readable (the backend let go of the old
#          connection's grants and served a new one).
# pvblkback must hold no grant mapping and no page afterwards.

MEMDEBUG="page_poison=1 slub_debug=FZP"

# Write and free most of the guest's free memory a few times: pages the
# backend wrote into after they were freed are checked as they are
# allocated again.
churn_memory() {
	local i mb
	for i in 1 2 3; do
		mb=$(awk '/^MemAvailable:/ { print int($2 / 1024 * 0.6) }' /proc/meminfo)
		dd if=/dev/zero of=/dev/shm/churn bs=1M count="$mb" 2>/dev/null
		rm -f /dev/shm/churn
		sleep 1
	done
}

detach_guest() {
	local rc=0 t0
	rig_wait_dev /dev/xvdb 30
	rig_log "fio-started"
	t0=$(date +%s)
	fio --name=detach --filename=/dev/xvdb --direct=1 --ioengine=libaio \
		--rw=randrw --bs=64k --size=120M --iodepth=32 --time_based \
		--runtime=240 >/tmp/fio.out 2>&1 || rc=$?
	rig_collect /tmp/fio.out fio-detach.txt
	[ "$rc" != 0 ] || rig_fail "fio on a detached disk reported success"
	rig_log "fio ended with status $rc after $(($(date +%s) - t0))s: $(grep -m 1 -i 'error' /tmp/fio.out)"
	rig_wait_for "/dev/xvdb to disappear" 30 test ! -e /dev/xvdb
	# The backend finishes what it had in flight after the detach.
	sleep 3
	churn_memory
	rig_log "xvdb gone after detach, guest alive, memory churned"
}

unbind_guest() {
	local drv=/sys/bus/xen/drivers/pvblkfront dev=vbd-51728 pid t0
	rig_wait_dev /dev/xvdb 30
	mkfs.ext4 -q -F /dev/xvdb || rig_fail "mkfs.ext4 /dev/xvdb failed"
	mkdir -p /mnt/b && mount -t ext4 /dev/xvdb /mnt/b || rig_fail "cannot mount /dev/xvdb"
	echo keep >/mnt/b/before && sync
	fio --name=unbind --directory=/mnt/b --direct=1 --ioengine=libaio \
		--rw=randrw --bs=64k --size=32M --iodepth=32 --time_based \
		--runtime=240 >/tmp/fio.out 2>&1 &
	pid=$!
	sleep 5
	t0=$(date +%s)
	timeout 60 sh -c "echo $dev >$drv/unbind" ||
		rig_fail "unbinding xvdb from pvblkfront under I/O failed or hung"
	rig_log "xvdb unbound while mounted, in $(($(date +%s) - t0))s"
	rig_wait_exit "$pid" 60 || rig_fail "fio still running 60 s after the unbind"
	wait "$pid" && rig_fail "fio on an unbound disk reported success"
	rig_collect /tmp/fio.out fio-unbind.txt
	umount -l /mnt/b 2>/dev/null
	sleep 3
	churn_memory
	echo "$dev" >"$drv/bind" || rig_fail "cannot bind xvdb to pvblkfront again"
	rig_wait_dev /dev/xvdb 30
	mount -t ext4 -o ro /dev/xvdb /mnt/b || rig_fail "xvdb does not mount after the rebind"
	[ "$(cat /mnt/b/before)" = keep ] || rig_fail "xvdb's data is not readable after the rebind"
	umount /mnt/b
	churn_memory
	rig_log "xvdb bound again and readable; guest alive, memory churned"
}

detach_leg() { # backend
	local b=$1 out domid
	rig_domu_start d1 --vcpus 2 --mem 512 --front ours --blacklist-stock \
		--cmdline "$MEMDEBUG" --disk "phy:/dev/ram0,xvda,w" \
		--disk "phy:$SLOW,xvdb,w" --fn "detach_guest churn_memory" \
		--timeout 400
	rig_wait_for "guest d1 to start fio" 400 \
		grep -q fio-started /var/log/xen/console/guest-d1.log
	sleep 5
	domid=$(cat /tmp/rig-domu/d1/domid)
	out=$(timeout 60 xl block-detach "$domid" xvdb 2>&1) ||
		rig_fail "$b: xl block-detach of xvdb under I/O failed or hung: $out"
	rig_log "$b: xvdb detached from d1 under I/O"
	rig_domu_wait d1
	mv "$RIG_RESULTS/guests/d1" "$RIG_RESULTS/guests/d1-$b"
}

unbind_leg() { # backend
	local b=$1
	rig_domu_start u1 --vcpus 2 --mem 512 --front ours --blacklist-stock \
		--cmdline "$MEMDEBUG" --disk "phy:/dev/ram0,xvda,w" \
		--disk "phy:$SLOW,xvdb,w" --fn "unbind_guest churn_memory" \
		--timeout 400
	rig_domu_wait u1
	mv "$RIG_RESULTS/guests/u1" "$RIG_RESULTS/guests/u1-$b"
}

rig_ramdisks 2 128 --fill
SLOW=$(rig_slow_dev slow1 /dev/ram1 300)

rig_load_backend stock feature_persistent=0
detach_leg stock
unbind_leg stock
rig_unload_backend

rig_load_backend ours feature_persistent=0
detach_leg ours
unbind_leg ours
rig_no_grants_left "after the detach and unbind legs"
rig_no_pages_left "after the detach and unbind legs"
rig_unload_backend
rig_log "front-detach: detach and unbind under I/O on slow storage, no stray write into freed guest memory"
