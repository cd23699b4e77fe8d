#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900 mem=3G dom0_mem=1536M
#
# Memory per VBD (Documentation/failure-modes-vbd.rst).
#
# 1. Frontend, 2-vCPU 256 MiB guests, backend pvblkback offering ring
#    order 4 and 4096 indirect segments:
#    - pvblk (asserted): pvblkfront with its largest settings
#      (max_ring_page_order=4 max_queues=4 max_indirect_segments=4096)
#      connects, says what it clamped in exactly one log line, the
#      features show the clamped limits, the grant pool is within its
#      bound at connect and after fio, and grows on demand (more pages
#      after fio than at connect); fio verify=crc32c (4 KiB random, 1 MiB
#      sequential) passes with no frontend error.
#    - stock (recorded): xen-blkfront with max_ring_page_order=4
#      max_queues=4 max_indirect_segments=256 in the same kind of guest;
#      whether it connected, survived, or was OOM-killed goes to
#      stock-frontend.txt. Its console is kept as stock-frontend-console.txt
#      (an OOM report carries a Call Trace, which is the stock driver's
#      trouble, not ours, so it is not left where the rig looks for ours).
# 2. Backend, NVBD (16) dom0-loopback VBDs over 16 MiB ramdisks, dom0's
#    frontend pvblkfront (persistent grants on) for both backends:
#    free memory (MemFree and the per-CPU free lists) and Slab before
#    attaching, attached and idle, busy (during fio on all VBDs at once,
#    less what the same fio job costs on the bare ramdisks), and after
#    the I/O, each but busy after dropping caches; per VBD, for
#    pvblkback (max_buffer_pages=64 max_persistent_grants=64) and the
#    stock xen-blkback (its defaults). Asserted for pvblkback only: what
#    the I/O added per VBD (after - idle) is within the bound its
#    parameters give (mem_bound) plus dom0's frontend pool (its sysfs
#    pool pages) plus 256 KiB, and the after-I/O figure within that bound
#    plus 2 MiB for the fixed cost of a VBD (dom0's frontend gendisk and
#    blk-mq, xenbus devices, sysfs, ring threads: 1.4-1.6 MiB measured).
#    NVBD is 16, not 32, to keep make check short: 32 were measured once
#    (failure-modes-vbd.rst) with NVBD=32.

NVBD=${NVBD:-16}
LETTERS=abcdefghijklmnopqrstuvwxyz
BACK_BUF=64
BACK_PGNT=64

# ---- guests ----------------------------------------------------------------

mem_guest() {
	local feat pool0 pool1 max0 max1 n line
	rig_wait_dev /dev/xvda 60
	rig_module_loaded pvblkfront || rig_fail "pvblkfront is not loaded"
	feat=$(tr '\n' ' ' </sys/block/xvda/pvblkfront/features)
	rig_log "xvda: $feat; $(grep MemTotal /proc/meminfo)"
	n=$(dmesg | grep -c 'pvblkfront.*memory: budget')
	[ "$n" = 1 ] || rig_fail "want one clamp line in dmesg, found $n"
	line=$(dmesg | grep 'pvblkfront.*memory: budget')
	rig_log "clamp: ${line#*] }"
	echo "$line" >"$RIG_RESULTS/clamp-line.txt"
	case "$feat" in
	"queues 2 ring_order "*) ;;
	*) rig_fail "want 2 queues (2 vCPUs), features say: $feat" ;;
	esac
	# The clamped indirect limit: below the asked 4096, at least 32.
	n=$(echo "$feat" | sed -n 's/.* indirect \([0-9]*\) .*/\1/p')
	if [ -z "$n" ] || [ "$n" -lt 32 ] || [ "$n" -ge 4096 ]; then
		rig_fail "indirect segments not clamped to [32, 4096): $feat"
	fi
	case "$line" in
	*"indirect segments 4096->$n;"*) ;;
	*) rig_fail "the clamp line does not match the features ($n): $line" ;;
	esac
	read -r _ pool0 _ max0 </sys/block/xvda/pvblkfront/pool
	[ "$pool0" -le "$max0" ] || rig_fail "pool at connect: $pool0 pages above its bound $max0"
	local common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
		--verify=crc32c --verify_fatal=1 --do_verify=1)
	rig_fio rand4k "${common[@]}" --rw=randwrite --bs=4k --size=8M --iodepth=32
	rig_fio seq1m "${common[@]}" --rw=write --bs=1M --size=16M --iodepth=8
	read -r _ pool1 _ max1 </sys/block/xvda/pvblkfront/pool
	rig_save stats.txt grep -r . /sys/block/xvda/pvblkfront
	rig_save meminfo.txt cat /proc/meminfo
	[ "$max1" = "$max0" ] || rig_fail "pool bound changed: $max0 -> $max1"
	[ "$pool1" -le "$max1" ] || rig_fail "pool after fio: $pool1 pages above its bound $max1"
	[ "$pool1" -gt "$pool0" ] || rig_fail "pool did not grow on demand: $pool0 -> $pool1 pages"
	[ "$(cat /sys/block/xvda/pvblkfront/errors)" = 0 ] ||
		rig_fail "the frontend counted $(cat /sys/block/xvda/pvblkfront/errors) errors"
	rig_log "pool: $pool0 pages at connect, $pool1 after fio, bound $max1; $(grep MemFree /proc/meminfo)"
	echo "pool_connect=$pool0 pool_after=$pool1 pool_max=$max1 features=$feat" >"$RIG_RESULTS/pool.txt"
}

