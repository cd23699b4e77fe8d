#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900
#
# pvblkfront over pvblkback, the pvblk pair on both ends, in dom0 loopback
# (xl block-attach 0; the stock drivers made unloadable): every
# combination of
#   feature_persistent  backend 0/1  x  frontend 0/1
#   max_indirect_segments (frontend)  0 (direct requests only) / 256
#   max_queues (frontend)             1 / 2
# 16 connections of one brd ramdisk, each checked for:
#   - the negotiated features (pvblkfront/features): persistent iff both
#     ends advertise it, the queue count asked for, indirect 0 or 256;
#     the block queue's max_segments 11 (direct) or 256 (indirect);
#   - fio verify=crc32c: 4 KiB random writes (2 jobs), 64 KiB and 1 MiB
#     random writes, all passing;
#   - 16 MiB of 1 MiB direct sequential reads reach pvblkback as 16-32
#     requests with indirect segments and as at least 16 x 20 without
#     (a direct request carries at most 11 pages);
#   - the backend's statistics match the persistence mode (cache hits and
#     cached grants, or per-request maps and no persistent grant), and the
#     frontend's pgrant_reuse is non-zero exactly when persistent;
#   - after detach pvblkback holds no grant mapping and no page.

SYS=/sys/bus/xen-backend/devices/vbd-0-51712

bstat() { cat "$SYS/statistics/$1"; }
fstat() { cat "/sys/block/xvda/pvblkfront/$1"; }

combo() { # backend-persistent frontend-persistent indirect queues
	local b=$1 f=$2 ind=$3 q=$4 want=$(($1 && $2)) tag="b$1f$2-i$3-q$4"
	local reads
	rig_unload_frontend
	echo "$b" >/sys/module/pvblkback/parameters/feature_persistent
	rig_load_frontend ours "feature_persistent=$f" "max_indirect_segments=$ind" "max_queues=$q"
	rig_dom0_attach /dev/ram0 xvda w

	rig_expect_front_conn "$tag" "$q" "$want" "$ind"

	rig_fio_verify_mix "$tag" /dev/xvda
	rig_expect_1m_requests "$tag" /dev/xvda "$ind" "reached the backend" bstat rd_req
	reads=$RIG_REQUESTS

	rig_save "$tag-stats.txt" grep -r . "$SYS/statistics" "$SYS/connection" /sys/block/xvda/pvblkfront
	rig_expect_backend_mode "$SYS" "$want" "$tag backend"
	if [ "$want" = 1 ]; then
		[ "$(fstat pgrant_reuse)" -gt 0 ] || rig_fail "$tag: persistent, but the frontend reused no grant"
	else
		rig_expect_eq "$tag frontend pgrant_reuse" "$(fstat pgrant_reuse)" 0
	fi
	rig_log "$tag: $RIG_FEATURES, max_segments $RIG_SEGS, 16 x 1 MiB read -> $reads requests;" \
		"backend hits $(bstat pgnt_hits) cached $(bstat pgnt_mapped) np_maps $(bstat np_maps)"
	rig_dom0_detach xvda
	rig_no_grants_left "$tag after detach"
	rig_no_pages_left "$tag after detach"
}

rig_ramdisks 1 64 --fill
rig_blacklist_stock
rig_load_backend ours
for b in 1 0; do
	for f in 1 0; do
		for ind in 256 0; do
			for q in 2 1; do
				combo "$b" "$f" "$ind" "$q"
			done
		done
	done
done
rig_unload_frontend
rig_unload_backend
