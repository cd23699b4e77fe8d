#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=600
#
# pvblk-ring attack all against pvblkback, while a second, honest VBD on
# another ramdisk does verified random I/O through the same backend:
#  - every attack gets the answer a correct backend gives (an error
#    response, or a stopped ring that still closes) - pvblk-ring checks
#    each and exits 0 only when all were right;
#  - the honest VBD finishes with zero errors and zero verify mismatches;
#    its IOPS during the attacks and in a quiet run just before are
#    logged side by side (a ratio, not asserted);
#  - after detach pvblkback maps no grant, holds no page (its driver-wide
#    pages count, non-zero while the honest VBD is attached, is 0) and no
#    xenstore node is left;
#  - the rig fails the test on any BUG/WARNING/Oops in dom0's logs.
# Then the same suite against the stock xen-blkback, reported only.

# JSON readers and post-run checks: rig_json_*, rig_expect_eq,
# rig_no_vbd_nodes_left, rig_no_grants_left, rig_no_pages_left
# (scripts/rig/guest-lib.sh).
R=$RIG_RESULTS
rig_ramdisks 2 64 --fill
rig_load_backend ours

honest() {	# honest TAG EXTRA...
	pvblk-ring generate --dev /dev/ram1 --rw randrw --bs 4096 --iodepth 8 --size 16M \
		--verify --json "$R/honest-$1.json" --quiet "${@:2}" >"$R/honest-$1.txt" 2>&1
}
check_honest() {
	local rc=$1 j=$R/honest-$2.json
	cat "$R/honest-$2.txt"
	rig_expect_eq "honest $2 exit status" "$rc" 0
	rig_expect_eq "honest $2 errors" "$(rig_json_int "$j" errors)" 0
	rig_expect_eq "honest $2 verify_errors" "$(rig_json_int "$j" verify_errors)" 0
}

rc=0
honest quiet --runtime 5 || rc=$?
check_honest $rc quiet

rm -f /tmp/attacks.done
honest attacked --until-file /tmp/attacks.done &
hpid=$!
rc=0
pvblk-ring attack all --dev /dev/ram0 --json "$R/attacks-pvblkback.json" \
	>"$R/attacks-pvblkback.txt" 2>&1 || rc=$?
busy_pages=$(cat /sys/bus/xen-backend/drivers/pvblkback/pages)
touch /tmp/attacks.done
cat "$R/attacks-pvblkback.txt"
hrc=0
wait $hpid || hrc=$?
check_honest $hrc attacked
rig_expect_eq "attack suite against pvblkback (exit status)" "$rc" 0
rig_log "honest VBD: $(rig_json_int "$R/honest-quiet.json" iops) IOPS alone," \
	"$(rig_json_int "$R/honest-attacked.json" iops) IOPS under attack"
rig_no_vbd_nodes_left attacks
rig_no_grants_left attacks
[ "$busy_pages" -gt 0 ] || rig_fail "pvblkback counted no pages while the honest VBD was attached"
rig_no_pages_left attacks
rig_log "pvblkback pages: $busy_pages after the attacks with the honest VBD attached, 0 after detach"
rig_save pvblkback-params.txt grep -r . /sys/module/pvblkback/parameters

# The stock backend: reported, never failing the test.
rig_unload_backend
rig_load_backend stock
rc=0
pvblk-ring attack all --dev /dev/ram0 --json "$R/attacks-xen-blkback.json" \
	>"$R/attacks-xen-blkback.txt" 2>&1 || rc=$?
sed 's/^/stock: /' "$R/attacks-xen-blkback.txt"
rig_log "stock xen-blkback: attack suite exit status $rc (reported only)"
rig_log "harness-attack: all checks passed"
