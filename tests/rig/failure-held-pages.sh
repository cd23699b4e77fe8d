#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=480 fresh=1
#
# A boot of its own: the teardown leg leaves pvblkback holding the grants
# it leaked by design, which only a reboot gives back.
#
# Held pages, deterministically (Documentation/failure-modes-stray.rst).
# The backing device is
# /dev/holdref0 of the test fixture pvblk_holdref (tests/kmod/holdref):
# a RAM disk that keeps a reference to every bio page for hold_ms after it
# completed the bio, as a zero-copy network send may. Served by pvblkback
# to dom0's stock xen-blkfront (xl block-attach 0), stock xen-blkback made
# unloadable.
#
# Legs with persistent grants on (pvblkback's cache cut to 64 grants, so
# misses are mapped per request and idle grants are evicted while held)
# and then off, hold_ms 200:
#   - fio verify=crc32c (4 KiB random, then 4..128 KiB mixed) passes;
#   - statistics/unmap_deferred > 0: pvblkback did wait for held pages;
#   - the fixture saw no held page change (changed_while_held): no
#     request was answered - and so no page reused by the frontend -
#     while its page was held;
#   - detach: the fixture's held_pages back to 0, grants_mapped 0,
#     pvblkback's pages 0, no vbd node left.
# Teardown: persistent grants, hold_ms 20000 (above pvblkback's teardown
# wait, held_pages_wait_seconds=5 here), eight direct writes held in
# flight (unanswered: fio waits), an immediate detach: the detach
# completes, dmesg shows pvblkback's leak line(s) naming the 5 s wait,
# fio ends once pvblkback answers at teardown,
# the leaked pages are exactly what grants_mapped and pages still count, the
# fixture's references expire and it unloads with none left, and
# pvblkback then serves a ramdisk with verified data. The rig fails the
# test on any oops, BUG, WARNING or hung task.

DEV=/dev/holdref0
HR=/sys/block/holdref0/holdref
HRP=/sys/module/pvblk_holdref/parameters
SYS=/sys/bus/xen-backend/devices/vbd-0-51712
DRV=/sys/bus/xen-backend/drivers/pvblkback
BEP=/sys/module/pvblkback/parameters
HOLD_MS=200
HELD_WAIT=5              # pvblkback's held_pages_wait_seconds
TEARDOWN_HOLD_MS=20000   # > HELD_WAIT, with margin for a slow detach
SMALL_CACHE=64

fio_v=(--filename=/dev/xvda --direct=1 --ioengine=libaio --verify=crc32c
	--verify_fatal=1 --do_verify=1)

hr_stat() {
	cat "$HR/$1"
}

be_stat() {
	cat "$SYS/statistics/$1"
}

put() {
	echo "$1" >"$2" 2>/dev/null || rig_fail "cannot write '$1' to $2"
}

grants() {
	cat "$DRV/grants_mapped"
}

# Wait until the fixture holds no page reference (its holds expired).
wait_released() {
	rig_wait_for "$1: pvblk_holdref's held_pages back to 0 (now $(hr_stat held_pages))" \
		"$2" sh -c "[ \"\$(cat $HR/held_pages)\" = 0 ]"
}

# After a detach: the backend device gone, no grant mapped and no page
# held beyond WANT (the leaked ones), no vbd node left in xenstore.
detached_clean() {
	local tag=$1 want=$2
	rig_wait_for "$tag: backend device $SYS to go" 40 test ! -e "$SYS"
	# the reaper unmaps, then frees a ring's page pool last (it may
	# answer a closing frontend for up to 2 s before)
	rig_backend_count_is grants_mapped "$want" "$tag: grants mapped after the detach"
	rig_backend_count_is pages "$want" "$tag: pages pvblkback holds after the detach"
	rig_no_vbd_nodes_left "$tag"
}

set_persistent() {
	put "$1" "$BEP/feature_persistent"
	put "$1" /sys/module/xen_blkfront/parameters/feature_persistent
}

