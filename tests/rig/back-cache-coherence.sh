#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=480
#
# dom0's page cache of the backing device and the frontend's view of it.
# pvblkback's bios bypass that cache, so it writes the cache back and
# drops it when a connection starts, and drops it again when the
# connection ends. With /dev/ram0 held open in dom0 (so closing it writes
# nothing back) and periodic writeback off:
#   - dom0 writes pattern A with buffered I/O, no sync; then the stock
#     xen-blkfront in dom0 (xl block-attach 0) reads /dev/xvda with
#     O_DIRECT: it must see A;
#   - dom0 reads /dev/ram0 buffered (its cache now holds A), the frontend
#     writes pattern B with O_DIRECT, detach; dom0 reads /dev/ram0
#     buffered: it must see B.

MB=1
wb=/proc/sys/vm/dirty_writeback_centisecs
wb0=$(cat $wb)
trap 'echo "$wb0" >$wb' EXIT

yes 'pvblk: written by dom0 through its page cache' | head -c $((MB << 20)) >/tmp/a
yes 'pvblk: written by the frontend, O_DIRECT' | head -c $((MB << 20)) >/tmp/b

rig_ramdisks 1 16 --fill
rig_load_frontend stock
rig_blacklist_stock xen-blkback # the stock frontend stays: our peer
rig_load_backend ours

echo 0 >$wb
exec 9</dev/ram0
rig_must "buffered write of A to /dev/ram0" dd if=/tmp/a of=/dev/ram0 bs=64k count=$((MB * 16)) conv=notrunc
# (an O_DIRECT read of /dev/ram0 would write A back first: none here)
rig_log "A written through dom0's page cache: $(grep '^Dirty:' /proc/meminfo)"

errs=()
rig_dom0_attach /dev/ram0 xvda w
rig_must "O_DIRECT read of /dev/xvda" dd if=/dev/xvda of=/tmp/got-front bs=64k count=$((MB * 16)) iflag=direct
if cmp -s /tmp/got-front /tmp/a; then
	rig_log "connect: the frontend reads what dom0 wrote through its cache"
else
	errs+=("connect: the frontend read stale data, not what dom0 wrote just before the attach ($(cmp /tmp/got-front /tmp/a 2>&1 | head -n 1))")
fi
rig_must "buffered read of /dev/ram0 while attached" dd if=/dev/ram0 of=/dev/null bs=64k count=$((MB * 16))
rig_must "O_DIRECT write of B to /dev/xvda" dd if=/tmp/b of=/dev/xvda bs=64k count=$((MB * 16)) oflag=direct conv=fsync
rig_dom0_detach xvda
rig_wait_for "the backend device to go" 30 test ! -e /sys/bus/xen-backend/devices/vbd-0-51712
rig_must "buffered read of /dev/ram0 after the detach" dd if=/dev/ram0 of=/tmp/got-dom0 bs=64k count=$((MB * 16))
if cmp -s /tmp/got-dom0 /tmp/b; then
	rig_log "disconnect: dom0 reads what the frontend wrote"
else
	errs+=("disconnect: dom0 read stale data from its page cache, not what the frontend wrote ($(cmp /tmp/got-dom0 /tmp/b 2>&1 | head -n 1))")
fi
exec 9<&-
rig_no_grants_left cache-coherence
for e in "${errs[@]}"; do
	echo "$e" >>"$RIG_RESULTS/failures"
	rig_log "FAIL: $e"
done
[ ${#errs[@]} = 0 ] || rig_fail "${#errs[@]} stale read(s)"
rig_log "dom0's page cache and the frontend agree at connect and disconnect"
