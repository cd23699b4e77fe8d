#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=480
#
# Teardown while bios complete: a completion must be finished with the
# ring before teardown frees it. pvblk-ring (the harness frontend in
# dom0) puts 32 reads in flight on a dm-delay device (20 ms) over a
# ramdisk and switches to Closing at once, so pvblkback tears the ring
# down while the reads complete; this 10 times. The test fixture
# pvblk_wakedelay (tests/kmod/wakedelay) holds every completion's
# wake-up of the ring's wait queue 100 ms, where the completion has
# queued its request for the worker, and watches pvblkback's kfree() of
# its rings:
#   - every teardown reaches Closed (pvblk-ring exits 0);
#   - the fixture held wake-ups (delayed > 0) and saw no ring freed while
#     one of its wake-ups was pending (freed = 0): with the wake-up after
#     the unlock, teardown reaps the last request without sleeping and
#     frees the ring under it (reported and, the fixture's defuse, the
#     wake-up redirected); RIG_MEMDEBUG=1 adds slab poisoning;
#   - afterwards no grant, page or vbd node is left.
# The rig fails the test on any BUG (slub "Poison overwritten"),
# WARNING or Oops.

R=$RIG_RESULTS
WD=/sys/module/pvblk_wakedelay/parameters
ROUNDS=10

rig_ramdisks 1 16 --fill
rig_load_backend ours
slow=$(rig_slow_dev twslow /dev/ram0 20)
# keep kprobes in their int3 form: no jump patched in later under I/O
echo 0 >/proc/sys/debug/kprobes-optimization 2>/dev/null
rig_must "insmod pvblk_wakedelay" insmod "$(rig_mod_path pvblk_wakedelay)" delay_ms=100
rig_log "pvblk_wakedelay: $(cat $WD/nr_sites) site(s) probed"

fails=0
for ((i = 1; i <= ROUNDS; i++)); do
	rc=0
	timeout 120 pvblk-ring attack teardown-inflight --dev "$slow" \
		--json "$R/teardown-$i.json" >"$R/teardown-$i.txt" 2>&1 || rc=$?
	freed=$(cat $WD/freed)
	rig_log "round $i: pvblk-ring exit $rc, wake-ups held $(cat $WD/delayed), freed while held $freed"
	[ "$rc" = 0 ] || fails=$((fails + 1))
	[ "$freed" = 0 ] || break
done
sleep 1 # a wake-up still held after pvblk-ring's last exit: let it end
delayed=$(cat $WD/delayed)
freed=$(cat $WD/freed)
rig_save wakedelay.txt grep -r . $WD
rig_rmmod pvblk_wakedelay
rig_save dmesg-pvblk.txt sh -c "dmesg | grep -E 'pvblk'"
rig_expect_eq "rings freed while a completion was about to wake them" "$freed" 0
[ "$delayed" -gt 0 ] || rig_fail "pvblk_wakedelay held no wake-up: the window was never exercised"
rig_expect_eq "teardowns that did not reach Closed (pvblk-ring exit status)" "$fails" 0
rig_no_vbd_nodes_left teardown-wake
rig_no_grants_left teardown-wake
rig_no_pages_left teardown-wake
rig_log "$ROUNDS teardowns with reads completing: $delayed wake-ups held, none on a freed ring"
