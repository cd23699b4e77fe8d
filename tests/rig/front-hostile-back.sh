#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900 mem=3G dom0_mem=1536M
#
# pvblkfront against a hostile backend: one 2-vCPU guest with our
# frontend (rings of up to 4 pages, up to 64 indirect segments), and in
# dom0 `pvblk-ring backend` serving it a disk xvdc over a ramdisk, once
# per case of `pvblk-ring backend --list`, in that order: honest first
# (the control), then withheld, doubled, unknown-id and wrong-operation
# responses, rsp_prod past req_prod, a refused flush followed by silence,
# Closing with requests in flight and their pages still mapped, restarts
# (also with a new sector size or fewer features), absurd and garbage
# feature keys, silence from the disk's very first read, a restart with
# that read unanswered (the disk is being added: it must come up on the
# new connection), and Closing with that read's pages mapped (no
# persistent grants) and kept mapped after the nodes are removed.
#
# Per case the guest writes 1 MiB (256 4 KiB direct writes - past the
# restarts' trigger at the 64th - then fsync) while it reads 4 MiB never
# written, and if the write worked reads it back and
# compares; a read that ends early (the disk's capacity dropped to 0 as
# the backend closed) counts as failed, and what it did return must still
# be right. What it saw - ok (done and intact), error (failed), nodisk
# (the frontend refused the backend) - must be one the case allows (the
# list's second column). After a restart the disk must come back - by
# itself, or after the guest unbinds and binds pvblkfront, which asks for
# a new connection - and work with the new sector size or features. The
# guest boots with page_poison=1: close-inflight's backend writes into the
# pages of reads it still maps after the disk is gone, which a frontend
# that gave them back to its allocator would see as corruption.
# The test fails
#  - when an I/O does not end within 60 s (a hang),
#  - when xenwatch is stuck while the backend withholds the disk's first
#    reads (withhold-probe), or that I/O does not fail within 20 s,
#  - when xenwatch is stuck for 5 s while the device is removed with the
#    backend still mapping the pages of its first read (close-inflight-
#    probe: the removal must not wait for the backend),
#  - when I/O reports success but the data read back differs (pattern or
#    zeros), or a case whose backend never answered reports success,
#  - when xvdc and its xenbus device are not gone within 40 s of the
#    backend removing its nodes, or the frontend does not reach Closed
#    within 10 s of the backend's Closing,
#  - on any BUG/WARNING/Oops or hung task in a console (the rig's scan).
# Results: case-NAME.json / .txt (the backend's view: frontend states,
# requests, what it held) and guests/hb/case-NAME.txt (the guest's: exit
# status and time of each I/O, pvblkfront's kernel messages).

R=$RIG_RESULTS
HB_DEVID=51744	# xvdc

# ---- guest side ----

