#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900
#
# Flushes that survive a crash (Documentation/failure-modes.rst, "Lost
# flushes after a crash"). For each of four driver pairs:
#   flush    pvblkback flush_mode=flush   + pvblkfront (FLUSH_DISKCACHE)
#   barrier  pvblkback flush_mode=barrier + pvblkfront (WRITE_BARRIER)
#   back     pvblkback flush_mode=auto    + the STOCK xen-blkfront, an
#            independent frontend (offered both, it picks FLUSH_DISKCACHE)
#   stock    xen-blkback + xen-blkfront (recorded, never fails the test)
# dom0 puts a dm-log-writes device over two ramdisks, makes ext4 on it,
# marks the log "mkfs" and serves it to a guest. The guest runs an
# fsync-heavy workload (guest_work: files written in place or through a
# temporary name, fsynced, renamed across directories, replaced,
# deleted, directories created; every change made durable with fsync of
# the file and of each directory involved) and after each operation K
# writes a progress record K - a 4 KiB block past the end of the file
# system, with O_DIRECT and then a flush (dd conv=fsync) - and notes
# operation K with its checksums.
#
# Why the records are sound: record K is written only after operation
# K's fsyncs returned, so dm-log-writes (which logs a write only when it
# completed before a later flush, or at once for FUA) puts record K after
# the flush entries that made operation K durable. A replayed prefix
# that holds record K must therefore show operation K and everything
# before it; records must appear in order 1, 2, ... (a gap is a flush
# that did not wait).
#
# Afterwards dom0 marks the log and pvblk-logwrites replays it onto a
# scratch ramdisk up to every FLUSH, FUA and MARK entry after "mkfs" in
# turn. At each point (check_point) the image is copied, mounted (the
# journal recovers, as after a real crash), every path is checked, the
# copy is unmounted and 'fsck.ext4 -fn' must find it clean:
#   - records present are exactly 1..R;
#   - a path changed by no operation after R is exactly as operation R
#     left it (directory, file with the noted MD5, or absent);
#   - a path that a later operation changes is in its state after R or
#     in a state a later operation gives it (each step is atomic), or
#     anything while a later in-place write is pending for it.
# The pvblk configurations also prove their flush mode end to end: the
# backend's feature keys, the guest queue's fua flag, FLUSH/FUA entries
# in the log and the backend's f_req.

REC_BLOCK=6144			# 4 KiB block of record 0: 24 MiB in
FS_BLOCKS=5632			# 22 MiB of ext4 (4 KiB blocks)
DATA=/dev/ram0 LOGDEV=/dev/ram1 SCRATCH=/dev/ram2 COPY=/dev/ram3
SUMMARY=/tmp/flush-summary.txt

# ---- the guest ---------------------------------------------------------

guest_work() {
	local d=/dev/xvda m=/mnt/t k=0 ops=$RIG_RESULTS/ops.txt
	rig_wait_dev $d 30
	{
		echo "write_cache $(cat /sys/block/xvda/queue/write_cache)"
		echo "fua $(cat /sys/block/xvda/queue/fua)"
	} >"$RIG_RESULTS/queue.txt"
	mkdir -p $m
	rig_must "mount ext4" mount -t ext4 $d $m
	: >"$ops"

	# note operation k's results ("PATH STATE" lines), then its record
	done_op() {
		local line
		k=$((k + 1))
		for line in "$@"; do
			echo "$k $line" >>"$ops"
		done
		printf 'pvblk-rec %s %d\n' "$TAG" "$k" |
			dd of=$d bs=4096 seek=$((REC_BLOCK + k)) count=1 \
				conv=notrunc,sync,fsync oflag=direct 2>/dev/null ||
			rig_fail "writing progress record $k"
	}
	fsync() {
		rig_must "fsync $1" busybox sync "$1"
	}
	sum() {
		md5sum <"$m/$1" | cut -d' ' -f1
	}
	mkd() {			# directory created
		rig_must "mkdir $1" mkdir "$m/$1"
		fsync "$(dirname "$m/$1")"
		done_op "$1 dir"
	}
	inplace() {		# file written in place, fsynced, directory fsynced
		rig_must "write $1" dd if=/dev/urandom of="$m/$1" bs=1k count="$2" 2>/dev/null
		fsync "$m/$1"
		fsync "$(dirname "$m/$1")"
		done_op "$1 inplace:$(sum "$1")"
	}
	viatmp() {		# written as PATH.tmp, fsynced, renamed to PATH
		rig_must "write $1.tmp" dd if=/dev/urandom of="$m/$1.tmp" bs=1k count="$2" 2>/dev/null
		fsync "$m/$1.tmp"
		rig_must "rename $1.tmp" mv "$m/$1.tmp" "$m/$1"
		fsync "$(dirname "$m/$1")"
		done_op "$1 file:$(sum "$1")"
	}
	move() {		# renamed, both directories fsynced
		rig_must "rename $1 $2" mv "$m/$1" "$m/$2"
		fsync "$(dirname "$m/$1")"
		fsync "$(dirname "$m/$2")"
		done_op "$1 absent" "$2 file:$(sum "$2")"
	}
	del() {			# deleted, directory fsynced
		rig_must "rm $1" rm "$m/$1"
		fsync "$(dirname "$m/$1")"
		done_op "$1 absent"
	}

	mkd d1
	inplace d1/a 32
	viatmp d1/b 64
	mkd d1/sub
	viatmp d1/sub/c 16
	move d1/a d1/sub/a2
	viatmp d1/b 48			# replaces d1/b
	del d1/sub/c
	mkd d2
	inplace d2/e 128
	viatmp d2/f 8
	del d1/b
	rig_must "umount" umount $m
	rig_log "guest: $k operations done, each with its progress record"
}