# One verify leg: persistent grants P (1 or 0).
leg() {
	local p=$1 tag=p$1 changed0 total0 deferred changed
	set_persistent "$p"
	if [ "$p" = 1 ]; then
		put "$SMALL_CACHE" "$BEP/max_persistent_grants"
	else
		put "$default_cache" "$BEP/max_persistent_grants"
	fi
	put "$HOLD_MS" "$HRP/hold_ms"
	changed0=$(hr_stat changed_while_held)
	total0=$(hr_stat held_total)
	rig_dom0_attach "$DEV" xvda w
	rig_expect_eq "$tag connection/persistent" "$(cat "$SYS/connection/persistent")" "$p"

	rig_fio "$tag-rand4k" "${fio_v[@]}" --rw=randwrite --bs=4k --size=2M \
		--iodepth=32
	rig_fio "$tag-mixed" "${fio_v[@]}" --rw=randwrite --offset=8M \
		--bssplit=4k/30:64k/40:128k/30 --size=12M --iodepth=16
	rig_save "$tag-stats.txt" grep -r . "$SYS/statistics" "$SYS/connection" "$HR"
	deferred=$(be_stat unmap_deferred)
	[ "$deferred" -gt 0 ] ||
		rig_fail "$tag: statistics/unmap_deferred is 0: pvblkback never waited for a held page"
	[ "$(be_stat np_maps)" -gt 0 ] ||
		rig_fail "$tag: np_maps is 0: no grant was mapped per request"
	if [ "$p" = 1 ]; then
		[ "$(be_stat pgnt_hits)" -gt 0 ] || rig_fail "$tag: persistent, but no cache hit"
	else
		rig_expect_eq "$tag pgnt_mapped" "$(be_stat pgnt_mapped)" 0
	fi
	[ "$(hr_stat held_total)" -gt "$total0" ] ||
		rig_fail "$tag: pvblk_holdref held no page"
	rig_log "$tag: verify ok; unmap_deferred $deferred, np_maps $(be_stat np_maps)," \
		"pgnt_hits $(be_stat pgnt_hits), pgnt_evictions $(be_stat pgnt_evictions)," \
		"holdref held_total $(hr_stat held_total)"
	echo "$tag unmap_deferred $deferred" >>"$RIG_RESULTS/deferred.txt"

	rig_dom0_detach xvda
	wait_released "$tag" 20
	detached_clean "$tag" 0
	changed=$(($(hr_stat changed_while_held) - changed0))
	rig_expect_eq "$tag: held pages changed while held (a request answered under the hold)" "$changed" 0
	rig_expect_eq "$tag hold_failed" "$(hr_stat hold_failed)" 0
	rig_log "$tag: detached clean; changed_while_held +$changed"
}

