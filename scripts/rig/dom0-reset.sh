#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# dom0's clean state between the rig's tests of one boot (run by the rig's
# /init, dom0-init.sh):
#
#   dom0-reset.sh snapshot       record the state after the Xen bring-up
#   dom0-reset.sh collect RESULTS  only save the finished test's logs (a
#                                test that needs a fresh boot after it)
#   dom0-reset.sh clean RESULTS  save the finished test's logs into
#                                RESULTS, undo what it left behind (guests,
#                                processes, VBDs, mounts, device-mapper,
#                                loop, nbd and NVMe devices, modules, the
#                                stock drivers' blacklist, tracing, /tmp)
#                                and compare with the snapshot
#
# "clean" exits 1, with one "left: ..." line per leftover, when dom0 is
# not back to the snapshot: a pvblkback that still maps grants or holds
# pages once every VBD is gone, a module that will not unload, a xenstore
# node of a VBD that stays. The rig then fails the test and boots afresh.

snap=/run/rig-clean
tracefs=/sys/kernel/tracing

# Processes with a user space (kernel threads are kthreadd's children).
user_pids() {
	awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " ")
		if ($1 != 2 && f[2] != 2) print $1 }' /proc/[0-9]*/stat 2>/dev/null | sort -n
}
modules_now() { awk '{ print $1 }' /proc/modules | sort; }
mounts_now() { awk '{ print $2 }' /proc/mounts | sort; }
modprobe_d_now() { ls /etc/modprobe.d 2>/dev/null | sort; }
# Lines of the snapshot file SNAP missing from stdin / of stdin missing
# from SNAP (busybox has no comm).
only_in_snap() { grep -vxF -f /dev/stdin "$1"; }
not_in_snap() { grep -vxF -f "$1"; }

snapshot() {
	mkdir -p $snap
	modules_now >$snap/modules
	mounts_now >$snap/mounts
	user_pids >$snap/pids
	modprobe_d_now >$snap/modprobe.d
	# "7 (expanded: 1408)" until the buffer is first used: the size it
	# will have.
	sed 's/.*expanded: \([0-9]*\).*/\1/' $tracefs/buffer_size_kb >$snap/buffer_size_kb 2>/dev/null
	cat /proc/sys/debug/kprobes-optimization >$snap/kprobes-optimization 2>/dev/null
}

left=0
leftover() {
	echo "left: $*"
	left=1
}