# ---- dom0: checking one replay point (run by pvblk-logwrites) ---------

# Write the per-point check as a file: pvblk-logwrites runs it with sh -c.
write_checker() {
	cat >/tmp/check-point.sh <<'EOF'
#!/bin/bash
# check-point.sh TAG OPS NOPS: one replay point (env from pvblk-logwrites)
tag=$1 ops=$2 nops=$3 mnt=/mnt/chk fail=0
bad() { echo "    point $PVBLK_LOG_POINT entry $PVBLK_LOG_ENTRY: $*"; fail=1; }

# records 1..nops: which are present? (one awk, not a process per record:
# this runs at every replay point). A record is its line padded with
# zeros to a block: each run of zeros becomes one line break, not one
# per zero, which awk would have to read one by one.
r=0
while read -r what n m; do
	case $what in
	gap) bad "record $n present but record $m is not" ;;
	r) r=$n ;;
	esac
done < <(dd if="$PVBLK_LOG_TARGET" bs=4096 skip=$((REC_BLOCK + 1)) count="$nops" 2>/dev/null |
	tr -s '\0' '\n' | awk -v tag="$tag" -v n="$nops" '
	$1 == "pvblk-rec" && $2 == tag { have[$3] = 1 }
	END { r = 0; gap = 0
		for (i = 1; i <= n; i++)
			if (i in have) { if (gap) print "gap", i, gap; else r = i }
			else if (!gap) gap = i
		print "r", r }')
prev=0
read -r prev 2>/dev/null </tmp/last-r
[ "$r" -ge "$prev" ] || bad "records went back from $prev to $r"
echo "$r" >/tmp/last-r

dd if="$PVBLK_LOG_TARGET" of="$COPY" bs=1M count=$((FS_BLOCKS / 256)) iflag=direct oflag=direct 2>/dev/null ||
	{ bad "copying the image failed"; exit 1; }
[ -d $mnt ] || mkdir -p $mnt
if ! mount -t ext4 "$COPY" $mnt 2>/tmp/mount.err; then
	bad "mount failed: $(tail -n 1 /tmp/mount.err)"
	exit 1
fi
# for every path: its state after operation r, the states later
# operations give it, and whether an in-place write to it is pending
awk -v r="$r" '
	{ p = $2; s = $3
	  if (!(p in seen)) { seen[p] = 1; order[++n] = p; now[p] = "absent" }
	  if ($1 <= r) now[p] = s
	  else { later[p] = later[p] " " s; if (s ~ /^inplace:/) pend[p] = 1 } }
	END { for (i = 1; i <= n; i++) { p = order[i]
		print p, (p in pend) ? "any" : now[p] later[p] } }' "$ops" >/tmp/want.txt
# the checksums of every regular file checked, in one md5sum (a process
# per file would cost more than the rest of the point under emulation)
declare -A sums=()
files=()
while read -r p states; do
	[ "$states" != any ] && [ -f "$mnt/$p" ] && files+=("$mnt/$p")
done </tmp/want.txt
if [ ${#files[@]} -gt 0 ]; then
	while read -r s f; do
		sums[$f]=$s
	done < <(md5sum -- "${files[@]}" 2>/dev/null)
fi
checked=0
while read -r p states; do
	[ "$states" != any ] || continue
	f=$mnt/$p
	if [ -d "$f" ]; then
		have=dir
	elif [ -f "$f" ]; then
		have=${sums[$f]:-unreadable}
	elif [ -e "$f" ]; then
		have=other
	else
		have=absent
	fi
	ok=0
	for s in $states; do
		case "$s" in
		dir | absent) [ "$have" = "$s" ] && ok=1 ;;
		*) [ "$have" = "${s#*:}" ] && ok=1 ;;
		esac
	done
	[ "$ok" = 1 ] || bad "$p is '$have' after record $r, want one of: $states"
	checked=$((checked + 1))
done </tmp/want.txt
umount $mnt || bad "umount failed"
fsck=clean
if ! fsck.ext4 -fn "$COPY" >/tmp/fsck.out 2>&1; then
	fsck=FAILED
	bad "fsck.ext4 -fn: $(grep -v '^e2fsck\|^Pass\|^$' /tmp/fsck.out | head -n 3 | tr '\n' ' ')"
fi
echo "    point $PVBLK_LOG_POINT entry $PVBLK_LOG_ENTRY $PVBLK_LOG_FLAGS: record $r, $checked paths checked, fsck $fsck"
exit $fail
EOF
}

