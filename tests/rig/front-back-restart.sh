#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=600 mem=3G dom0_mem=1536M
#
# The backend module reloaded in dom0 while a guest runs I/O: pvblkback's
# devices are unbound (each goes Closed without Closing, as a restarted
# backend does), the module unloaded and loaded again while a 2-vCPU
# guest's pvblkfront has verified fio writes in flight on slow storage
# (dm-delay, 100 ms: the job takes ~13 s, and the restart comes ~3 s
# into it, so it always meets I/O in flight). The guest must
# hold its I/O, reconnect when the backend returns, and fio must complete
# with no error and no verify mismatch; the frontend must count no error
# and must have said that it held the I/O. pvblkback must hold no grant
# mapping once the guest is gone.

restart_guest() {
	local rc=0
	rig_wait_dev /dev/xvdb 30
	rig_log "fio-started"
	fio --name=restart --filename=/dev/xvdb --direct=1 --ioengine=libaio \
		--rw=randwrite --bs=64k --size=64M --iodepth=16 \
		--verify=crc32c --verify_fatal=1 --do_verify=1 \
		>/tmp/fio.out 2>&1 || rc=$?
	rig_collect /tmp/fio.out fio-restart.txt
	rig_save stats.txt grep -r . /sys/block/xvdb/pvblkfront
	[ "$rc" = 0 ] || rig_fail "fio across the backend's restart failed (status $rc): $(grep -m 1 -i error /tmp/fio.out)"
	[ "$(cat /sys/block/xvdb/pvblkfront/errors)" = 0 ] ||
		rig_fail "frontend counted I/O errors across the backend's restart"
	dmesg | grep -q "closed without closing: xvdb's I/O is held" ||
		rig_fail "the frontend did not hold xvdb's I/O for the backend"
	rig_log "fio completed clean across the backend's restart"
}

rig_ramdisks 2 128 --fill
SLOW=$(rig_slow_dev slowr /dev/ram1 100)
rig_load_backend ours
rig_domu_start r1 --vcpus 2 --mem 384 --front ours --blacklist-stock \
	--disk "phy:/dev/ram0,xvda,w" --disk "phy:$SLOW,xvdb,w" \
	--fn restart_guest --timeout 400
rig_wait_for "guest r1 to start fio" 400 \
	grep -q fio-started /var/log/xen/console/guest-r1.log
sleep 2
# xenbus pins a driver's module while it has devices: unbind them first
# (each goes Closed without Closing), then unload and load the module.
drv=/sys/bus/xen-backend/drivers/pvblkback
for d in "$drv"/vbd-*; do
	echo "${d##*/}" >"$drv/unbind" || rig_fail "cannot unbind ${d##*/} from pvblkback"
done
rig_unload_backend
sleep 2
rig_load_backend ours
rig_log "pvblkback reloaded under the guest's I/O"
rig_domu_wait r1
rig_no_grants_left "after the guest"
rig_unload_backend
rig_log "front-back-restart: the guest's I/O survived pvblkback's reload"