# Uptime in centiseconds.
hb_now() {
	local u
	u=$(cut -d' ' -f1 /proc/uptime)
	echo $((${u%.*} * 100 + 10#${u#*.}))
}

# Run CMD... in the background for at most SECONDS; sets HB_RC (its exit
# status, or "hang") and HB_CS (centiseconds it ran).
hb_run() { # seconds cmd...
	local limit=$(($1 * 100)) t0 pid
	shift
	t0=$(hb_now)
	"$@" >>/tmp/hb-io.txt 2>&1 &
	pid=$!
	HB_RC=hang
	while kill -0 "$pid" 2>/dev/null; do
		HB_CS=$(($(hb_now) - t0))
		[ "$HB_CS" -lt "$limit" ] || return 0
		sleep 0.1
	done
	HB_RC=0
	wait "$pid" || HB_RC=$?
	HB_CS=$(($(hb_now) - t0))
}

hb_state() {
	cat /sys/bus/xen/devices/vbd-$HB_DEVID/state 2>/dev/null
}

# The disk is there, or the frontend gave up on the backend.
hb_disk_or_closed() {
	[ -b /dev/xvdc ] || [ "$(hb_state)" = Closed ]
}

# xenwatch - the thread that runs every xenbus driver's state changes, in
# this guest - is waiting for the next change (S), not stuck in one (D).
# Sets HB_XW (its state and wait channel).
hb_xenwatch_idle() {
	local p c st
	HB_XW="no xenwatch thread"
	for p in /proc/[0-9]*; do
		read -r c <"$p/comm" 2>/dev/null || continue
		[ "$c" = xenwatch ] || continue
		st=$(cut -d' ' -f3 "$p/stat" 2>/dev/null)
		HB_XW="state $st in $(cat "$p/wchan" 2>/dev/null)"
		[ "$st" = S ]
		return
	done
	return 1
}

hb_gone() {
	[ ! -e /dev/xvdc ] && [ ! -d /sys/bus/xen/devices/vbd-$HB_DEVID ]
}

# Until xvdc is gone (at most 40 s), xenwatch must never be stuck for 5 s
# in a row: the backend removed its nodes while it still maps the pages
# of the disk's partition read, and the device's removal runs in xenwatch.
hb_gone_xenwatch_free() { # case
	local t0 stuck=""
	t0=$(hb_now)
	until hb_gone; do
		[ $(($(hb_now) - t0)) -lt 4000 ] ||
			rig_fail "$1: xvdc and its xenbus device did not go away within 40 s of the backend removing them"
		if hb_xenwatch_idle; then
			stuck=""
		elif [ -z "$stuck" ]; then
			stuck=$(hb_now)
		elif [ $(($(hb_now) - stuck)) -ge 500 ]; then
			rig_fail "$1: xenwatch stuck ($HB_XW) for 5 s while the device was removed with the backend still mapping the pages of the disk's partition read"
		fi
		sleep 0.2
	done
}

# 0 when FILE, what a read that ended well wrote, has all BYTES; else
# "short" with its size: the disk ended early - its capacity dropped to 0
# as the backend closed - which is a failed read, not a wrong one.
hb_short() { # file bytes
	local n
	n=$(wc -c 2>/dev/null <"$1") || n=0
	if [ "$n" -ge "$2" ]; then
		echo 0
	else
		echo "short:$n"
	fi
}

# Write the pattern and, at the same time, read 4 MiB further on (never
# written: zeros), so that reads are in flight with the writes; then read
# the pattern back and compare. Sets HB_SEEN (ok|error, by the write and
# its read-back) and HB_IO (a summary).
hb_io() { # case
	local wrc rrc=- wcs rcs=0 bg bgrc=0 t0
	rm -f /tmp/back /tmp/zeros
	dd if=/dev/xvdc of=/tmp/zeros bs=64k count=64 skip=128 iflag=direct >>/tmp/hb-io.txt 2>&1 &
	bg=$!
	hb_run 60 dd if=/tmp/pat of=/dev/xvdc bs=4k count=256 oflag=direct conv=fsync
	wrc=$HB_RC wcs=$HB_CS
	[ "$wrc" != hang ] || rig_fail "$1: a 1 MiB write to xvdc did not end within 60 s"
	if [ "$wrc" = 0 ]; then
		hb_run 60 dd if=/dev/xvdc of=/tmp/back bs=64k count=16 iflag=direct
		rrc=$HB_RC rcs=$HB_CS
		[ "$rrc" != hang ] || rig_fail "$1: a 1 MiB read of xvdc did not end within 60 s"
		[ "$rrc" != 0 ] || rrc=$(hb_short /tmp/back 1048576)
	fi
	t0=$(hb_now)
	while kill -0 "$bg" 2>/dev/null; do
		[ $(($(hb_now) - t0)) -lt 6000 ] ||
			rig_fail "$1: a 4 MiB read of xvdc alongside the write did not end within 60 s of it"
		sleep 0.1
	done
	wait "$bg" || bgrc=$?
	[ "$bgrc" != 0 ] || bgrc=$(hb_short /tmp/zeros 4194304)
	if [ "$bgrc" = 0 ] || [ "${bgrc#short:}" != "$bgrc" ]; then
		cmp -s -n "$(wc -c </tmp/zeros)" /tmp/zeros /dev/zero ||
			rig_fail "$1: a read of a never-written range reported success but did not return its zeros: I/O reported done that was not done"
	fi
	if [ "${rrc#short:}" != "$rrc" ]; then
		cmp -s -n "$(wc -c </tmp/back)" /tmp/back /tmp/pat ||
			rig_fail "$1: a read back that ended early returned other data than was written: I/O reported done that was not done"
	fi
	HB_SEEN=error
	if [ "$wrc" = 0 ] && [ "$rrc" = 0 ]; then
		cmp -s /tmp/pat /tmp/back ||
			rig_fail "$1: write and read back reported success but the data differs: I/O reported done that was not done"
		HB_SEEN=ok
	fi
	HB_IO="write exit $wrc after $((wcs / 100)).$((wcs % 100 / 10))s, read exit $rrc after $((rcs / 100)).$((rcs % 100 / 10))s, concurrent read exit $bgrc"
}

# The disk is Connected again and answers a read.
hb_back() {
	[ "$(hb_state)" = Connected ] &&
		dd if=/dev/xvdc of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null
}

# After a restart of the backend (Closed, then InitWait): wait for the
# frontend to come back by itself, else unbind and bind it again (a new
# probe asks the backend for a new connection); the new disk must then
# work and show the new connection's sector size and features. Sets
# HB_RECONNECT.
hb_reconnect() { # case
	local how=reconnected drv=/sys/bus/xen/drivers/pvblkfront f
	if ! rig__wait_quiet 4 hb_back; then
		how="rebound (the frontend stayed $(hb_state) after the restart)"
		echo "vbd-$HB_DEVID" >$drv/unbind || rig_fail "$1: cannot unbind vbd-$HB_DEVID"
		echo "vbd-$HB_DEVID" >$drv/bind || rig_fail "$1: cannot bind vbd-$HB_DEVID again"
		rig__wait_quiet 15 hb_back ||
			rig_fail "$1: after a rebind the disk did not come back (frontend $(hb_state))"
	fi
	hb_io "$1 (new connection)"
	[ "$HB_SEEN" = ok ] || rig_fail "$1: the disk came back but its I/O failed ($HB_IO)"
	f=$(head -n 1 /sys/block/xvdc/pvblkfront/features)
	case "$1" in
	reconnect-sector-size)
		rig_expect_eq "$1: logical block size of the new connection" \
			"$(cat /sys/block/xvdc/queue/logical_block_size)" 4096
		;;
	reconnect-features)
		[[ "$f" =~ ^queues\ 1\ ring_order\ 0\ persistent\ 0\ indirect\ 0$ ]] ||
			rig_fail "$1: new connection's features '$f', want 1 queue, ring order 0, no persistent grants, no indirect segments"
		;;
	esac
	HB_RECONNECT="$how: $HB_IO; $f, $(cat /sys/block/xvdc/queue/logical_block_size)-byte blocks"
}