# ---- dom0: one configuration --------------------------------------------

# Highest statistics/f_req of DOMID's xvda while the guest lives.
poll_f_req() {
	local domid=$1 max=0 v f
	f=/sys/bus/xen-backend/devices/vbd-$domid-51712/statistics/f_req
	while xenstore-exists "/local/domain/$domid" 2>/dev/null; do
		v=$(cat "$f" 2>/dev/null || echo 0)
		[ "$v" -gt "$max" ] && max=$v
		sleep 2
	done
	echo "$max"
}

vbd_connected() {
	[ "$(xenstore-read "/local/domain/0/backend/vbd/$1/51712/state" 2>/dev/null)" = 4 ]
}

# run_config NAME BACKEND FRONT [FLUSH-MODE]: FLUSH-MODE is pvblkback's
run_config() {
	local name=$1 back=$2 front=$3 mode=${4:-} lw domid be gdir nops out rc=0 fr
	local nflush nfua fail=""
	if [ "$back" = ours ]; then
		local pf=/sys/module/pvblkback/parameters/flush_mode
		rig_load_backend ours "flush_mode=$mode"
		[ "$(cat $pf)" = "$mode" ] || rig_fail "flush_mode reads '$(cat $pf)', want '$mode'"
		! (echo bogus >$pf) 2>/dev/null || rig_fail "flush_mode accepted 'bogus'"
		[ "$(cat $pf)" = "$mode" ] || rig_fail "flush_mode changed to '$(cat $pf)' by a refused write"
	else
		rig_load_backend "$back"
	fi
	lw=$(rig_log_writes "lw-$name" $DATA $LOGDEV)
	rig_must "mkfs.ext4 on $lw" mkfs.ext4 -q -F -b 4096 \
		-E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$lw" $FS_BLOCKS
	rig_must "mark mkfs" dmsetup message "lw-$name" 0 mark mkfs
	local fopts=(--front "$front")
	[ "$front" = stock ] || fopts+=(--blacklist-stock)
	rig_domu_start "g-$name" --vcpus 1 --mem 384 "${fopts[@]}" \
		--disk "phy:$lw,xvda,w" --fn "guest_work" --timeout 240 \
		--env TAG="$name" --env REC_BLOCK=$REC_BLOCK
	domid=$(cat "/tmp/rig-domu/g-$name/domid")
	be=/local/domain/0/backend/vbd/$domid/51712
	rig_wait_for "g-$name's disk to connect" 200 vbd_connected "$domid"
	local keys
	keys="flush-cache=$(xenstore-read "$be/feature-flush-cache" 2>/dev/null) barrier=$(xenstore-read "$be/feature-barrier" 2>/dev/null)"
	fr=$(poll_f_req "$domid")
	rig_domu_wait "g-$name"
	gdir=$RIG_RESULTS/guests/g-$name
	[ -s "$gdir/ops.txt" ] || rig_fail "$name: the guest noted no operation"
	nops=$(tail -n 1 "$gdir/ops.txt" | cut -d' ' -f1)
	rig_must "mark guest-done" dmsetup message "lw-$name" 0 mark guest-done
	rig_save "$name-dmsetup-status.txt" dmsetup status "lw-$name"
	# the target logs asynchronously; removing it waits for every entry
	# and writes the end mark and the super block
	rig_must "remove lw-$name" env DM_DISABLE_UDEV=1 dmsetup remove "lw-$name"
	echo 3 >/proc/sys/vm/drop_caches

	# the log, and how the guest's flushes reached it
	out=/tmp/$name-log.txt
	pvblk-logwrites list $LOGDEV >"$out" || rig_fail "$name: pvblk-logwrites list failed: $(tail -n 1 "$out")"
	rig_collect "$out" "$name-log.txt"
	nflush=$(awk '/^entry/ && seen && $5 ~ /FLUSH/ { n++ } /MARK mkfs$/ { seen = 1 } END { print n + 0 }' "$out")
	nfua=$(awk '/^entry/ && seen && $5 ~ /FUA/ { n++ } /MARK mkfs$/ { seen = 1 } END { print n + 0 }' "$out")

	# replay to every FLUSH, FUA and MARK after mkfs
	write_checker
	rm -f /tmp/last-r
	rig_must "zero the scratch" dd if=/dev/zero of=$SCRATCH bs=1M count=32
	export REC_BLOCK FS_BLOCKS COPY
	pvblk-logwrites replay $LOGDEV $SCRATCH --each flush,fua,mark \
		--after-mark mkfs --skip-unchanged --keep-going \
		--check "bash /tmp/check-point.sh $name $gdir/ops.txt $nops" \
		>"/tmp/$name-replay.txt" 2>&1 || rc=$?
	rig_collect "/tmp/$name-replay.txt" "$name-replay.txt"
	local result
	result=$(tail -n 1 "/tmp/$name-replay.txt")
	[ "$rc" = 0 ] || [ "$rc" = 1 ] ||
		fail="pvblk-logwrites replay exited $rc: $result"
	[ "$rc" != 1 ] || fail="replay points failed: $result; $(grep -m 3 '^    point.*: [^r]' "/tmp/$name-replay.txt" | tr '\n' ' ')"
	grep -q "check points" <<<"$result" || fail=${fail:-"no replay summary: $result"}

	rig_log "$name: keys $keys, guest $(tr '\n' ' ' <"$gdir/queue.txt"), $nops operations," \
		"log: $nflush FLUSH and $nfua FUA entries after mkfs, backend f_req $fr; $result"
	echo "$name: keys $keys; guest $(tr '\n' ' ' <"$gdir/queue.txt"); $nops operations; $nflush FLUSH, $nfua FUA entries; f_req $fr; $result; ${fail:-all points clean}" >>"$SUMMARY"

	# what each pvblk mode must show, end to end
	case $name in
	flush)
		[ "$keys" = "flush-cache=1 barrier=0" ] || fail=${fail:-"backend keys $keys"}
		grep -qx "fua 0" "$gdir/queue.txt" || fail=${fail:-"guest queue: $(tr '\n' ' ' <"$gdir/queue.txt")"}
		[ "$nflush" -gt 0 ] && [ "$nfua" = 0 ] || fail=${fail:-"log has $nflush FLUSH and $nfua FUA entries (want FLUSH only)"}
		;;
	barrier)
		[ "$keys" = "flush-cache=0 barrier=1" ] || fail=${fail:-"backend keys $keys"}
		grep -qx "fua 1" "$gdir/queue.txt" || fail=${fail:-"guest queue: $(tr '\n' ' ' <"$gdir/queue.txt")"}
		[ "$nfua" -gt 0 ] || fail=${fail:-"log has no FUA entry (barriers with data)"}
		;;
	back)
		# auto offers both; the stock frontend prefers flush-cache
		[ "$keys" = "flush-cache=1 barrier=1" ] || fail=${fail:-"backend keys $keys"}
		[ "$nflush" -gt 0 ] || fail=${fail:-"log has no FLUSH entry"}
		;;
	esac
	[ "$fr" -gt 0 ] || fail=${fail:-"backend statistics/f_req stayed 0"}

	rig_unload_backend
	if [ -n "$fail" ]; then
		if [ "$back" = stock ]; then
			rig_log "$name (stock, recorded only): $fail"
		else
			FAILED="$FAILED; $name: $fail"
		fi
	fi
}

FAILED=""
rig_ramdisks 4 64
rig_module_loaded ext4 || rig_modprobe ext4
run_config flush ours ours flush
run_config barrier ours ours barrier
run_config back ours stock auto
! rig_stock_legs || run_config stock stock stock
rig_collect "$SUMMARY" flush-summary.txt
cat "$SUMMARY"
[ -z "$FAILED" ] || rig_fail "pvblk lost or misordered a flush${FAILED}"
