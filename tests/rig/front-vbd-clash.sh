#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=300
#
# Two vbds whose virtual-devices name overlapping minors - a whole disk,
# xvdc (202:32, minors 32-47), and then its first partition as a vbd of
# its own, xvdc1 (202:33) - in dom0 loopback over pvblkback. pvblkfront
# must refuse the second with one clear line naming the first, and no
# kernel warning (the rig fails the test on a WARNING or call trace);
# xvdc must go on working, the refused vbd must detach cleanly, and once
# xvdc is detached xvdc1 attached again must get a disk.

rig_ramdisks 2 16 --fill
rig_blacklist_stock
rig_load_backend ours
rig_load_frontend ours

rig_dom0_attach /dev/ram0 xvdc w
out=$(timeout 60 xl block-attach 0 phy:/dev/ram1 xvdc1 w 2>&1) ||
	rig_fail "xl block-attach of xvdc1 failed or hung: $out"
rig_wait_for "pvblkfront to refuse xvdc1" 30 \
	sh -c "dmesg | grep -q 'pvblkfront vbd-51745: xvdc1 (minors 33-33) overlaps xvdc of vbd-51744: not created'"
rig_log "refused: $(dmesg | grep -m 1 'overlaps xvdc')"
[ ! -e /sys/block/xvdc1 ] || rig_fail "a disk xvdc1 exists next to xvdc"
dd if=/dev/xvdc of=/dev/null bs=1M count=16 iflag=direct 2>/dev/null ||
	rig_fail "xvdc does not read after the refusal"

out=$(timeout 60 xl block-detach 0 xvdc1 2>&1) ||
	rig_fail "xl block-detach of the refused xvdc1 failed or hung: $out"
rig_dom0_detach xvdc
rig_dom0_attach /dev/ram1 xvdc1 w
dd if=/dev/xvdc1 of=/dev/null bs=1M count=16 iflag=direct 2>/dev/null ||
	rig_fail "xvdc1 does not read once xvdc is gone"
rig_dom0_detach xvdc1
rig_no_grants_left "after both vbds"
rig_no_vbd_nodes_left "after both vbds"
rig_unload_frontend
rig_unload_backend
rig_log "front-vbd-clash: overlapping minors refused cleanly, each disk usable alone"
