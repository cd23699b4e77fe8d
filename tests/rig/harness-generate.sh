#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=600
#
# pvblk-ring generate (a userspace frontend in dom0) against pvblkback on
# a ramdisk:
#  - --verify with persistent grants on and off: exit 0, the JSON's counts
#    (requests, errors 0, verify_errors 0, latency percentiles), the
#    negotiated persistent flag, and pvblkback's statistics/ taken just
#    before teardown agree with what the harness sent (rd_req + wr_req =
#    every request; persistent: every segment a cache hit or miss, misses
#    at most the pool's pages; non-persistent: no persistent grant, one
#    np map per segment);
#  - fresh grants, 64 KiB requests through indirect segments, a 2-page
#    ring and 2 queues, verified;
#  - the benchmark's contract: two `generate --rw randread --runtime`
#    instances at once on two devices, distinct devids, both exit 0;
#  - SIGINT mid-run: exit 130 after a clean teardown;
#  - after every run: no xenstore node left, grants_mapped 0.

# JSON readers and post-run checks: rig_json_*, rig_expect_eq,
# rig_no_vbd_nodes_left, rig_no_grants_left (scripts/rig/guest-lib.sh).
R=$RIG_RESULTS
rig_ramdisks 2 64 --fill
rig_load_backend ours

gen_verify() {
	local p=$1 j=$R/gen-p$1.json rc=0
	pvblk-ring generate --dev /dev/ram0 --rw randrw --bs 4096 --iodepth 16 \
		--count 3000 --size 16M --seed 7 --verify --persistent "$p" \
		--json "$j" --quiet >"$R/gen-p$p.txt" 2>&1 || rc=$?
	cat "$R/gen-p$p.txt"
	rig_expect_eq "p$p exit status" "$rc" 0
	rig_expect_eq "p$p requests" "$(rig_json_int "$j" requests)" 3000
	rig_expect_eq "p$p errors" "$(rig_json_int "$j" errors)" 0
	rig_expect_eq "p$p verify_errors" "$(rig_json_int "$j" verify_errors)" 0
	rig_expect_eq "p$p persistent" "$(rig_json_int "$j" persistent)" "$p"
	rig_expect_eq "p$p backend" "$(sed -n 's/^  "backend": "\(.*\)",\{0,1\}$/\1/p' "$j")" pvblkback
	# 16 MiB of 4 KiB blocks filled, 3000 mixed, all read back
	local total=$((4096 + 3000 + 4096))
	rig_expect_eq "p$p total_requests" "$(rig_json_int "$j" total_requests)" $total
	local rd wr
	rd=$(rig_json_stat "$j" rd_req)
	wr=$(rig_json_stat "$j" wr_req)
	rig_expect_eq "p$p backend rd_req+wr_req" $((rd + wr)) $total
	rig_expect_eq "p$p backend err_req" "$(rig_json_stat "$j" err_req)" 0
	[ "$(rig_json_int "$j" reads)" -gt 0 ] && [ "$(rig_json_int "$j" writes)" -gt 0 ] ||
		rig_fail "p$p: randrw made no mix"
	[ "$(rig_json_lat "$j" p50)" -gt 0 ] || rig_fail "p$p: p50 latency 0"
	[ "$(rig_json_lat "$j" p99.9)" -ge "$(rig_json_lat "$j" p50)" ] || rig_fail "p$p: p99.9 < p50"
	[ "$(rig_json_int "$j" iops)" -gt 0 ] || rig_fail "p$p: 0 IOPS"
	local hits misses
	hits=$(rig_json_stat "$j" pgnt_hits)
	misses=$(rig_json_stat "$j" pgnt_misses)
	if [ "$p" = 1 ]; then
		rig_expect_eq "p1 hits+misses (one per segment)" $((hits + misses)) $total
		[ "$misses" -ge 1 ] && [ "$misses" -le 16 ] ||
			rig_fail "p1: $misses persistent misses for a 16-page pool"
	else
		rig_expect_eq "p0 pgnt_hits" "$hits" 0
		rig_expect_eq "p0 pgnt_misses" "$misses" 0
		rig_expect_eq "p0 np_maps (one per segment)" "$(rig_json_stat "$j" np_maps)" $total
	fi
	rig_no_vbd_nodes_left "p$p"
	rig_no_grants_left "p$p"
	rig_log "generate --verify persistent=$p: ok (hits $hits misses $misses)"
}

gen_verify 1
gen_verify 0

# fresh grants, indirect, multi-page ring, two queues
j=$R/gen-indirect.json
rc=0
pvblk-ring generate --dev /dev/ram1 --rw randrw --bs 64k --iodepth 8 --count 400 \
	--size 8M --verify --grants fresh --indirect 32 --ring-order 1 --queues 2 \
	--json "$j" --quiet || rc=$?
rig_expect_eq "indirect exit status" "$rc" 0
rig_expect_eq "indirect verify_errors" "$(rig_json_int "$j" verify_errors)" 0
rig_expect_eq "indirect errors" "$(rig_json_int "$j" errors)" 0
rig_expect_eq "indirect queues" "$(rig_json_int "$j" queues)" 2
rig_expect_eq "indirect ring_order" "$(rig_json_int "$j" ring_order)" 1
[ "$(rig_json_int "$j" indirect_segs)" -ge 16 ] || rig_fail "indirect: segments not negotiated"
rig_no_vbd_nodes_left indirect
rig_no_grants_left indirect

# the benchmark's contract, two at once
pids=()
for i in 0 1; do
	pvblk-ring generate --dev /dev/ram$i --rw randread --bs 4096 --iodepth 32 \
		--runtime 4 --persistent 1 --json "$R/contract-$i.json" --quiet \
		>"$R/contract-$i.txt" 2>&1 &
	pids+=($!)
done
for i in 0 1; do
	rc=0
	wait "${pids[$i]}" || rc=$?
	cat "$R/contract-$i.txt"
	rig_expect_eq "contract $i exit status" "$rc" 0
	for k in iops bw_bytes requests errors; do rig_json_num "$R/contract-$i.json" $k >/dev/null; done
	rig_json_lat "$R/contract-$i.json" p99 >/dev/null
	rig_expect_eq "contract $i errors" "$(rig_json_int "$R/contract-$i.json" errors)" 0
done
[ "$(rig_json_int "$R/contract-0.json" devid)" != "$(rig_json_int "$R/contract-1.json" devid)" ] ||
	rig_fail "two instances chose the same devid"
rig_no_vbd_nodes_left contract
rig_no_grants_left contract

# SIGINT in the middle of a run
pvblk-ring generate --dev /dev/ram0 --rw randwrite --runtime 60 --quiet \
	>"$R/sigint.txt" 2>&1 &
pid=$!
sleep 4
kill -INT $pid
rc=0
wait $pid || rc=$?
cat "$R/sigint.txt"
rig_expect_eq "SIGINT exit status" "$rc" 130
rig_no_vbd_nodes_left sigint
rig_no_grants_left sigint
rig_log "harness-generate: all checks passed"