stock_mem_guest() {
	rig_log "stock frontend loaded; $(grep -E 'MemFree' /proc/meminfo)"
	if ! rig__wait_quiet 90 test -b /dev/xvda; then
		echo "stock: xvda did not appear in 90 s" >"$RIG_RESULTS/stock.txt"
		return 0
	fi
	echo "stock: xvda connected; $(grep MemFree /proc/meminfo)" >"$RIG_RESULTS/stock.txt"
	rig_log "$(cat "$RIG_RESULTS/stock.txt")"
	if fio --name=stock --filename=/dev/xvda --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=4k --size=4M --iodepth=16 --verify=crc32c \
		--verify_fatal=1 --do_verify=1 >/dev/null 2>&1; then
		echo "stock: fio verify passed" >>"$RIG_RESULTS/stock.txt"
	else
		echo "stock: fio verify failed" >>"$RIG_RESULTS/stock.txt"
	fi
}

# Wait (bounded) for the stock guest, record how it ended, and keep its
# console out of the rig's trouble scan (see the header).
stock_wait() {
	local name=$1 limit=$2 domid end raw=/var/log/xen/console/guest-$1.log out line
	out=$RIG_RESULTS/stock-frontend.txt
	domid=$(cat "/tmp/rig-domu/$name/domid")
	end=$(($(date +%s) + limit))
	while xenstore-exists "/local/domain/$domid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			# Is it spinning or idle? vCPU seconds 10 s apart.
			local t0 t1
			t0=$(xl vcpu-list "$domid" 2>/dev/null | awk 'NR > 1 { s += $6 } END { print s + 0 }')
			sleep 10
			t1=$(xl vcpu-list "$domid" 2>/dev/null | awk 'NR > 1 { s += $6 } END { print s + 0 }')
			xl destroy "$domid" >/dev/null 2>&1
			echo "guest still running after ${limit}s (vCPU time ${t0}s, 10 s later ${t1}s): destroyed" >>"$out"
			break
		fi
		sleep 2
	done
	tr -d '\r' <"$raw" | grep -v '^@@b64 ' >"$RIG_RESULTS/stock-frontend-console.txt"
	rm -f "$raw"
	{
		echo "stock xen-blkfront max_ring_page_order=4 max_queues=4 max_indirect_segments=256, 2 vCPUs, 256 MiB ($RIG_KREL)"
		grep -o 'stock: .*' "$RIG_RESULTS/stock-frontend-console.txt" | grep -v '^stock: frontend' | sort -u
		echo "guest result marker: $(grep -o '@@pvblk-guest result=[a-z]*@@' "$RIG_RESULTS/stock-frontend-console.txt" || echo none)"
		echo "oom-killer invocations: $(grep -c 'invoked oom-killer' "$RIG_RESULTS/stock-frontend-console.txt")"
		echo "processes killed: $(grep -c 'Killed process' "$RIG_RESULTS/stock-frontend-console.txt")"
		grep -m 1 'Kernel panic' "$RIG_RESULTS/stock-frontend-console.txt" || echo "no kernel panic"
	} >>"$out"
	while read -r line; do rig_log "stock frontend: $line"; done <"$out"
}

