#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1500 mem=3G dom0_mem=1536M
#
# Performance, one boot, the same pre-filled ramdisk, the stock
# xen-blkback: a 2-vCPU guest with the stock xen-blkfront, then one with
# pvblkfront (default parameters). fio 4 KiB random read iodepth 32
# numjobs 2 (5 s warm-up, then 15 s measured), and 1 MiB sequential read
# iodepth 4 (1 GiB), in $ROUNDS rounds (default 5) of one guest per
# frontend; odd rounds start with the stock frontend, even rounds with
# pvblkfront, so neither a drift of the machine's speed during the boot
# nor the position in a round favours one. Per run also the block
# interrupts and the reads completed per interrupt (from /proc/interrupts
# and the disk's stat), to compare the two drivers' event behaviour.
# Results (per run and medians) in perf-<frontend>.txt; the dom0 log
# prints the medians and the pvblkfront/stock ratios. Speed is reported,
# never asserted: this test fails only when a run fails.

ROUNDS=${ROUNDS:-5}

# Sum of this guest's block-device interrupts (stock: "blkif", ours:
# "xvda-qN") on all CPUs.
blk_irqs() {
	awk '$NF == "blkif" || $NF ~ /^xvda-q/ { for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END { print n + 0 }' /proc/interrupts
}

perf_guest() {
	local dev=/dev/xvda kind v i0 i1 r0 r1 per
	rig_wait_dev $dev 30
	: >/tmp/perf
	for kind in rand4k seq1m; do
		i0=$(blk_irqs)
		r0=$(awk '{ print $1 }' /sys/block/xvda/stat)
		if [ $kind = rand4k ]; then
			rig_fio $kind --filename=$dev --direct=1 --ioengine=libaio \
				--rw=randread --bs=4k --iodepth=32 --numjobs=2 \
				--group_reporting --time_based --ramp_time=5 \
				--runtime=15 --size=256M
		else
			# a fixed 1 GiB (4 passes over the disk), not time-based:
			# rig_fio's byte count must stay below 2 GiB
			rig_fio $kind --filename=$dev --direct=1 --ioengine=libaio \
				--rw=read --bs=1M --iodepth=4 --size=256M --io_size=1G
		fi
		i1=$(blk_irqs)
		r1=$(awk '{ print $1 }' /sys/block/xvda/stat)
		per=$(awk -v r=$((r1 - r0)) -v i=$((i1 - i0)) 'BEGIN { if (i > 0) printf "%.2f", r / i; else print "n/a" }')
		v=$(rig_fio_iops "$RIG_RESULTS/fio-$kind.json" read)
		echo "$kind $FRONT $v $((i1 - i0)) $per" >>/tmp/perf
		rig_log "$FRONT $kind: $v IOPS, $((i1 - i0)) block interrupts, $per reads per interrupt"
	done
	rig_collect /tmp/perf perf.txt
}

guest() { # stock|ours round
	if [ "$1" = stock ]; then
		rig_domu_run "stock-r$2" --vcpus 2 --mem 512 --front stock \
			--env FRONT=stock --disk phy:/dev/ram0,xvda,w \
			--fn "perf_guest blk_irqs" --timeout 400
	else
		rig_domu_run "ours-r$2" --vcpus 2 --mem 512 --front ours \
			--blacklist-stock --env FRONT=pvblkfront \
			--disk phy:/dev/ram0,xvda,w --fn "perf_guest blk_irqs" \
			--timeout 400
	fi
	cat "$RIG_RESULTS/guests/$1-r$2/perf.txt" >>"$RIG_RESULTS/perf-$1.txt"
}

# median of column 3 (IOPS) of FILE's lines for KIND
median() { # file kind
	awk -v k="$2" '$1 == k { print $3 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

runs() { # file kind column
	awk -v k="$2" -v c="$3" '$1 == k { printf "%s ", $c }' "$1"
}

rig_ramdisks 1 256 --fill
rig_load_backend stock
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then
		guest stock $r
		guest ours $r
	else
		guest ours $r
		guest stock $r
	fi
done
for kind in rand4k seq1m; do
	fs=$RIG_RESULTS/perf-stock.txt fo=$RIG_RESULTS/perf-ours.txt
	s=$(median "$fs" $kind)
	o=$(median "$fo" $kind)
	rig_log "perf $kind: stock median $s IOPS (runs $(runs "$fs" $kind 3); reads per interrupt $(runs "$fs" $kind 5)), pvblkfront median $o IOPS (runs $(runs "$fo" $kind 3); reads per interrupt $(runs "$fo" $kind 5)), ratio $(awk -v o="$o" -v s="$s" 'BEGIN { printf "%.2f", o / s }')"
done
rig_unload_backend
