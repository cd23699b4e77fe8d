#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1500 mem=3G dom0_mem=1536M
#
# pvblkfront across a guest's lifecycle, over the stock xen-blkback and
# then over pvblkback (which must also leave no grant mapping and no page
# behind once the guest is gone). Every disk is slow storage (dm-delay,
# 20 ms per request over a ramdisk), so requests are in flight at the
# backend at every transition:
#
#  g1  xl save + xl restore of a 2-vCPU guest while fio verify=crc32c runs
#      on xvda: the disk must reconnect within 60 s of the restore (with
#      requests held since the suspend), and the job must then complete
#      with no I/O error and no data mismatch (in-flight requests are
#      re-issued after resume).
#      (Live migration cannot be tried here: Xen refuses PV log-dirty mode,
#      "Failed to enable logdirty: 95", see Documentation/testing.rst.)
#  (Detach and unbind under I/O: tests/rig/front-detach.sh.)
#  g3  (pvblkback only) restore onto a backend that offers less: saved
#      while fio verify=crc32c writes 1 MiB O_DSYNC blocks (FUA writes,
#      which the block layer sequences with a flush after each) through
#      256-segment indirect requests on 2 queues with persistent grants,
#      on a disk with a write cache; before the restore pvblkback is set
#      to max_indirect_segments=0 max_queues=1 feature_persistent=0.
#      After the restore the guest must show the new connection (1 queue,
#      no persistent grants, no indirect segments), fio must complete with
#      no error and no mismatch, and pvblkfront's resubmitted count must
#      be non-zero: requests too big for the new backend - flush-sequence
#      writes among them - went back to the block layer to be split, none
#      failed. (From a second before the save until the restore the disk
#      holds requests 500 ms, so the suspend always finds some in flight.)
#  g4  (pvblkback only) the same writes - 64 MiB once, not 100 MiB
#      twice: after the restore every write is a barrier of at most 11
#      segments, slow on this disk - saved sooner, with requests held
#      across the save as for g3, and restored onto a pvblkback that
#      offers barriers only (flush_mode=barrier): the guest must show the
#      barrier cache mode (FUA claimed, 11 segments per request), fio must
#      complete clean and requests must have been resubmitted.

save_guest() {
	rig_wait_dev /dev/xvda 30
	rig_module_loaded pvblkfront || rig_fail "pvblkfront is not loaded"
	rig_log "fio-started"
	rig_fio saverestore --filename=/dev/xvda --direct=1 --ioengine=libaio \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--rw=randwrite --bs=16k --size=64M --iodepth=16
	rig_save stats.txt grep -r . /sys/block/xvda/pvblkfront
	[ "$(cat /sys/block/xvda/pvblkfront/errors)" = 0 ] ||
		rig_fail "frontend counted I/O errors across save/restore"
}

# WANT_FEAT / WANT_CACHE: the connection expected after the restore.
shrink_guest() {
	local feat
	rig_wait_dev /dev/xvda 30
	feat=$(head -n 1 /sys/block/xvda/pvblkfront/features)
	[[ "$feat" == "queues 2 "*" persistent 1 indirect 256" ]] ||
		rig_fail "before the save: features '$feat', want 2 queues, persistent, 256 indirect segments"
	[[ "$(sed -n 2p /sys/block/xvda/pvblkfront/features)" == "cache 1 "* ]] ||
		rig_fail "before the save: not in flush-cache mode: $(sed -n 2p /sys/block/xvda/pvblkfront/features)"
	rig_log "fio-started"
	rig_fio shrink --filename=/dev/xvda --direct=1 --sync=1 --ioengine=libaio \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		--rw=randwrite --bs=1M --size="$JOB_SIZE" --loops="$JOB_LOOPS" --iodepth=16
	rig_save stats.txt grep -r . /sys/block/xvda/pvblkfront
	feat=$(head -n 1 /sys/block/xvda/pvblkfront/features)
	# shellcheck disable=SC2053 # WANT_FEAT is a glob pattern
	[[ "$feat" == $WANT_FEAT ]] ||
		rig_fail "after the restore: features '$feat', want '$WANT_FEAT'"
	feat=$(sed -n 2p /sys/block/xvda/pvblkfront/features)
	[[ "$feat" == "cache $WANT_CACHE "* ]] ||
		rig_fail "after the restore: '$feat', want cache mode $WANT_CACHE"
	[ "$(cat /sys/block/xvda/pvblkfront/errors)" = 0 ] ||
		rig_fail "frontend counted I/O errors across the restore"
	[ "$(cat /sys/block/xvda/pvblkfront/resubmitted)" -gt 0 ] ||
		rig_fail "no request was resubmitted for the smaller backend"
	rig_log "after the restore: $feat, $(cat /sys/block/xvda/pvblkfront/resubmitted) request(s) resubmitted"
}