# ---- dom0: memory per VBD --------------------------------------------------

vdev_of() {
	# 1 -> xvdb ... 25 -> xvdz, 26 -> xvdaa ...
	local i=$1
	if [ "$i" -lt 26 ]; then
		echo "xvd${LETTERS:$i:1}"
	else
		echo "xvda${LETTERS:$((i - 26)):1}"
	fi
}

meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# Free memory, KiB: MemFree plus the pages on the per-CPU free lists
# (the "count" of every pageset in /proc/zoneinfo), which MemFree leaves
# out. Those lists are sized at run time from the recent frees (6.7 and
# later): on 6.12 they held megabytes more or less from one reading to
# the next, more than a VBD's bound.
free_kib() {
	local mf pcp
	mf=$(meminfo MemFree)
	pcp=$(awk '$1 == "count:" { n += $2 } END { print n + 0 }' /proc/zoneinfo)
	echo $((mf + pcp * 4))
}

# Write back and drop the page cache and reclaimable slab, so that a
# reading counts what is held, not what is cached.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

# Sum of dom0's frontend pool pages over the attached VBDs.
fe_pool_pages() {
	local i s=0 p
	for i in $(seq 1 "$NVBD"); do
		read -r _ p _ _ <"/sys/block/$(vdev_of "$i")/pvblkfront/pool"
		s=$((s + p))
	done
	echo "$s"
}

# pvblkback's bound per VBD from its parameters, KiB: per ring the buffer
# pages and the persistent grants it may keep mapped (a page each) plus
# 64 KiB of request state; rings = queues of the connection.
mem_bound() {
	local rings=$1
	echo $((rings * ((BACK_BUF + BACK_PGNT) * 4 + 64)))
}

# Run the fio job of the measurement over the devices DEV... in the
# background and print "MIN_FREE MAX_SLAB" sampled while it runs.
FIO_OPTS=(--thread --direct=1 --ioengine=libaio --rw=randwrite --bs=128k
	--iodepth=16 --size=2M --verify=crc32c --verify_fatal=1 --do_verify=1
	--output-format=json)
fio_sampled() {
	local tag=$1 i=0 d fpid minfree maxslab v files=()
	shift
	for d in "$@"; do
		i=$((i + 1))
		files+=(--name="v$i" --filename="$d")
	done
	fio "${FIO_OPTS[@]}" --output="$RIG_RESULTS/fio-$tag.json" "${files[@]}" \
		>"$RIG_RESULTS/fio-$tag.stderr" 2>&1 &
	fpid=$!
	minfree=$(free_kib) maxslab=$(meminfo Slab)
	while kill -0 "$fpid" 2>/dev/null; do
		v=$(free_kib)
		[ "$v" -lt "$minfree" ] && minfree=$v
		v=$(meminfo Slab)
		[ "$v" -gt "$maxslab" ] && maxslab=$v
		sleep 0.5
	done
	wait "$fpid" || rig_fail "fio $tag failed: $(tail -n 3 "$RIG_RESULTS/fio-$tag.stderr" | tr '\n' ' ')"
	echo "$minfree $maxslab"
}

# What the same fio job costs on the bare ramdisks (fio's own buffers and
# threads), KiB of free memory and Slab; taken out of the busy figures.
fio_baseline() {
	local i devs=() f0 s0 mf ms
	for i in $(seq 1 "$NVBD"); do
		devs+=("/dev/ram$((i + 1))")
	done
	settle
	f0=$(free_kib) s0=$(meminfo Slab)
	read -r mf ms < <(fio_sampled baseline "${devs[@]}")
	FIO_FREE=$((f0 - mf)) FIO_SLAB=$((ms - s0))
	echo "fio baseline on $NVBD bare ramdisks: free memory -$FIO_FREE KiB, Slab +$FIO_SLAB KiB (taken out of busy)" >>"$RIG_RESULTS/memory-per-vbd.txt"
	rig_log "$(tail -n 1 "$RIG_RESULTS/memory-per-vbd.txt")"
}

