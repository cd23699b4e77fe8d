#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# /init of the rig's dom0 (PID 1 in the initramfs). Brings up the Xen
# toolstack once, then runs the boot's test scripts one after the other
# (/rig/tests/list: "NAME LIMIT FRESH" per line, /rig/tests/NAME.sh; a
# FRESH=1 test has the boot to itself and is not cleaned up after), each with
# /rig/lib.sh sourced and its own result directory /results/NAME. After
# each test it collects the test's logs and puts dom0 back into the state
# the bring-up left (dom0-reset.sh). The boot ends - results written as a
# tar stream onto the results disk (virtio, serial "pvblkresults"), power
# off - after the last test, or after the first test that failed or could
# not be cleaned up after: the host boots again for the tests left.
#
# Markers on the console (the host's run.sh reads them):
#   @@pvblk-rig dom0-init@@                  /init started
#   @@pvblk-rig start test=NAME@@            a test script starts
#   @@pvblk-rig result=pass|fail test=NAME reason=WHY@@   its outcome
#   @@pvblk-rig results-saved@@              the results disk is written

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
export RIG_ROLE=dom0 RIG_MODDIR=/rig/modules RIG_KREL RIG_STOCK_LEGS RIG_GUEST_ARGS
mkdir -p /results

# The whole of /results onto the results disk, after every test: a boot
# that dies later keeps what the tests before it found.
save_results() {
	local d dev=""
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
	if tar -C /results -cf - . | dd of="$dev" bs=1M conv=fsync 2>/dev/null; then
		echo "@@pvblk-rig results-saved@@"
	else
		echo "rig: writing results to $dev failed"
	fi
}

power_off() {
	sync
	poweroff -f
	sleep 10
}

# Before any test ran: the boot fails as a whole, charged to the first test.
bringup_fail() {
	local first
	first=$(awk 'NR == 1 { print $1 }' /rig/tests/list)
	echo "rig: dom0 bring-up failed: $*"
	mkdir -p "/results/$first"
	echo "dom0 bring-up failed: $*" >>"/results/$first/failures"
	dmesg >"/results/$first/dom0-dmesg.txt" 2>&1
	echo "@@pvblk-rig result=fail test=$first reason=bring-up:$(echo "$*" | tr ' ' '_')@@"
	save_results
	power_off
}

# ---- Xen toolstack bring-up ----------------------------------------------
depmod -a "$RIG_KREL" || bringup_fail "depmod failed"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
	modprobe "$m" || bringup_fail "cannot load $m"
done
modprobe crc32c_generic
modprobe crc32c-intel 2>/dev/null
modprobe virtio_pci 2>/dev/null
modprobe virtio_blk 2>/dev/null
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
xl info >/results/xl-info.txt 2>&1 || bringup_fail "xl info failed"
echo "rig: Xen $(awk -F': ' '/^xen_version/ { print $2 }' /results/xl-info.txt), dom0 $RIG_KREL, uptime $(cut -d' ' -f1 /proc/uptime)s"
cd /tmp || bringup_fail "no /tmp"
(. /rig/lib.sh && rig_tracing_setup) || bringup_fail "tracing setup failed"
# What every test starts from; dom0-reset.sh returns to it.
bash /rig/dom0-reset.sh snapshot || bringup_fail "cannot record dom0's clean state"

# ---- the tests -------------------------------------------------------------

# Run test NAME (limit LIMIT seconds); sets verdict and reason.
run_test() {
	local name=$1 limit=$2 pid wd rc t0
	export RIG_NAME=$name RIG_RESULTS=/results/$name
	mkdir -p "$RIG_RESULTS"
	rm -f /tmp/rig-test-timeout
	dmesg -C
	xl dmesg -c >/dev/null 2>&1
	echo "@@pvblk-rig start test=$name@@ uptime $(cut -d' ' -f1 /proc/uptime)s"
	t0=$(date +%s)
	setsid bash -c ". /rig/lib.sh && . /rig/tests/$name.sh" </dev/null &
	pid=$!
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$limit" &
		sp=$!
		wait "$sp"
		echo "rig: test $name exceeded its ${limit}s limit in dom0: killing it"
		touch /tmp/rig-test-timeout
		kill -KILL -- "-$pid" 2>/dev/null
	) &
	wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	echo "rig: test $name exited with status $rc after $(($(date +%s) - t0))s"
	verdict=pass
	reason=ok
	if [ -e /tmp/rig-test-timeout ]; then
		echo "test exceeded ${limit}s" >>"$RIG_RESULTS/failures"
		verdict=fail reason=timeout
	elif [ "$rc" != 0 ]; then
		verdict=fail reason=exit-status-$rc
	elif [ -s "$RIG_RESULTS/failures" ]; then
		verdict=fail reason=failures-recorded
	fi
}

# Every test must leave dom0 as it found it, or the ones after it would
# inherit its leftovers: a test whose state cannot be cleaned up fails
# (dom0-reset.sh says what was left) and ends the boot.
mapfile -t tests </rig/tests/list
for line in "${tests[@]}"; do
	read -r name limit fresh <<<"$line"
	run_test "$name" "$limit"
	if [ "$fresh" = 1 ]; then
		# It asked for a boot of its own: what it leaves goes with it.
		bash /rig/dom0-reset.sh collect "$RIG_RESULTS" </dev/null >"$RIG_RESULTS/reset.txt" 2>&1
	elif ! bash /rig/dom0-reset.sh clean "$RIG_RESULTS" </dev/null >"$RIG_RESULTS/reset.txt" 2>&1; then
		echo "rig: dom0 not clean after $name: $(tail -n 3 "$RIG_RESULTS/reset.txt" | tr '\n' ' ')"
		{
			echo "dom0 left in a state the rig could not clean up:"
			grep '^left:' "$RIG_RESULTS/reset.txt"
		} >>"$RIG_RESULTS/failures"
		[ "$verdict" = fail ] || verdict=fail reason=dom0-left-dirty
	fi
	echo "$verdict $reason" >"$RIG_RESULTS/verdict"
	echo "@@pvblk-rig result=$verdict test=$name reason=$reason@@ uptime $(cut -d' ' -f1 /proc/uptime)s"
	save_results
	[ "$verdict" = pass ] && [ "$fresh" != 1 ] || break
done
power_off
