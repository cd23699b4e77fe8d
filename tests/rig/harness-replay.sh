#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=600
#
# pvblk-ring record and replay:
#  - record a PV guest's 10 s fio job (stock blkfront, 4 KiB randrw, direct)
#    against pvblkback from its tracepoints; SIGINT ends the recording
#    (exit 0); the trace holds the job's reads and writes;
#  - convert: binary -> text -> binary gives the same bytes;
#  - replay it as fast as possible against pvblkback: the same request
#    count and read/write mix, zero errors, pvblkback's rd_req/wr_req equal
#    the trace's, and with persistent grants pvblkback's misses equal the
#    trace's distinct grant slots and its hits the remaining segments;
#  - replay the text form at the recorded pace against the stock
#    xen-blkback: the same count, mix and zero errors;
#  - no xenstore node and (pvblkback) no grant mapping left afterwards.

# JSON readers and post-run checks: rig_json_*, rig_expect_eq,
# rig_no_vbd_nodes_left, rig_no_grants_left (scripts/rig/guest-lib.sh).
R=$RIG_RESULTS

in_guest() {
	rig_wait_dev /dev/xvda
	rig_fio rec --filename=/dev/xvda --direct=1 --ioengine=libaio --rw=randrw \
		--rwmixread=60 --bs=4k --iodepth=8 --size=32M --runtime=10 --time_based
}

rig_ramdisks 2 64 --fill
rig_load_backend ours

# ---- record the guest's fio job from pvblkback's tracepoints ----
rm -f /tmp/rec.ready
pvblk-ring record --out "$R/guest.trace" --ready-file /tmp/rec.ready >"$R/record.txt" 2>&1 &
rec=$!
rig_wait_for "the recorder to start" 20 test -e /tmp/rec.ready
rig_domu_run g1 --vcpus 1 --mem 512 --front stock --disk phy:/dev/ram0,xvda,w --fn in_guest
kill -INT $rec
rc=0
wait $rec || rc=$?
cat "$R/record.txt"
rig_expect_eq "record exit status" "$rc" 0

# the converter both ways: text and back gives the same bytes
rig_must "convert to text" pvblk-ring convert "$R/guest.trace" "$R/guest.txt"
rig_must "convert back" pvblk-ring convert "$R/guest.txt" /tmp/guest2.trace
cmp "$R/guest.trace" /tmp/guest2.trace || rig_fail "binary -> text -> binary changed the trace"
reads=$(grep -cE ' op=(indirect-)?read ' "$R/guest.txt")
writes=$(grep -cE ' op=(indirect-)?write ' "$R/guest.txt")
[ "$reads" -gt 100 ] && [ "$writes" -gt 100 ] ||
	rig_fail "the trace has $reads reads and $writes writes: fio's job is not in it"
rig_log "recorded $reads reads, $writes writes"

# ---- replay against pvblkback, as fast as possible ----
check_replay() {
	local tag=$1 j=$2
	rig_expect_eq "$tag requests" "$(rig_json_int "$j" requests)" "$(rig_json_int "$j" trace_requests)"
	rig_expect_eq "$tag reads" "$(rig_json_int "$j" reads)" "$reads"
	rig_expect_eq "$tag writes" "$(rig_json_int "$j" writes)" "$writes"
	rig_expect_eq "$tag trace_errors" "$(rig_json_int "$j" trace_errors)" 0
	rig_expect_eq "$tag errors" "$(rig_json_int "$j" errors)" 0
	rig_expect_eq "$tag backend rd_req" "$(rig_json_stat "$j" rd_req)" "$reads"
	rig_expect_eq "$tag backend wr_req" "$(rig_json_stat "$j" wr_req)" "$writes"
}

j=$R/replay-ours.json
rc=0
pvblk-ring replay --dev /dev/ram1 --trace "$R/guest.trace" --iodepth 16 --json "$j" \
	--quiet || rc=$?
rig_expect_eq "replay (pvblkback) exit status" "$rc" 0
check_replay pvblkback "$j"
rig_expect_eq "pvblkback persistent" "$(rig_json_int "$j" persistent)" 1
slots=$(rig_json_int "$j" trace_slots)
segs=$(rig_json_int "$j" trace_segments)
# every slot is one grant: its first use a miss, every other use a hit;
# indirect requests add the replayer's own indirect pages, also grants
ind=$(rig_json_int "$j" indirect_pages_distinct)
ind_uses=$(rig_json_int "$j" indirect_page_uses)
rig_expect_eq "pvblkback pgnt_misses = distinct grant slots + indirect pages" \
	"$(rig_json_stat "$j" pgnt_misses)" $((slots + ind))
rig_expect_eq "pvblkback pgnt_hits = the other uses" "$(rig_json_stat "$j" pgnt_hits)" \
	$((segs + ind_uses - slots - ind))
rig_no_vbd_nodes_left replay-ours
rig_no_grants_left replay-ours
rig_log "replay vs pvblkback: $slots slots, $segs segments, $(rig_json_int "$j" iops) IOPS"

# ---- replay against the stock xen-blkback, at the recorded pace ----
rig_unload_backend
rig_load_backend stock
j=$R/replay-stock.json
rc=0
pvblk-ring replay --dev /dev/ram1 --trace "$R/guest.txt" --pace --json "$j" --quiet || rc=$?
rig_expect_eq "replay (xen-blkback) exit status" "$rc" 0
check_replay xen-blkback "$j"
rig_expect_eq "xen-blkback driver" "$(sed -n 's/^  "backend": "\(.*\)",\{0,1\}$/\1/p' "$j")" vbd
rig_no_vbd_nodes_left replay-stock
rig_log "harness-replay: all checks passed"
