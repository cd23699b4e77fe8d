#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1800 mem=3G dom0_mem=1536M
#
# Measurement for pvblkfront's max_indirect_segments default
# (Documentation/frontend.rst, "Indirect segments: the default"):
# one boot, one pre-filled ramdisk, the stock xen-blkback (it offers 256
# indirect segments). For each value in $INDIRECT_SEGS (default 0 32 128
# 256) a 2-vCPU guest runs pvblkfront with max_indirect_segments=VALUE and
# fio 1 MiB sequential read and write, iodepth 4, 1 GiB each, three runs
# each. Reported per value: the negotiated connection and the queue's
# max_segments, the medians (IOPS of 1 MiB requests = MiB/s), their ratio
# to the first value's, and what the connection costs in memory (sysfs
# memory and pool). Speed is reported, never asserted: this fails only when
# a run fails or the frontend did not negotiate the value asked for.

INDIRECT_SEGS=${INDIRECT_SEGS:-0 32 128 256}

indirect_guest() {
	local dev=/dev/xvda i kind v sys=/sys/block/xvda/pvblkfront
	rig_wait_dev $dev 30
	: >/tmp/perf
	for kind in read write; do
		for i in 1 2 3; do
			rig_fio "seq1m-$kind-$i" --filename=$dev --direct=1 \
				--ioengine=libaio --rw=$kind --bs=1M --iodepth=4 \
				--size=256M --io_size=1G
			v=$(rig_fio_iops "$RIG_RESULTS/fio-seq1m-$kind-$i.json" $kind)
			echo "$kind $i $v" >>/tmp/perf
		done
	done
	rig_collect /tmp/perf perf.txt
	rig_save features.txt cat $sys/features
	rig_save memory.txt cat $sys/memory $sys/pool
	rig_save max-segments.txt cat /sys/block/xvda/queue/max_segments \
		/sys/block/xvda/queue/max_sectors_kb
}

# median of the three runs of KIND in perf.txt of guest G
median() {
	awk -v k="$2" '$1 == k { print $3 }' "$RIG_RESULTS/guests/$1/perf.txt" |
		sort -n | sed -n 2p
}

rig_ramdisks 1 256 --fill
rig_load_backend stock
first=
for s in $INDIRECT_SEGS; do
	g=ind$s
	rig_domu_start "$g" --vcpus 2 --mem 512 --front ours --blacklist-stock \
		--front-params "max_indirect_segments=$s" \
		--disk phy:/dev/ram0,xvda,w --fn indirect_guest --timeout 900
	rig_domu_wait "$g"
	f=$RIG_RESULTS/guests/$g
	[ -f "$f/perf.txt" ] || rig_fail "$g: no results"
	want=$s
	[ "$s" -gt 11 ] || want=0
	grep -E -q "indirect $want( |\$)" "$f/features.txt" ||
		rig_fail "$g: asked for $s indirect segments, negotiated: $(head -n 1 "$f/features.txt")"
	r=$(median "$g" read)
	w=$(median "$g" write)
	[ -n "$first" ] || first="$r $w"
	rig_log "indirect $s: $(head -n 1 "$f/features.txt"); 1 MiB seq read median $r IOPS (ratio $(awk -v a="$r" -v b="${first% *}" 'BEGIN { printf "%.2f", a / b }')), write median $w IOPS (ratio $(awk -v a="$w" -v b="${first#* }" 'BEGIN { printf "%.2f", a / b }')); max_segments $(head -n 1 "$f/max-segments.txt"); $(tr '\n' ' ' <"$f/memory.txt")"
done
rig_unload_backend
