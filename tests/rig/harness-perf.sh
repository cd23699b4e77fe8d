#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900
#
# Measurement, not a timed assertion: is pvblk-ring ever the bottleneck?
# In one boot, against pvblkback on pre-filled ramdisks, 4 KiB random
# reads at queue depth 32 for 15 s, three runs each:
#   ring   pvblk-ring generate in dom0 (persistent grants, pool)
#   guest  fio (libaio, direct) in a 2-vCPU PV guest through pvblkfront
# Logs each run, the medians and the ratio ring/guest; saves perf.txt.
# Fails only when a run fails.

# JSON readers and post-run checks: rig_json_*, rig_expect_eq,
# rig_no_vbd_nodes_left, rig_no_grants_left (scripts/rig/guest-lib.sh).
RUNS=3
R=$RIG_RESULTS

guest_perf() {
	local i iops
	rig_wait_dev /dev/xvda 60
	for ((i = 1; i <= RUNS; i++)); do
		rig_fio "randread-$i" --filename=/dev/xvda --direct=1 \
			--ioengine=libaio --rw=randread --bs=4k --iodepth=32 \
			--time_based --runtime=15
		iops=$(awk '/"read" *:/ { r = 1 } r && /"iops" *:/ { gsub(/[ ,]/, ""); split($0, a, ":"); printf "%d", a[2]; exit }' \
			"$RIG_RESULTS/fio-randread-$i.json")
		echo "$iops" >>"$RIG_RESULTS/iops.txt"
		rig_log "guest run $i: $iops IOPS"
	done
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

rig_ramdisks 2 256 --fill
rig_load_backend ours
: >"$R/ring-iops.txt"
for ((i = 1; i <= RUNS; i++)); do
	rig_must "pvblk-ring run $i" pvblk-ring generate --dev /dev/ram1 --rw randread \
		--bs 4096 --iodepth 32 --runtime 15 --persistent 1 --json "$R/ring-$i.json" --quiet
	v=$(rig_json_int "$R/ring-$i.json" iops)
	echo "$v" >>"$R/ring-iops.txt"
	rig_log "pvblk-ring run $i: $v IOPS, p99 $(rig_json_lat "$R/ring-$i.json" p99) ns"
done
rig_domu_run g1 --vcpus 2 --mem 512 --front ours --disk phy:/dev/ram0,xvda,w \
	--fn guest_perf --env RUNS=$RUNS --timeout 400
f=$R/guests/g1/iops.txt
[ -s "$f" ] || rig_fail "the guest reported no IOPS"
ring=$(median "$R/ring-iops.txt")
guest=$(median "$f")
ratio=$(awk -v a="$ring" -v b="$guest" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
{
	echo "pvblk-ring (dom0) 4k randread qd32 median IOPS: $ring"
	echo "guest fio via pvblkfront 4k randread qd32 median IOPS: $guest"
	echo "ratio ring/guest: $ratio"
} | tee "$R/perf.txt"
rig_log "perf: ring $ring IOPS, guest $guest IOPS, ratio $ratio"
