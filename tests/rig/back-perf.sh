#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1500
#
# Benchmark, not a timed assertion: 4 KiB random reads (fio libaio,
# iodepth 32, 2 jobs, 15 s) from a 2-vCPU PV guest running the STOCK
# xen-blkfront, on the same pre-filled brd ramdisk in the same boot,
# served by
#   stock   the stock xen-blkback (persistent grants)
#   ours-p  pvblkback, persistent grants
#   ours-np pvblkback, frontend feature_persistent=0 (non-persistent)
# in $ROUNDS rounds (default 3) of one guest per backend, in turn, so a
# drift of the machine's speed during the boot (it happens under TCG)
# falls on all three alike instead of on whichever ran last. Logs every
# run's IOPS, the medians and the ratios (ours-p / stock, ours-p / ours-np);
# saves them in perf.txt. Fails only when a run fails (fio error, no data
# moved). Absolute numbers under TCG mean nothing; compare within one run
# only.

ROUNDS=${ROUNDS:-3}
guest_perf() {
	local iops
	rig_wait_dev /dev/xvda 60
	rig_fio randread --filename=/dev/xvda --direct=1 \
		--ioengine=libaio --rw=randread --bs=4k --iodepth=32 \
		--numjobs=2 --group_reporting --time_based --runtime=15
	iops=$(rig_fio_iops "$RIG_RESULTS/fio-randread.json" read)
	echo "$iops" >>"$RIG_RESULTS/iops.txt"
	rig_log "$iops IOPS"
}

# median of the numbers in FILE (one per line)
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# run_guest NAME FRONT-PARAMS: one guest, one fio run, its IOPS appended
# to iops-NAME.txt
run_guest() {
	local name=$1 fparams=$2 f
	rig_domu_run "$name" --vcpus 2 --mem 512 --front stock \
		--front-params "$fparams" --disk phy:/dev/ram0,xvda,w \
		--fn guest_perf --timeout 400 >&2
	f=$RIG_RESULTS/guests/$name/iops.txt
	[ -s "$f" ] || rig_fail "guest $name reported no IOPS"
	cat "$f" >>"$RIG_RESULTS/iops-${name%-r*}.txt"
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

rig_ramdisks 1 256 --fill

for ((r = 1; r <= ROUNDS; r++)); do
	rig_load_backend stock
	run_guest "stock-r$r" "feature_persistent=1"
	rig_unload_backend
	rig_load_backend ours
	run_guest "ours-p-r$r" "feature_persistent=1"
	run_guest "ours-np-r$r" "feature_persistent=0"
	rig_unload_backend
done
stock=$(median "$RIG_RESULTS/iops-stock.txt")
ours_p=$(median "$RIG_RESULTS/iops-ours-p.txt")
ours_np=$(median "$RIG_RESULTS/iops-ours-np.txt")

{
	echo "4k randread, iodepth 32, 2 jobs, medians of $ROUNDS rounds (IOPS)"
	echo "stock xen-blkback:            $stock (runs $(tr '\n' ' ' <"$RIG_RESULTS/iops-stock.txt"))"
	echo "pvblkback persistent:         $ours_p (runs $(tr '\n' ' ' <"$RIG_RESULTS/iops-ours-p.txt"))"
	echo "pvblkback non-persistent:     $ours_np (runs $(tr '\n' ' ' <"$RIG_RESULTS/iops-ours-np.txt"))"
	echo "ratio pvblkback/stock:        $(ratio "$ours_p" "$stock")"
	echo "ratio persistent/non-persist: $(ratio "$ours_p" "$ours_np")"
} >"$RIG_RESULTS/perf.txt"
while read -r line; do rig_log "perf: $line"; done <"$RIG_RESULTS/perf.txt"