# Teardown while pages are held past pvblkback's HELD_WAIT s wait.
teardown_leg() {
	local t0 rc=0 lines leaked i dt pid frc
	set_persistent 1
	put "$default_cache" "$BEP/max_persistent_grants"
	put "$HOLD_MS" "$HRP/hold_ms"
	rig_dom0_attach "$DEV" xvda w
	rig_expect_eq "teardown connection/persistent" "$(cat "$SYS/connection/persistent")" 1
	wait_released "teardown: the attach's reads" 20

	put "$TEARDOWN_HOLD_MS" "$HRP/hold_ms"
	# 32 KiB writes, 8 in flight: 8 segments each, direct requests, all
	# cache hits or cached misses. Held, they stay unanswered: fio waits.
	fio --name=teardown-write --filename=/dev/xvda --direct=1 --ioengine=libaio \
		--rw=write --bs=32k --offset=2M --size=256k --iodepth=8 \
		--output="$RIG_RESULTS/fio-teardown-write.txt" >/dev/null 2>&1 &
	pid=$!
	rig_wait_for "teardown: pvblk_holdref to hold the write's pages" 20 \
		sh -c "[ \"\$(cat $HR/held_pages)\" -ge 64 ]"
	rig_save teardown-stats.txt grep -r . "$SYS/statistics" "$HR"
	kill -0 "$pid" 2>/dev/null || rig_fail "teardown: fio ended although its pages are held (answered under the hold)"
	rig_expect_eq "teardown np_maps" "$(be_stat np_maps)" 0
	rig_log "teardown: $(hr_stat held_pages) page(s) held for ${TEARDOWN_HOLD_MS} ms, fio waiting; detaching now"

	t0=$(date +%s)
	timeout 150 xl block-detach 0 xvda >"$RIG_RESULTS/teardown-detach.txt" 2>&1 || rc=$?
	[ "$rc" != 124 ] || rig_fail "teardown: xl block-detach still running after 150 s"
	[ "$rc" = 0 ] || rig_log "teardown: xl block-detach exit status $rc: $(tail -n 1 "$RIG_RESULTS/teardown-detach.txt")"
	for ((i = 0; i < 300; i++)); do
		dmesg | grep -q 'still in use by the storage stack .* left mapped (leaked)' && break
		sleep 0.2
	done
	dt=$(($(date +%s) - t0))
	lines=$(dmesg | grep 'still in use by the storage stack .* left mapped (leaked)')
	[ -n "$lines" ] || rig_fail "teardown: no leak line from pvblkback ${dt}s after the detach"
	[[ "$lines" == *"storage stack $HELD_WAIT s after disconnect"* ]] ||
		rig_fail "teardown: the leak line does not name held_pages_wait_seconds=$HELD_WAIT: $lines"
	rig_log "teardown: pvblkback after ${dt}s: $lines"
	if [ "$rc" != 0 ]; then
		# libxl waits 10 s for the backend to close and gave up
		# (a slow host): it left the (closed) vbd nodes. What
		# an operator does: detach again, once both ends are closed.
		rig_wait_for "teardown: the backend to close (state 6)" 30 \
			sh -c '[ "$(xenstore-read /local/domain/0/backend/vbd/0/51712/state)" = 6 ]'
		rig_must "teardown: the second xl block-detach" timeout 60 xl block-detach 0 xvda
		rig_log "teardown: second xl block-detach ok"
	fi
	rig_wait_for "teardown: /dev/xvda to go" 40 test ! -e /dev/xvda
	rig_wait_exit "$pid" 30 || rig_fail "teardown: fio still waiting 30 s after its disk went"
	frc=0
	wait "$pid" || frc=$?
	rig_log "teardown: fio ended with exit status $frc once pvblkback answered at teardown"
	leaked=$(sed -n 's/.*ring [0-9]*: \([0-9]*\) page(s) still in use by the storage stack.*/\1/p' <<<"$lines" |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$leaked" -gt 0 ] || rig_fail "teardown: cannot read the leaked page count from: $lines"
	detached_clean teardown "$leaked"
	echo "teardown leaked $leaked detach ${dt}s xl-status $rc" >>"$RIG_RESULTS/deferred.txt"

	# The references expire; the fixture unloads with none left.
	wait_released "teardown: the ${TEARDOWN_HOLD_MS} ms hold" 60
	rig_wait_for "rmmod pvblk_holdref" 20 rmmod pvblk_holdref
	dmesg | grep -q 'pvblk_holdref: unloaded: 0 page reference(s) still held' ||
		rig_fail "pvblk_holdref unloaded without its 'unloaded: 0 page reference(s)' line: $(dmesg | grep pvblk_holdref | tail -n 2)"
	[ ! -e /sys/block/holdref0 ] || rig_fail "/sys/block/holdref0 still there after rmmod"
	rig_expect_eq "grants_mapped after the fixture went" "$(grants)" "$leaked"
	rig_log "teardown: $leaked page(s) leaked by design, still counted in grants_mapped; pvblk_holdref unloaded clean"
}

# pvblkback still serves verified data after the leak.
healthy_after() {
	local want=$1
	rig_ramdisks 1 32
	rig_dom0_attach /dev/ram0 xvda w
	rig_fio after-leak "${fio_v[@]}" --rw=randwrite --bs=4k --size=2M --iodepth=16
	rig_dom0_detach xvda
	detached_clean after-leak "$want"
	rig_log "after the leak: ramdisk verify ok, grants_mapped $(grants) (the leaked ones)"
}

rig_load_frontend stock
rig_blacklist_stock xen-blkback # the stock frontend stays: our peer
rig_load_backend ours held_pages_wait_seconds=$HELD_WAIT
default_cache=$(cat "$BEP/max_persistent_grants")
rig_must "insmod pvblk_holdref" insmod "$(rig_mod_path pvblk_holdref)" hold_ms=$HOLD_MS
rig_wait_dev "$DEV" 10
rig_expect_eq "holdref0 size" "$(blockdev --getsize64 "$DEV")" $((64 << 20))

leg 1
leg 0
teardown_leg
healthy_after "$(grants)"
rig_save dmesg-pvblk.txt sh -c "dmesg | grep -E 'pvblk|holdref'"
rig_log "held pages: $(tr '\n' ' ' <"$RIG_RESULTS/deferred.txt")"