# Wait until guest NAME's console shows WORD.
wait_console() {
	rig_wait_for "guest $1 to print $2" "$3" \
		grep -q "$2" "/var/log/xen/console/guest-$1.log"
}

# Wait up to SECONDS for guest NAME's xvda (vbd 51712) frontend to be
# Connected (4); returns 1 if it is not by then.
front_connected() { # name seconds
	local st
	st=/local/domain/$(cat "/tmp/rig-domu/$1/domid")/device/vbd/51712/state
	rig__wait_quiet "$2" sh -c "[ \"\$(xenstore-read $st)\" = 4 ]"
}

# Set the delay of dm-delay device NAME (the one-device form of
# rig_slow_dev) to MS milliseconds; dm flushes what it holds on suspend.
set_delay() { # name ms
	local table
	table=$(DM_DISABLE_UDEV=1 dmsetup table "$1") || rig_fail "no dm table for $1"
	DM_DISABLE_UDEV=1 dmsetup suspend "$1" &&
		DM_DISABLE_UDEV=1 dmsetup reload "$1" --table "${table% *} $2" &&
		DM_DISABLE_UDEV=1 dmsetup resume "$1" ||
		rig_fail "cannot set the delay of $1 to $2 ms"
}

# Save guest NAME once it has run fio for SAVE_AFTER seconds (default 4),
# run CMD..., restore it, wait for it. With HOLD_DEV set (a dm-delay
# device's name), the device holds every request 500 ms from a second
# before the save until the restore: the guest's suspend, which takes a
# few milliseconds, then certainly finds requests in flight, whatever the
# moment it comes.
save_restore() { # label name cmd...
	local b=$1 g=$2 out
	shift 2
	wait_console "$g" fio-started 400
	sleep "${SAVE_AFTER:-4}"
	if [ -n "${HOLD_DEV:-}" ]; then
		set_delay "$HOLD_DEV" 500
		sleep 1
	fi
	out=$(xl save "$g" "/tmp/$g.save" 2>&1) || rig_fail "$b: xl save $g failed: $out"
	rig_log "$b: $g saved ($(du -m "/tmp/$g.save" | cut -f1) MiB)"
	! xl domid "$g" >/dev/null 2>&1 || rig_fail "$b: $g still exists after xl save"
	"$@"
	out=$(xl restore "/tmp/$g.save" 2>&1) || rig_log "xl restore exited non-zero: $out"
	rig_wait_for "$g to be restored" 20 xl domid "$g"
	xl domid "$g" >"/tmp/rig-domu/$g/domid"
	rig_log "$b: $g restored as domid $(cat "/tmp/rig-domu/$g/domid")"
	[ -z "${HOLD_DEV:-}" ] || set_delay "$HOLD_DEV" 20
	rm -f "/tmp/$g.save"
	# The guest's xenwatch reconnects the disk with requests held since
	# the suspend: the frontend must reach Connected within seconds (a
	# reconnect that waits for those requests never gets there).
	front_connected "$g" 60 ||
		rig_fail "$b: $g's disk did not reconnect within 60 s of the restore ($(rig__vbd_states "$(cat "/tmp/rig-domu/$g/domid")" xvda))"
	rig_log "$b: $g's disk reconnected"
	rig_domu_wait "$g"
	mv "$RIG_RESULTS/guests/$g" "$RIG_RESULTS/guests/$g-$b"
}

