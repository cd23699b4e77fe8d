#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1500 mem=3G dom0_mem=1536M
#
# Performance, one boot, the same pre-filled ramdisk, the stock
# xen-blkback: a 2-vCPU guest with the stock xen-blkfront, then one with
# pvblkfront (default parameters). fio 4 KiB random read iodepth 32
# numjobs 2 (15 s), and 1 MiB sequential read iodepth 4 (1 GiB), in
# $ROUNDS rounds (default 3) of one guest per frontend, in turn, so a drift
# of the machine's speed during the boot falls on both alike. Results (per
# run and medians) in perf-<frontend>.txt; the dom0 log prints the medians
# and the pvblkfront/stock ratios. Speed is reported, never asserted: this
# test fails only when a run fails.

ROUNDS=${ROUNDS:-3}

perf_guest() {
	local dev=/dev/xvda kind v
	rig_wait_dev $dev 30
	: >/tmp/perf
	for kind in rand4k seq1m; do
		if [ $kind = rand4k ]; then
			rig_fio $kind --filename=$dev --direct=1 --ioengine=libaio \
				--rw=randread --bs=4k --iodepth=32 --numjobs=2 \
				--group_reporting --time_based --runtime=15 --size=256M
		else
			# a fixed 1 GiB (4 passes over the disk), not time-based:
			# rig_fio's byte count must stay below 2 GiB
			rig_fio $kind --filename=$dev --direct=1 --ioengine=libaio \
				--rw=read --bs=1M --iodepth=4 --size=256M --io_size=1G
		fi
		v=$(rig_fio_iops "$RIG_RESULTS/fio-$kind.json" read)
		echo "$kind $FRONT $v" >>/tmp/perf
		rig_log "$FRONT $kind: $v IOPS"
	done
	rig_collect /tmp/perf perf.txt
}

rig_ramdisks 1 256 --fill
rig_load_backend stock
for ((r = 1; r <= ROUNDS; r++)); do
	rig_domu_run "stock-r$r" --vcpus 2 --mem 512 --front stock \
		--env FRONT=stock --disk phy:/dev/ram0,xvda,w --fn perf_guest \
		--timeout 400
	rig_domu_run "ours-r$r" --vcpus 2 --mem 512 --front ours \
		--blacklist-stock --env FRONT=pvblkfront \
		--disk phy:/dev/ram0,xvda,w --fn perf_guest --timeout 400
	for g in stock ours; do
		cat "$RIG_RESULTS/guests/$g-r$r/perf.txt" >>"$RIG_RESULTS/perf-$g.txt"
	done
done
for kind in rand4k seq1m; do
	s=$(awk -v k=$kind '$1 == k { print $3 }' "$RIG_RESULTS/perf-stock.txt" | sort -n | sed -n 2p)
	o=$(awk -v k=$kind '$1 == k { print $3 }' "$RIG_RESULTS/perf-ours.txt" | sort -n | sed -n 2p)
	rig_log "perf $kind: stock median $s IOPS (runs $(awk -v k=$kind '$1 == k { printf "%s ", $3 }' "$RIG_RESULTS/perf-stock.txt")), pvblkfront median $o IOPS (runs $(awk -v k=$kind '$1 == k { printf "%s ", $3 }' "$RIG_RESULTS/perf-ours.txt")), ratio $(awk -v o="$o" -v s="$s" 'BEGIN { printf "%.2f", o / s }')"
done
rig_unload_backend