# Attach NVBD VBDs, measure, drive, measure, detach. $1: ours|stock.
measure() {
	local which=$1 i free0 slab0 free1 slab1 free2 slab2 free3 slab3
	local minfree maxslab devs=() fe rings
	settle
	free0=$(free_kib) slab0=$(meminfo Slab)
	for i in $(seq 1 "$NVBD"); do
		RIG_ATTACH_TIMEOUT=60 rig_dom0_attach "/dev/ram$((i + 1))" "$(vdev_of "$i")" w
		devs+=("/dev/$(vdev_of "$i")")
	done
	settle
	free1=$(free_kib) slab1=$(meminfo Slab)
	read -r minfree maxslab < <(fio_sampled "$which-all" "${devs[@]}")
	settle
	free2=$(free_kib) slab2=$(meminfo Slab)
	fe=$(fe_pool_pages)
	rings=$(sed -n 's/^queues \([0-9]*\) .*/\1/p' "/sys/block/$(vdev_of 1)/pvblkfront/features")
	rig_save "$which-meminfo-after-io.txt" cat /proc/meminfo
	rig_save "$which-zoneinfo-after-io.txt" cat /proc/zoneinfo
	for i in $(seq 1 "$NVBD"); do
		rig_dom0_detach "$(vdev_of "$i")"
	done
	settle
	free3=$(free_kib) slab3=$(meminfo Slab)
	local idle=$(((free0 - free1) / NVBD)) busy=$(((free0 - minfree - FIO_FREE) / NVBD))
	local after=$(((free0 - free2) / NVBD)) gone=$(((free0 - free3) / NVBD))
	local feper=$((fe * 4 / NVBD))
	echo "$which nvbd=$NVBD rings=$rings free_kib_per_vbd: idle=$idle busy=$busy after_io=$after detached=$gone" \
		"slab_kib_per_vbd: idle=$(((slab1 - slab0) / NVBD)) busy=$(((maxslab - slab0 - FIO_SLAB) / NVBD)) after_io=$(((slab2 - slab0) / NVBD)) detached=$(((slab3 - slab0) / NVBD))" \
		"dom0_front_pool_kib_per_vbd=$feper" >>"$RIG_RESULTS/memory-per-vbd.txt"
	rig_log "$(tail -n 1 "$RIG_RESULTS/memory-per-vbd.txt")"
	if [ "$which" = ours ]; then
		local pb grow abs
		pb=$(mem_bound "$rings")
		grow=$((pb + feper + 256))
		abs=$((pb + feper + 2048))
		echo "ours bounds_kib_per_vbd: growth (after_io - idle) <= $grow = pvblkback $pb + dom0 front pool $feper + 256;" \
			"after_io <= $abs = pvblkback $pb + dom0 front pool $feper + 2048 fixed" >>"$RIG_RESULTS/memory-per-vbd.txt"
		rig_log "$(tail -n 1 "$RIG_RESULTS/memory-per-vbd.txt")"
		[ $((after - idle)) -le "$grow" ] ||
			rig_fail "pvblkback: I/O grew memory by $((after - idle)) KiB per VBD, above the bound $grow"
		[ "$after" -le "$abs" ] ||
			rig_fail "pvblkback after I/O: $after KiB per VBD, above the bound $abs"
	fi
}

# ---- 1. frontend -----------------------------------------------------------

rig_ramdisks $((NVBD + 2)) 16 --fill
rig_load_backend ours max_indirect_segments=4096 max_ring_page_order=4
rig_domu_start m1 --vcpus 2 --mem 256 --front ours --blacklist-stock \
	--front-params "max_ring_page_order=4 max_queues=4 max_indirect_segments=4096 feature_persistent=1" \
	--disk phy:/dev/ram0,xvda,w --fn mem_guest --timeout 300
stock=0
if rig_stock_legs; then
	stock=1
	rig_domu_start s1 --vcpus 2 --mem 256 --front stock \
		--front-params "max_ring_page_order=4 max_queues=4 max_indirect_segments=256" \
		--disk phy:/dev/ram1,xvda,w --fn stock_mem_guest --timeout 150
fi
rig_domu_wait m1
[ "$stock" = 0 ] || stock_wait s1 80

# ---- 2. backend ------------------------------------------------------------

rig_load_frontend ours
echo "$BACK_BUF" >/sys/module/pvblkback/parameters/max_buffer_pages
echo "$BACK_PGNT" >/sys/module/pvblkback/parameters/max_persistent_grants
echo 256 >/sys/module/pvblkback/parameters/max_indirect_segments
fio_baseline
measure ours
rig_unload_backend
if rig_stock_legs; then
	rig_load_backend stock
	measure stock
fi
rig_unload_frontend
rig_unload_backend
