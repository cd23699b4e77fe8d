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
# Over the stock xen-blkback and over pvblkback (feature_persistent=0),
# in one 2-vCPU guest each:
#  unbind  xvdc (a fresh ext4, made by dom0 on the ramdisk before the
#          delay goes over it: mkfs through 300 ms per request would take
#          half a minute) unbound from pvblkfront in the guest while it
#          is mounted and written to: the unbind must return, the writer
#          must see errors; xvdc bound again must come back with its data
#          readable (the backend let go of the old connection's grants
#          and served a new one).
#  detach  xl block-detach of xvdb while fio runs 64 KiB random reads and
#          writes at iodepth 32: fio must end with errors, not hang;
#          /dev/xvdb must go away.
# Then the guest churns its memory and must stay healthy; pvblkback must
# hold no grant mapping and no page afterwards.

MEMDEBUG="page_poison=1 slub_debug=FZP"

# Write and free most of the guest's free memory: pages the backend wrote
# into after they were freed are checked as they are allocated again (the
# allocator hands out recently freed pages first).
churn_memory() {
	local mb
	mb=$(awk '/^MemAvailable:/ { print int($2 / 1024 * 0.7) }' /proc/meminfo)
	dd if=/dev/zero of=/dev/shm/churn bs=1M count="$mb" 2>/dev/null
	rm -f /dev/shm/churn
}

unbind_disk() {
	local drv=/sys/bus/xen/drivers/pvblkfront dev=vbd-51744 pid t0
	rig_wait_dev /dev/xvdc 30
	mkdir -p /mnt/c && mount -t ext4 /dev/xvdc /mnt/c || rig_fail "cannot mount /dev/xvdc"
	echo keep >/mnt/c/before && sync
	fio --name=unbind --directory=/mnt/c --direct=1 --ioengine=libaio \
		--rw=randrw --bs=64k --size=32M --iodepth=32 --time_based \
		--runtime=240 >/tmp/fio-unbind.out 2>&1 &
	pid=$!
	sleep 5
	t0=$(date +%s)
	timeout 60 sh -c "echo $dev >$drv/unbind" ||
		rig_fail "unbinding xvdc from pvblkfront under I/O failed or hung"
	rig_log "xvdc unbound while mounted, in $(($(date +%s) - t0))s"
	rig_wait_exit "$pid" 60 || rig_fail "fio still running 60 s after the unbind"
	wait "$pid" && rig_fail "fio on an unbound disk reported success"
	rig_collect /tmp/fio-unbind.out fio-unbind.txt
	umount -l /mnt/c 2>/dev/null
	echo "$dev" >"$drv/bind" || rig_fail "cannot bind xvdc to pvblkfront again"
	rig_wait_dev /dev/xvdc 30
	mount -t ext4 -o ro /dev/xvdc /mnt/c || rig_fail "xvdc does not mount after the rebind"
	[ "$(cat /mnt/c/before)" = keep ] || rig_fail "xvdc's data is not readable after the rebind"
	umount /mnt/c
	rig_log "xvdc bound again and readable"
}

detach_guest() {
	local rc=0 t0
	unbind_disk
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
	rig_save held.txt grep -H . /sys/block/xvd*/pvblkfront/held
	rig_log "xvdb gone after detach, guest alive, memory churned"
}

leg() { # backend
	local b=$1 out domid
	# xvdc: a fresh ext4, made on the ramdisk before the delay goes
	# over it
	# (the previous leg's backend may still be letting go of it)
	[ -z "${SLOWC:-}" ] ||
		rig_wait_for "the previous leg's slowc to be removable" 30 \
			env DM_DISABLE_UDEV=1 dmsetup remove slowc
	rig_must "mkfs.ext4 for xvdc" mkfs.ext4 -q -F -E nodiscard /dev/ram2
	SLOWC=$(rig_slow_dev slowc /dev/ram2 300)
	rig_domu_start d1 --vcpus 2 --mem 512 --front ours --blacklist-stock \
		--cmdline "$MEMDEBUG" --disk "phy:/dev/ram0,xvda,w" \
		--disk "phy:$SLOWB,xvdb,w" --disk "phy:$SLOWC,xvdc,w" \
		--fn "detach_guest unbind_disk churn_memory" --timeout 400
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

rig_ramdisks 3 128 --fill
SLOWB=$(rig_slow_dev slowb /dev/ram1 300)
SLOWC=

rig_load_backend stock feature_persistent=0
leg stock
rig_unload_backend

rig_load_backend ours feature_persistent=0
leg ours
rig_no_grants_left "after the detach and unbind"
rig_no_pages_left "after the detach and unbind"
rig_unload_backend
rig_log "front-detach: detach and unbind under I/O on slow storage, no stray write into freed guest memory"