hb_case() { # name allowed
	local name=$1 allowed=$2 n0 seen detail out=$RIG_RESULTS/case-$1.txt
	n0=$(dmesg | wc -l)
	: >/tmp/hb-io.txt
	rig_wait_for "$name: the backend's vbd in the guest" 90 test -d /sys/bus/xen/devices/vbd-$HB_DEVID
	if rig__wait_quiet 15 hb_disk_or_closed && [ -b /dev/xvdc ]; then
		if [ "$name" = withhold-probe ]; then
			# The disk's partition scan is waiting for the backend,
			# which keeps the reads: xenwatch must not wait with it.
			rig__wait_quiet 3 hb_xenwatch_idle ||
				rig_fail "$name: xenwatch is stuck ($HB_XW) while the backend withholds the disk's first reads: no xenbus device of the guest can change state"
		fi
		hb_io "$name"
		seen=$HB_SEEN detail=$HB_IO
		[ "$name" != withhold-probe ] || detail="$detail; xenwatch $HB_XW while the reads were withheld"
		# The backend goes Closing 4 s after withholding the first read;
		# the disk's I/O fails once it is Closed, at once.
		[ "$name" != withhold-probe ] || [ "$seen" != error ] || [ "$HB_CS" -lt 2000 ] ||
			rig_fail "$name: the I/O took $((HB_CS / 100)) s to fail after the backend withheld the disk's first read ($HB_IO)"
		case "$name" in
		restart-probe)
			# The restart came while the disk was being added: its
			# partition reads were carried to the new connection.
			dmesg | tail -n +$((n0 + 1)) | grep -q 'closed without closing' ||
				rig_fail "$name: pvblkfront did not report the backend's restart during the disk's probe"
			[ "$(hb_state)" = Connected ] ||
				rig_fail "$name: the frontend is $(hb_state), not Connected, after the restart during the probe"
			detail="$detail; reconnected after a restart during the probe"
			;;
		restart | reconnect-*)
			HB_RECONNECT="no restart seen by the I/O"
			[ "$seen" = error ] && hb_reconnect "$name"
			detail="$detail; $HB_RECONNECT"
			;;
		esac
	else
		seen=nodisk detail="no xvdc (frontend state $(hb_state))"
	fi
	{
		echo "case $name: seen $seen (allowed $allowed): $detail"
		cat /tmp/hb-io.txt
		echo "--- kernel messages"
		dmesg | tail -n +$((n0 + 1))
	} >"$out"
	rig_log "hostile $name: the guest saw $seen: $detail"
	dmesg | tail -n +$((n0 + 1)) | grep -i 'pvblk\|xvdc' | sed "s/^/  $name: /"
	[[ "|$allowed|" == *"|$seen|"* ]] ||
		rig_fail "$name: the guest saw '$seen', the case allows '$allowed' ($detail)"
	echo "@@hb $name io-done@@"
	[ "$name" != close-inflight-probe ] || hb_gone_xenwatch_free "$name"
	rig_wait_for "$name: xvdc and its xenbus device to go away after the backend removed them" 40 hb_gone
	echo "@@hb $name removed@@"
}

