#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of the rig's dom0 (PID 1 in the initramfs). Brings up the Xen
# toolstack, runs /rig/test.sh with /rig/lib.sh sourced, collects results,
# prints the result marker, writes the result directory as a tar stream
# onto the results disk (virtio, serial "pvblkresults") and powers off.
#
# Markers on the console (the host's run.sh reads them):
#   @@pvblk-rig dom0-init@@            /init started
#   @@pvblk-rig start test=NAME@@      the test script starts
#   @@pvblk-rig result=pass|fail ...@@ its outcome
#   @@pvblk-rig results-saved@@        the results disk is written

export PATH=/rig/tools:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# devtmpfs has none of these; xen's locking.sh spins without /dev/stdin.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
echo "@@pvblk-rig dom0-init@@ uptime $(cut -d' ' -f1 /proc/uptime)s"

. /rig/run.conf
export RIG_ROLE=dom0 RIG_RESULTS=/results RIG_MODDIR=/rig/modules
export RIG_NAME RIG_KREL
mkdir -p "$RIG_RESULTS"

finish() {
	local verdict=$1 reason=$2 dev s
	dmesg >"$RIG_RESULTS/dom0-dmesg.txt" 2>&1
	xl dmesg >"$RIG_RESULTS/xen-dmesg.txt" 2>&1
	xenstore-ls -f >"$RIG_RESULTS/xenstore.txt" 2>&1
	for dev in $(xl list 2>/dev/null | awk 'NR > 2 { print $1 }'); do
		xl destroy "$dev" >/dev/null 2>&1
	done
	# Console logs of guests the test did not wait for.
	for s in /var/log/xen/console/guest-*.log; do
		[ -f "$s" ] || continue
		s=${s##*/guest-}
		s=${s%.log}
		[ -d "$RIG_RESULTS/guests/$s" ] && continue
		mkdir -p "$RIG_RESULTS/guests/$s"
		tr -d '\r' <"/var/log/xen/console/guest-$s.log" | grep -v '^@@b64 ' \
			>"$RIG_RESULTS/guests/$s/console.log"
	done
	[ -f /var/log/xen/xen-hotplug.log ] && cp /var/log/xen/xen-hotplug.log "$RIG_RESULTS/"
	echo "$verdict $reason" >"$RIG_RESULTS/verdict"
	echo "@@pvblk-rig result=$verdict reason=$reason@@"
	save_results
	sync
	poweroff -f
	sleep 10
}

save_results() {
	local d dev=""
	modprobe virtio_pci 2>/dev/null
	modprobe virtio_blk 2>/dev/null
	for _ in $(seq 50); do
		for d in /sys/block/vd*; do
			[ "$(cat "$d/serial" 2>/dev/null)" = pvblkresults ] && dev=/dev/${d##*/}
		done
		[ -n "$dev" ] && [ -b "$dev" ] && break
		sleep 0.2
	done
	if [ -z "$dev" ]; then
		echo "rig: no results disk found"
		return
	fi
	if tar -C "$RIG_RESULTS" -cf - . | dd of="$dev" bs=1M conv=fsync 2>/dev/null; then
		echo "@@pvblk-rig results-saved@@"
	else
		echo "rig: writing results to $dev failed"
	fi
}

bringup_fail() {
	echo "rig: dom0 bring-up failed: $*"
	echo "$*" >>"$RIG_RESULTS/failures"
	finish fail "bring-up:$(echo "$*" | tr ' ' '_')"
}

# ---- Xen toolstack bring-up ----------------------------------------------
depmod -a "$RIG_KREL" || bringup_fail "depmod failed"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
	modprobe "$m" || bringup_fail "cannot load $m"
done
modprobe crc32c_generic
modprobe crc32c-intel 2>/dev/null
mkdir -p /proc/xen /var/run/xenstored /var/lib/xenstored /var/log/xen/console \
	/var/run/xen /var/lib/xen /var/run/xen-hotplug
mount -t xenfs xenfs /proc/xen || bringup_fail "cannot mount xenfs"
xenstored --pid-file=/var/run/xenstored.pid || bringup_fail "xenstored did not start"
for _ in $(seq 100); do
	xenstore-read / >/dev/null 2>&1 && break
	sleep 0.1
done
xenstore-read / >/dev/null 2>&1 || bringup_fail "xenstored does not answer"
xen-init-dom0 >/dev/null || bringup_fail "xen-init-dom0 failed"
xenconsoled --log=guest --log-dir=/var/log/xen/console ||
	bringup_fail "xenconsoled did not start"
xl info >"$RIG_RESULTS/xl-info.txt" 2>&1 || bringup_fail "xl info failed"
echo "rig: Xen $(awk -F': ' '/^xen_version/ { print $2 }' "$RIG_RESULTS/xl-info.txt"), dom0 $RIG_KREL, uptime $(cut -d' ' -f1 /proc/uptime)s"

# ---- the test --------------------------------------------------------------
cd /tmp || bringup_fail "no /tmp"
(. /rig/lib.sh && rig_tracing_setup) || bringup_fail "tracing setup failed"
echo "@@pvblk-rig start test=$RIG_NAME@@"
t0=$(date +%s)
setsid bash -c '. /rig/lib.sh && . /rig/test.sh' </dev/null &
pid=$!
(
	sleep "$RIG_TIMEOUT"
	echo "rig: test $RIG_NAME exceeded its ${RIG_TIMEOUT}s limit in dom0: killing it"
	touch /tmp/rig-test-timeout
	kill -KILL -- "-$pid" 2>/dev/null
) &
wd=$!
wait "$pid"
rc=$?
kill "$wd" 2>/dev/null
wait "$wd" 2>/dev/null
echo "rig: test $RIG_NAME exited with status $rc after $(($(date +%s) - t0))s"

if [ -e /tmp/rig-test-timeout ]; then
	echo "test exceeded ${RIG_TIMEOUT}s" >>"$RIG_RESULTS/failures"
	finish fail timeout
elif [ "$rc" != 0 ]; then
	finish fail "exit-status-$rc"
elif [ -s "$RIG_RESULTS/failures" ]; then
	finish fail failures-recorded
else
	finish pass ok
fi