# The finished test's logs, before anything below changes them.
collect() {
	local res=$1 s
	dmesg >"$res/dom0-dmesg.txt" 2>&1
	xl dmesg >"$res/xen-dmesg.txt" 2>&1
	xenstore-ls -f >"$res/xenstore.txt" 2>&1
	# Console logs of guests the test did not wait for.
	for s in /var/log/xen/console/guest-*.log; do
		[ -f "$s" ] || continue
		s=${s##*/guest-}
		s=${s%.log}
		[ -d "$res/guests/$s" ] && continue
		mkdir -p "$res/guests/$s"
		tr -d '\r' <"/var/log/xen/console/guest-$s.log" | grep -v '^@@b64 ' \
			>"$res/guests/$s/console.log"
	done
	if [ -f /var/log/xen/xen-hotplug.log ]; then
		cp /var/log/xen/xen-hotplug.log "$res/"
		: >/var/log/xen/xen-hotplug.log
	fi
}

guests() { xl list 2>/dev/null | awk 'NR > 2 { print $2 }'; }

destroy_guests() {
	local d i
	for d in $(guests); do
		echo "destroying guest domid $d"
		xl destroy "$d" >/dev/null 2>&1
	done
	for ((i = 0; i < 150; i++)); do
		[ "$(xenstore-list /local/domain 2>/dev/null)" = 0 ] && return 0
		sleep 0.2
	done
	leftover "domains in xenstore: $(xenstore-list /local/domain | tr '\n' ' ')"
}

kill_processes() {
	local p
	for p in $(user_pids | not_in_snap $snap/pids); do
		[ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
		[ -e "/proc/$p" ] || continue
		echo "killing $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.5
}

# dom0's own VBDs (xl block-attach 0).
detach_dom0_vbds() {
	local v i
	for v in $(xenstore-list /local/domain/0/device/vbd 2>/dev/null); do
		echo "detaching dom0 vbd $v"
		timeout 60 xl block-detach 0 "$v" >/dev/null 2>&1 ||
			timeout 30 xl block-detach -f 0 "$v" >/dev/null 2>&1
	done
	for ((i = 0; i < 100; i++)); do
		[ -z "$(xenstore-list /local/domain/0/device/vbd 2>/dev/null)" ] &&
			[ -z "$(backend_vbds)" ] && return 0
		sleep 0.2
	done
	leftover "vbd nodes in xenstore: frontend $(xenstore-list /local/domain/0/device/vbd 2>/dev/null | tr '\n' ' ')backend $(backend_vbds | tr '\n' ' ')"
}

# dom0's backend vbd nodes, DOMID/DEVID (an empty DOMID directory that
# the toolstack leaves behind holds no device).
backend_vbds() {
	local d v
	for d in $(xenstore-list /local/domain/0/backend/vbd 2>/dev/null); do
		for v in $(xenstore-list "/local/domain/0/backend/vbd/$d" 2>/dev/null); do
			echo "$d/$v"
		done
	done
}

unmount_extra() {
	local m
	# configfs last: release_devices takes the NVMe target down first.
	for m in $(mounts_now | not_in_snap $snap/mounts | grep -vx /sys/kernel/config | sort -r); do
		echo "unmounting $m"
		umount "$m" 2>/dev/null || umount -f "$m" 2>/dev/null ||
			leftover "mount $m (busy)"
	done
}

release_devices() {
	local c d cfg=/sys/kernel/config/nvmet
	dmsetup remove_all >/dev/null 2>&1
	[ -z "$(dmsetup ls 2>/dev/null | grep -v 'No devices found')" ] ||
		leftover "device-mapper devices: $(dmsetup ls | tr '\n' ' ')"
	for d in /sys/block/loop*; do
		[ -s "$d/loop/backing_file" ] && losetup -d "/dev/${d##*/}" 2>/dev/null
	done
	for d in /sys/block/nbd*; do
		[ -e "$d/pid" ] && nbd-client -d "/dev/${d##*/}" >/dev/null 2>&1
	done
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/delete_controller" ] && echo 1 >"$c/delete_controller" 2>/dev/null
	done
	if [ -d $cfg ]; then
		rm -f $cfg/ports/*/subsystems/* 2>/dev/null
		rmdir $cfg/ports/* $cfg/subsystems/*/namespaces/* 2>/dev/null
		rmdir $cfg/subsystems/* 2>/dev/null
	fi
	grep -q ' /sys/kernel/config ' /proc/mounts && umount /sys/kernel/config 2>/dev/null
	rm -rf /etc/nbd-server
}

# pvblkback must be back to nothing once every VBD is gone: no grant
# mapped, no page held (pages the storage stack holds are freed when it
# lets go, which may take a few seconds).
check_pvblkback() {
	local d=/sys/bus/xen-backend/drivers/pvblkback g p i
	[ -d $d ] || return 0
	for ((i = 0; i < 150; i++)); do
		g=$(cat $d/grants_mapped 2>/dev/null)
		p=$(cat $d/pages 2>/dev/null)
		[ "$g" = 0 ] && [ "$p" = 0 ] && return 0
		sleep 0.2
	done
	leftover "pvblkback still maps $g grants and holds $p pages with no VBD"
}

unload_modules() {
	local pass m progress extra
	for ((pass = 0; pass < 8; pass++)); do
		extra=$(modules_now | not_in_snap $snap/modules)
		[ -n "$extra" ] || return 0
		progress=0
		for m in $extra; do
			rmmod "$m" 2>/dev/null && progress=1
		done
		[ "$progress" = 1 ] || break
	done
	extra=$(modules_now | not_in_snap $snap/modules)
	[ -z "$extra" ] || leftover "modules that do not unload: $(echo "$extra" | tr '\n' ' ')"
	for m in $(modules_now | only_in_snap $snap/modules); do
		modprobe "$m" 2>/dev/null || leftover "module $m of the bring-up unloaded and not loadable again"
	done
}

restore_config() {
	local f e
	(. /rig/lib.sh && rig_unblacklist_stock) || leftover "the stock drivers could not be restored"
	for f in $(modprobe_d_now | not_in_snap $snap/modprobe.d); do
		rm -f "/etc/modprobe.d/$f"
	done
	if [ -d $tracefs/events ]; then
		echo 0 >$tracefs/events/enable
		: >$tracefs/kprobe_events
		: >$tracefs/trace
		echo 1 >$tracefs/tracing_on
		[ -s $snap/buffer_size_kb ] && cat $snap/buffer_size_kb >$tracefs/buffer_size_kb
		for e in record-cmd record-tgid; do
			echo 0 >"$tracefs/options/$e"
		done
	fi
	[ -s $snap/kprobes-optimization ] &&
		cat $snap/kprobes-optimization >/proc/sys/debug/kprobes-optimization
	rm -rf /tmp/* /tmp/.[!.]* /var/log/xen/console/* /dev/shm/* 2>/dev/null
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

case "${1:-}" in
snapshot)
	snapshot
	;;
collect)
	[ -d "${2:-}" ] || { echo "usage: dom0-reset.sh collect RESULTS-DIR"; exit 2; }
	collect "$2"
	;;
clean)
	[ -d "${2:-}" ] || { echo "usage: dom0-reset.sh clean RESULTS-DIR"; exit 2; }
	collect "$2"
	destroy_guests
	kill_processes
	detach_dom0_vbds
	unmount_extra
	release_devices
	check_pvblkback
	unload_modules
	restore_config
	[ "$left" = 0 ] && echo "dom0 clean"
	exit "$left"
	;;
*)
	echo "usage: dom0-reset.sh snapshot | collect RESULTS-DIR | clean RESULTS-DIR"
	exit 2
	;;
esac