hostile_guest() {
	local c
	rig_wait_for "pvblkfront" 30 rig_module_loaded pvblkfront
	dd if=/dev/urandom of=/tmp/pat bs=1M count=1 2>/dev/null || rig_fail "cannot make the pattern"
	for c in $HB_CASES; do
		hb_case "${c%%:*}" "${c#*:}"
	done
	rig_log "hostile backend: the guest went through every case"
}

# ---- dom0 side ----

# Wait until the guest prints "@@hb CASE MARK@@"; fail early when the
# guest or the backend (PID, if given) is gone.
hb_marker() { # case mark seconds [pid]
	local log=/var/log/xen/console/guest-hb.log end=$(($(date +%s) + $3))
	until grep -aq "@@hb $1 $2@@" "$log" 2>/dev/null; do
		if grep -aq '@@pvblk-guest result=' "$log"; then
			# The guest failed the case: free its pages, give it 30 s to
			# power off (its final sync may wait for I/O that never
			# ends), then collect it for its own reason.
			[ -z "${4:-}" ] || kill "$4" 2>/dev/null
			rig__wait_quiet 30 sh -c "! xenstore-exists /local/domain/$DOMID" || {
				rig_log "guest hb did not power off within 30 s of its result: destroyed"
				xl destroy hb >/dev/null 2>&1
			}
			rig_domu_wait hb
			rig_fail "case $1: the guest ended before it reported '$2'"
		fi
		if ! xl domid hb >/dev/null 2>&1; then
			rig_domu_wait hb
			rig_fail "case $1: the guest ended before it reported '$2'"
		fi
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			cat "$R/case-$1.txt"
			rig_fail "case $1: pvblk-ring backend ended before the guest reported '$2': $(tail -n 1 "$R/case-$1.txt")"
		fi
		[ "$(date +%s)" -lt "$end" ] ||
			rig_fail "case $1: the guest did not report '$2' within $3 s (vbd state: $(rig__vbd_states "$DOMID" xvdc))"
		sleep 0.3
	done
}

hb_run_case() { # name
	local name=$1 pid rc=0 script=$1
	case "$name" in
	restart | reconnect-* | restart-probe) script="$name:reconnect-wait=25" ;;
	# held long enough that a removal waiting for the pages shows
	close-inflight-probe) script="$name:hold=15" ;;
	esac
	rm -f /tmp/hb.release
	pvblk-ring backend --domid "$DOMID" --dev /dev/ram0 --vdev xvdc --script "$script" \
		--until-file /tmp/hb.release --json "$R/case-$name.json" \
		>"$R/case-$name.txt" 2>&1 &
	pid=$!
	hb_marker "$name" io-done 300 "$pid"
	touch /tmp/hb.release
	rig_wait_exit "$pid" 60 ||
		rig_fail "case $name: pvblk-ring backend still running 60 s after the guest was done"
	wait "$pid" || rc=$?
	sed "s/^/[backend] /" "$R/case-$name.txt"
	[ "$rc" = 0 ] ||
		rig_fail "case $name: pvblk-ring backend exit status $rc: $(grep -v '^ ' "$R/case-$name.txt" | tail -n 1)"
	hb_marker "$name" removed 60
	! xenstore-exists "/local/domain/$DOMID/device/vbd/$HB_DEVID" ||
		rig_fail "case $name: the guest's vbd node is still there"
}

rig_ramdisks 1 64 --fill
cases=$(pvblk-ring backend --list | awk '{ printf "%s:%s ", $1, $2 }') ||
	rig_fail "pvblk-ring backend --list failed"
rig_log "cases: $cases"
rig_domu_start hb --vcpus 2 --mem 384 --front ours --blacklist-stock \
	--front-params "max_ring_page_order=2 max_indirect_segments=64" \
	--cmdline "page_poison=1" \
	--env "HB_CASES=$cases" --env "HB_DEVID=$HB_DEVID" \
	--fn "hostile_guest hb_case hb_io hb_run hb_now hb_state hb_disk_or_closed hb_xenwatch_idle hb_short hb_gone hb_gone_xenwatch_free hb_back hb_reconnect" \
	--timeout 720
DOMID=$(cat /tmp/rig-domu/hb/domid)
# The guest has loaded pvblkfront once its script starts.
rig_wait_for "guest hb to start its script" 300 \
	grep -aq '@@pvblk-guest start@@' /var/log/xen/console/guest-hb.log
for c in $cases; do
	hb_run_case "${c%%:*}"
done
rig_domu_wait hb
rig_log "front-hostile-back: every case ended as allowed, the guest stayed up and every disk went away"
