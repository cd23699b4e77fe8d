#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=480
#
# A guest must not stall dom0's xenwatch thread by closing with slow
# requests queued. The disk is a loop device over a tmpfs file (it
# supports discard) behind dm-delay (400 ms per bio). pvblk-ring attack
# close-under-discards attaches it with a ring of order 2 (128 slots),
# fills every slot but the last 4 (cache flushes) with a discard of the
# whole device - the backend
# issues each synchronously, one after the other, 400 ms apiece - and
# switches to Closing after 2 s (the worker answers nothing before its
# fetch batch is over). At that moment a second, honest VBD (pvblk-ring
# generate on a ramdisk: attach, 64 verified 4 KiB requests in 256 KiB -
# --verify also fills the span and reads it back - detach) starts; both
# need the xenwatch thread. Checked:
#   - the attacker's Closing to the backend's Closed within 5 s: one
#     discard still in the device (400 ms) plus the xenstore round trips
#     of the emulated rig; a backend that serves the ring out before it
#     closes takes 128 x 400 ms, about 50 s;
#   - the honest VBD's whole session within 10 s (it takes 1-3 s in the
#     rig, 5 s on a loaded host; stalled behind the attacker it takes
#     the same 50 s);
#   - every request the attacker posted is answered (the discard in the
#     device served, the rest refused): a closing frontend waits for each
#     request it sent - xen-blkfront's removal hangs on one never
#     answered; the ring's last 4 slots are cache flushes, which refused
#     must still be done for real and answered OKAY (xen-blkfront takes
#     an error on an empty flush for "done");
#   - the drain finishes after Closed: within 30 s pvblkback maps no
#     grant and holds no page, and no vbd node is left;
#   - no hung-task report ("blocked for more than") in dom0's log.
# The rig fails the test on any BUG/WARNING/Oops in dom0's logs.

R=$RIG_RESULTS
DRV=/sys/bus/xen-backend/drivers/pvblkback
IMG=/dev/shm/xwstall.img
DELAY_MS=400
ORDER=2
CLOSE_BOUND_MS=5000
HONEST_BOUND_MS=10000

now_ms() { # bash's clock: the rig's busybox date has no %N
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

rig_ramdisks 1 16 --fill
rig_load_backend ours
rig_must "modprobe loop" modprobe loop
rig_must "creating the 64 MiB backing file" truncate -s 64M "$IMG"
LOOP=$(losetup -f) || rig_fail "no free loop device"
rig_must "losetup $LOOP" losetup "$LOOP" "$IMG"
slow=$(rig_slow_dev xwslow "$LOOP" "$DELAY_MS")
dm=dm-$(dmsetup info -c --noheadings -o minor xwslow | tr -d ' ')
dmax=$(cat "/sys/block/$dm/queue/discard_max_bytes")
[ "${dmax:-0}" -gt 0 ] || rig_fail "$slow ($dm) does not take discards (discard_max_bytes '$dmax')"
rig_log "slow disk $slow ($dm): $DELAY_MS ms per bio, discard_max_bytes $dmax"

rc=0
pvblk-ring attack close-under-discards --dev "$slow" --ring-order $ORDER \
	--timeout 200 --json "$R/attack.json" >"$R/attack.txt" 2>&1 &
apid=$!
rig_wait_for "the attacker to fill its ring and close" 60 \
	grep -q "; closing" "$R/attack.txt"
t0=$(now_ms)
hrc=0
pvblk-ring generate --dev /dev/ram0 --rw randrw --bs 4096 --iodepth 4 --size 256k \
	--count 64 --verify --timeout 200 --json "$R/honest.json" --quiet \
	>"$R/honest.txt" 2>&1 || hrc=$?
honest_ms=$(($(now_ms) - t0))
rig_log "honest VBD session (attach, 64 verified requests, detach): ${honest_ms} ms, exit $hrc"
rig_wait_exit $apid 240 || rig_fail "pvblk-ring attack did not exit within 240 s"
wait $apid || rc=$?
cat "$R/attack.txt"
closed_ms=$(sed -n 's/.*closed_ms \([0-9]*\).*/\1/p' "$R/attack.txt" | head -1)
inflight_ms=$(sed -n 's/.*discards in flight after \([0-9]*\) ms.*/\1/p' "$R/attack.txt" | head -1)
rig_log "attacker: first discard answered after ${inflight_ms:-?} ms; Closing to Closed ${closed_ms:-?} ms"

rig_wait_for "pvblkback to unmap every grant and free every page" 30 \
	sh -c "[ \"\$(cat $DRV/grants_mapped)\" = 0 ] && [ \"\$(cat $DRV/pages)\" = 0 ]"
hung=$(dmesg | grep -c "blocked for more than")
rig_save dmesg-pvblk.txt sh -c "dmesg | grep -E 'pvblk|blocked for more than'"
rig_save timings.txt echo "closed_ms=${closed_ms:-} honest_ms=$honest_ms inflight_ms=${inflight_ms:-}"

answered=$(sed -n 's/.*; \([0-9]*\) of [0-9]* answered.*/\1/p' "$R/attack.txt" | head -1)
rig_expect_eq "requests answered (served or refused) of the ring's $((32 << ORDER))" \
	"${answered:-none}" $((32 << ORDER))
flushed=$(sed -n 's/.* answered, \([0-9]*\) of 4 flushes OKAY.*/\1/p' "$R/attack.txt" | head -1)
rig_expect_eq "refused flushes done and answered OKAY" "${flushed:-none}" 4
rig_expect_eq "attack close-under-discards (exit status)" "$rc" 0
rig_expect_eq "honest VBD (exit status)" "$hrc" 0
rig_expect_eq "honest VBD errors" "$(rig_json_int "$R/honest.json" errors)" 0
rig_expect_eq "honest VBD verify_errors" "$(rig_json_int "$R/honest.json" verify_errors)" 0
[ -n "$inflight_ms" ] && [ "$inflight_ms" -ge $((DELAY_MS * 3 / 4)) ] ||
	rig_fail "the first discard came back after ${inflight_ms:-?} ms: not delayed, nothing exercised"
[ -n "$closed_ms" ] || rig_fail "no Closing-to-Closed time in the attacker's output"
[ "$closed_ms" -le $CLOSE_BOUND_MS ] ||
	rig_fail "Closing to Closed took ${closed_ms} ms (bound ${CLOSE_BOUND_MS} ms): the close waited for the ring's requests"
[ "$honest_ms" -gt 0 ] || rig_fail "the honest VBD took ${honest_ms} ms: the clock does not work"
[ "$honest_ms" -le $HONEST_BOUND_MS ] ||
	rig_fail "the honest VBD took ${honest_ms} ms (bound ${HONEST_BOUND_MS} ms): xenwatch was stalled"
rig_expect_eq "hung-task reports in dom0's log" "$hung" 0
rig_no_vbd_nodes_left xenwatch-stall
rig_no_grants_left xenwatch-stall
rig_no_pages_left xenwatch-stall

rig_must "dmsetup remove xwslow" dmsetup remove xwslow
rig_must "losetup -d $LOOP" losetup -d "$LOOP"
rm -f "$IMG"
rig_log "xenwatch-stall: Closed after ${closed_ms} ms, honest VBD in ${honest_ms} ms, nothing left"
