#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=420
#
# pvblkback and pvblkfront insmod/rmmod 20 times each, in dom0 and in a PV
# guest, with the stock xen-blkback/xen-blkfront blacklisted (unloadable).
# Each load must register a xenbus driver and each unload remove it. In
# the guest, pvblkback is designed to refuse (the backend runs in the
# initial domain only): each of its 20 insmods must fail with ENODEV,
# leave nothing loaded and log an error line saying why. Otherwise the
# kernel log must show no message of level error or worse and no kernel
# trouble (BUG, WARNING, Oops, call trace) during the cycles.

CYCLES=20

# insmod/rmmod MODULE CYCLES times. While loaded, the module must have
# registered a driver on xenbus BUS (xen-backend or xen) that serves the
# "vbd" device type; after rmmod that driver must be gone.
cycle_module() {
	local mod=$1 bus=$2 ko i out drv link
	ko=$(rig_mod_path "$mod")
	for ((i = 1; i <= CYCLES; i++)); do
		out=$(insmod "$ko" 2>&1) || rig_fail "insmod $mod failed in cycle $i: $out"
		rig_module_loaded "$mod" || rig_fail "$mod not loaded after insmod (cycle $i)"
		drv=""
		for link in /sys/module/"$mod"/drivers/"$bus":*; do
			[ -e "$link" ] && drv=${link##*/"$bus":}
		done
		[ -n "$drv" ] && [ -d "/sys/bus/$bus/drivers/$drv" ] ||
			rig_fail "$mod loaded but registered no driver on the $bus bus (cycle $i)"
		out=$(rmmod "$mod" 2>&1) || rig_fail "rmmod $mod failed in cycle $i: $out"
		! rig_module_loaded "$mod" || rig_fail "$mod still loaded after rmmod (cycle $i)"
		[ ! -d "/sys/bus/$bus/drivers/$drv" ] ||
			rig_fail "$mod unloaded but its driver $bus/$drv remains (cycle $i)"
	done
	rig_log "$mod: $CYCLES insmod/rmmod cycles, driver $bus/$drv registered and removed each time"
}

# insmod MODULE CYCLES times where it must be refused with ENODEV.
refuse_module() {
	local mod=$1 ko i out
	ko=$(rig_mod_path "$mod")
	for ((i = 1; i <= CYCLES; i++)); do
		if out=$(insmod "$ko" 2>&1); then
			rig_fail "insmod $mod succeeded in a guest (cycle $i): it must refuse outside dom0"
		fi
		case "$out" in
		*"No such device"*) ;;
		*) rig_fail "insmod $mod in a guest failed, but not with ENODEV (cycle $i): $out" ;;
		esac
		! rig_module_loaded "$mod" || rig_fail "$mod loaded in a guest (cycle $i)"
	done
	rig_log "$mod: refused with ENODEV in all $CYCLES insmod attempts (not dom0)"
}

# Fail on kernel messages of level error (3) or worse, or kernel trouble,
# logged after line SKIP of the raw kernel log. Error lines of EXPECT_MOD
# (prefix "MODULE: ") are required instead, at least EXPECT_N of them
# (busybox insmod falls back from finit_module to init_module after a
# failure, so one refused insmod runs the module's init, and logs, twice).
check_dmesg() {
	local skip=$1 expect_mod=${2:-} expect_n=${3:-0} errs bad n
	dmesg -r | tail -n +"$((skip + 1))" >/tmp/cycle-dmesg
	rig_collect /tmp/cycle-dmesg "dmesg-cycles-$RIG_ROLE.txt"
	errs=$(awk '{ if (match($0, /^<[0-9]+>/)) { p = substr($0, 2, RLENGTH - 2) + 0; if (p < 8 && p % 8 <= 3) print } }' /tmp/cycle-dmesg)
	bad=$errs
	if [ -n "$expect_mod" ]; then
		n=$(echo "$errs" | grep -c "^<[0-9]*>\[[^]]*\] $expect_mod: " || true)
		[ "$n" -ge "$expect_n" ] ||
			rig_fail "expected at least $expect_n error line(s) from $expect_mod, the kernel logged $n"
		bad=$(echo "$errs" | grep -v "^<[0-9]*>\[[^]]*\] $expect_mod: " || true)
	fi
	[ -z "$bad" ] || rig_fail "kernel errors during the load/unload cycles: $(echo "$bad" | head -n 3 | tr '\n' ' ')"
	bad=$(grep -E 'BUG|WARNING:|Oops|Call Trace|general protection' /tmp/cycle-dmesg || true)
	[ -z "$bad" ] || rig_fail "kernel trouble during the load/unload cycles: $(echo "$bad" | head -n 3 | tr '\n' ' ')"
}

in_dom0() {
	local skip
	rig_blacklist_stock
	skip=$(dmesg -r | wc -l)
	cycle_module pvblkback xen-backend
	cycle_module pvblkfront xen
	check_dmesg "$skip"
	# Load both once more to keep their parameters in the results.
	rig_must "insmod pvblkback" insmod "$(rig_mod_path pvblkback)"
	rig_must "insmod pvblkfront" insmod "$(rig_mod_path pvblkfront)"
	rig_save params-dom0.txt grep -r . /sys/module/pvblkback/parameters /sys/module/pvblkfront/parameters
	rig_must "rmmod pvblkfront" rmmod pvblkfront
	rig_must "rmmod pvblkback" rmmod pvblkback
}

in_guest() {
	local skip
	rig_module_loaded xen-blkfront && rig_fail "stock xen-blkfront loaded in the guest"
	skip=$(dmesg -r | wc -l)
	cycle_module pvblkfront xen
	refuse_module pvblkback
	check_dmesg "$skip" pvblkback "$CYCLES"
	rig_must "insmod pvblkfront" insmod "$(rig_mod_path pvblkfront)"
	rig_save params-guest.txt grep -r . /sys/module/pvblkfront/parameters
	rig_must "rmmod pvblkfront" rmmod pvblkfront
}

in_dom0
rig_domu_run guest1 --vcpus 2 --mem 384 --front none --blacklist-stock \
	--timeout 300 --fn "in_guest cycle_module refuse_module check_dmesg" \
	--env CYCLES=$CYCLES