# pvblkback offers less from now on (new connections only).
shrink_backend() {
	local p=/sys/module/pvblkback/parameters
	echo 0 >$p/max_indirect_segments && echo 1 >$p/max_queues &&
		echo 0 >$p/feature_persistent ||
		rig_fail "cannot lower pvblkback's parameters"
	rig_log "pvblkback now offers no indirect segments, 1 queue, no persistent grants"
}

barrier_backend() {
	echo barrier >/sys/module/pvblkback/parameters/flush_mode ||
		rig_fail "cannot set pvblkback's flush_mode"
	rig_log "pvblkback now offers feature-barrier only"
}

# Guest NAME writes O_DSYNC through 2 queues, persistent grants and
# 256-segment requests; it is saved, CHANGE lowers what pvblkback offers,
# and it is restored: its connection must then match WANT_FEAT and
# WANT_CACHE (shrink_guest). The job writes SIZE LOOPS times (then reads
# it back), and the save comes SAVE_AFTER seconds into it, with the disk
# holding every request across the save.
restore_onto_less() { # name change want_feat want_cache size loops
	rig_load_backend ours max_queues=2
	rig_domu_start "$1" --vcpus 2 --mem 384 --front ours --blacklist-stock \
		--front-params "max_indirect_segments=256 max_queues=2" \
		--env "WANT_FEAT=$3" --env "WANT_CACHE=$4" \
		--env "JOB_SIZE=$5" --env "JOB_LOOPS=$6" \
		--disk "phy:$SLOWWC,xvda,w" --fn shrink_guest --timeout 480
	HOLD_DEV=slowwc save_restore ours "$1" "$2"
	rig_no_grants_left "after $1"
	rig_unload_backend
}

# A disk with a write cache (a loop device over a tmpfs file claims one)
# under 20 ms of delay, so that O_DSYNC writes become flush sequences.
cached_slow_dev() {
	local loopdev
	rig_must "modprobe loop" modprobe loop
	mkdir -p /mnt/wc
	rig_must "mount tmpfs" mount -t tmpfs -o size=160M tmpfs /mnt/wc
	rig_must "create the image" truncate -s 128M /mnt/wc/disk.img
	loopdev=$(losetup -f) || rig_fail "no free loop device"
	rig_must "losetup $loopdev" losetup "$loopdev" /mnt/wc/disk.img
	[ "$(cat "/sys/block/${loopdev#/dev/}/queue/write_cache")" = "write back" ] ||
		rig_fail "$loopdev claims no write cache"
	rig_slow_dev slowwc "$loopdev" 20
}

# Both legs over BACKEND (stock: xen-blkback, ours: pvblkback).
lifecycle() {
	local b=$1
	rig_load_backend "$b"
	rig_domu_start g1 --vcpus 2 --mem 384 --front ours --blacklist-stock \
		--disk "phy:$SLOW0,xvda,w" --fn save_guest --timeout 480
	# 64 MiB of 16 KiB writes at 20 ms take 5 s at the very least: 2 s
	# in, the save certainly finds writes in flight
	SAVE_AFTER=2 save_restore "$b" g1 true
	if [ "$b" = ours ]; then
		rig_no_grants_left "after g1"
		rig_no_pages_left "after g1"
	fi
	rig_unload_backend
}

rig_ramdisks 1 128 --fill
# Slow storage: whatever the guest has in flight when it is saved or its
# disk detached is certainly still at the backend.
SLOW0=$(rig_slow_dev slow0 /dev/ram0 20)
lifecycle stock
lifecycle ours
SLOWWC=$(cached_slow_dev)
restore_onto_less g3 shrink_backend "queues 1 * persistent 0 indirect 0" 1 100M 2
SAVE_AFTER=1 restore_onto_less g4 barrier_backend "queues 2 * persistent 1 indirect *" 2 64M 1
rig_must "remove slowwc" dmsetup remove slowwc
rig_must "detach the loop device" losetup -d "$(losetup -a | awk -F: '/\/mnt\/wc\/disk.img/ { print $1; exit }')"
rig_must "unmount /mnt/wc" umount /mnt/wc
rig_log "front-lifecycle: save/restore under I/O passed over xen-blkback and pvblkback, and restores during O_DSYNC writes onto a smaller and onto a barrier-only pvblkback"
