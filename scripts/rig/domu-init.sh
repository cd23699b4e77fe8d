#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of a rig guest (PV domU). Loads the block frontend /rig/guest.conf
# asks for, runs /rig/test.sh with /rig/lib.sh sourced, then sends its
# result directory to dom0 over the console - a tar.gz in base64 lines
# prefixed "@@b64 ", between "@@pvblk-payload begin md5=SUM@@" and
# "@@pvblk-payload end@@" - prints "@@pvblk-guest result=pass|fail@@" and
# powers off. dom0 (rig_domu_wait) decodes the payload from the console log
# xenconsoled keeps.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

. /rig/guest.conf
RIG_KREL=$(uname -r)
export RIG_ROLE=domu RIG_RESULTS=/results RIG_MODDIR=/rig/modules
export RIG_KREL RIG_NAME
mkdir -p "$RIG_RESULTS"
echo "@@pvblk-guest init name=$RIG_NAME@@ uptime $(cut -d' ' -f1 /proc/uptime)s"

finish() {
	local verdict=$1 sum
	dmesg >"$RIG_RESULTS/dmesg.txt" 2>&1
	cat /proc/cmdline >"$RIG_RESULTS/cmdline.txt"
	# Keep kernel messages off the console while the payload goes out.
	dmesg -n 1
	tar -C "$RIG_RESULTS" -czf /tmp/payload.tgz .
	sum=$(md5sum </tmp/payload.tgz | cut -d' ' -f1)
	echo "@@pvblk-payload begin md5=$sum@@"
	base64 /tmp/payload.tgz | sed 's/^/@@b64 /'
	echo "@@pvblk-payload end@@"
	dmesg -n 7
	echo "@@pvblk-guest result=$verdict@@"
	sync
	poweroff -f
	sleep 10
}

fail_early() {
	echo "rig[domu]: FAIL: $*"
	echo "$*" >>"$RIG_RESULTS/failures"
	finish fail
}

depmod -a "$RIG_KREL" || fail_early "depmod failed"
modprobe crc32c_generic
modprobe crc32c-intel 2>/dev/null

# The block frontend, loaded through the library so the checks match dom0.
(
	. /rig/lib.sh
	rig_tracing_setup
	[ "$RIG_BLACKLIST_STOCK" = 1 ] && rig_blacklist_stock
	# shellcheck disable=SC2086
	case "$RIG_FRONT" in
	ours | stock) rig_load_frontend "$RIG_FRONT" $RIG_FRONT_PARAMS ;;
	none) ;;
	esac
	true
) || fail_early "guest setup failed"
[ -s "$RIG_RESULTS/failures" ] && finish fail

# What a hung guest script was waiting for, before it is killed: the
# blocked tasks (to the console); where every process of the test sleeps
# (a job waiting in io_getevents() for an I/O that never completes is not
# blocked), each xvd disk's frontend counters and blk-mq queue state
# (timeout-state.txt in the results).
dump_stuck_state() {
	local d f p out=$RIG_RESULTS/timeout-state.txt
	echo w >/proc/sysrq-trigger 2>/dev/null
	grep -q ' /sys/kernel/debug ' /proc/mounts ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	{
		for p in /proc/[0-9]*; do
			[ -r "$p/stack" ] || continue
			case "$(cat "$p/comm" 2>/dev/null)" in
			fio | dd | kworker* | sh | bash) ;;
			*) continue ;;
			esac
			echo "== ${p#/proc/} $(cat "$p/comm" 2>/dev/null) $(cut -d' ' -f3 "$p/stat" 2>/dev/null) wchan $(cat "$p/wchan" 2>/dev/null)"
			cat "$p/stack" 2>/dev/null
		done
		for d in /sys/block/xvd*; do
			[ -e "$d" ] || continue
			echo "== ${d##*/}"
			grep -H . "$d"/pvblkfront/* "$d"/inflight 2>/dev/null
			for f in /sys/kernel/debug/block/"${d##*/}"/state \
				/sys/kernel/debug/block/"${d##*/}"/hctx*/{state,dispatch,busy,tags}; do
				[ -e "$f" ] && grep -H . "$f"
			done
		done
	} >"$out" 2>&1
	echo "rig[domu]: state of the xvd disks at the timeout: timeout-state.txt"
}

cd /tmp || fail_early "no /tmp"
echo "@@pvblk-guest start@@"
setsid bash -c '. /rig/lib.sh && . /rig/test.sh' </dev/null &
pid=$!
(
	sleep "$RIG_TIMEOUT"
	echo "rig[domu]: guest script exceeded its ${RIG_TIMEOUT}s limit: killing it"
	touch /tmp/rig-test-timeout
	dump_stuck_state
	kill -KILL -- "-$pid" 2>/dev/null
) &
wd=$!
wait "$pid"
rc=$?
kill "$wd" 2>/dev/null
echo "rig[domu]: guest script exited with status $rc"

if [ -e /tmp/rig-test-timeout ]; then
	echo "guest script exceeded ${RIG_TIMEOUT}s" >>"$RIG_RESULTS/failures"
	finish fail
elif [ "$rc" != 0 ]; then
	[ -s "$RIG_RESULTS/failures" ] || echo "guest script exited with status $rc" >>"$RIG_RESULTS/failures"
	finish fail
elif [ -s "$RIG_RESULTS/failures" ]; then
	finish fail
else
	finish pass
fi
