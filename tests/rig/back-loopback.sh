#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900
#
# pvblkback against the STOCK xen-blkfront in dom0 loopback (xl
# block-attach 0 ...), the stock xen-blkback made unloadable. For each of
# the 4 combinations of feature_persistent (backend x frontend):
#   - both sides advertise their own parameter in xenstore, and our
#     connection/persistent shows 1 iff both are 1;
#   - fio verify=crc32c: 4 KiB random writes, then mixed 4 KiB / 64 KiB /
#     1 MiB random writes, must pass;
#   - statistics show that mode: persistent -> pgnt_hits > 0 and
#     pgnt_mapped > 0; non-persistent -> no persistent grant at all and
#     np_maps > 0;
#   - after detach the module holds no grant mapping (grants_mapped 0).
# Then: detach while fio is writing, the guest-side I/O must end with
# errors (not hang), no grant stays mapped, and a reattach moves verified
# data again.

BE=/local/domain/0/backend/vbd/0/51712
FE=/local/domain/0/device/vbd/51712
SYS=/sys/bus/xen-backend/devices/vbd-0-51712

stat_of() {
	cat "$SYS/statistics/$1"
}

conn_of() {
	cat "$SYS/connection/$1"
}

fio_common=(--filename=/dev/xvda --direct=1 --ioengine=libaio
	--verify=crc32c --verify_fatal=1 --do_verify=1)

combo() {
	local b=$1 f=$2 want=$(($1 && $2)) tag=p$1$2
	echo "$b" >/sys/module/pvblkback/parameters/feature_persistent
	echo "$f" >/sys/module/xen_blkfront/parameters/feature_persistent
	rig_dom0_attach /dev/ram0 xvda w
	rig_expect_eq "$tag backend feature-persistent" "$(xenstore-read $BE/feature-persistent)" "$b"
	rig_expect_eq "$tag frontend feature-persistent" "$(xenstore-read $FE/feature-persistent)" "$f"
	rig_expect_eq "$tag connection/persistent" "$(conn_of persistent)" "$want"
	rig_save "$tag-xenstore.txt" xenstore-ls -f $BE

	rig_fio "$tag-rand4k" "${fio_common[@]}" --rw=randwrite --bs=4k \
		--size=16M --iodepth=16
	rig_fio "$tag-mixed" "${fio_common[@]}" --rw=randwrite \
		--bssplit=4k/30:64k/40:1m/30 --size=48M --iodepth=8
	rig_save "$tag-stats.txt" grep -r . "$SYS/statistics" "$SYS/connection"
	rig_expect_backend_mode "$SYS" "$want" "$tag"
	rig_log "$tag: backend $b frontend $f -> persistent $want;" \
		"hits $(stat_of pgnt_hits) misses $(stat_of pgnt_misses)" \
		"cached $(stat_of pgnt_mapped) np_maps $(stat_of np_maps)" \
		"unmap_batches $(stat_of unmap_batches) wr_req $(stat_of wr_req)"
	rig_dom0_detach xvda
	rig_no_grants_left "$tag after detach"
	rig_no_pages_left "$tag after detach"
}

detach_in_flight() {
	local pid rc=0
	rig_dom0_attach /dev/ram0 xvda w
	fio --name=inflight --filename=/dev/xvda --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=64k --iodepth=32 --size=100M --time_based \
		--runtime=60 --output="$RIG_RESULTS/fio-inflight.txt" >/dev/null 2>&1 &
	pid=$!
	sleep 4
	[ "$(stat_of wr_req)" -gt 0 ] || rig_fail "in-flight: no writes reached the backend"
	rig_log "in-flight: detaching with $(stat_of wr_req) writes served so far"
	xl block-detach 0 xvda >"$RIG_RESULTS/detach.txt" 2>&1 ||
		rig_log "in-flight: xl block-detach exited non-zero ($(tail -n 1 "$RIG_RESULTS/detach.txt"))"
	rig_wait_exit "$pid" 60 ||
		rig_fail "in-flight: fio still running 60 s after the detach (I/O hangs)"
	wait "$pid" || rc=$?
	[ "$rc" != 0 ] || rig_fail "in-flight: fio saw no error although its disk was detached"
	rig_wait_for "the vbd to go away" 30 test ! -e "$SYS"
	rig_no_grants_left "in-flight after detach"
	rig_log "in-flight: fio ended with exit status $rc after the detach, no grant left mapped"

	rig_dom0_attach /dev/ram0 xvda w
	rig_fio reattach "${fio_common[@]}" --rw=randwrite --bs=4k --size=16M --iodepth=16
	rig_dom0_detach xvda
	rig_no_grants_left "after the reattach"
	rig_log "in-flight: reattach moved verified data"
}

rig_ramdisks 1 128 --fill
rig_blacklist_stock xen-blkback # the stock frontend stays: our peer
rig_load_backend ours
rig_load_frontend stock
combo 1 1
combo 1 0
combo 0 1
combo 0 0
echo 1 >/sys/module/pvblkback/parameters/feature_persistent
echo 1 >/sys/module/xen_blkfront/parameters/feature_persistent
detach_in_flight
rig_unload_frontend
rig_unload_backend
