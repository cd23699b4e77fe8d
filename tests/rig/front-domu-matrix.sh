#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=1800 mem=3G dom0_mem=1536M
#
# pvblkfront in 2-vCPU PV guests, the whole negotiation matrix, over BOTH
# backends: the stock xen-blkback (an independent implementation) and
# pvblkback. One boot; per backend, one guest with the backend's
# feature_persistent=1 and one with 0 (both backends read it when the
# guest's disk is created). Each guest reloads pvblkfront (unbind, rmmod,
# modprobe, so the disk disconnects and reconnects) for every combination
#   feature_persistent (frontend)     1 / 0
#   max_indirect_segments (frontend)  256 / 0 (direct requests only)
#   max_queues (frontend)             2 / 1
# and then once more with feature_persistent=0 trusted=0 (bounce
# buffers). Where the backend's feature_persistent is 0, the frontend's
# feature_persistent=0 only changes what it advertises, and runs in the
# trusted=0 connection only: 9 + 5 connections per backend, 28 in all,
# each checked for:
#   - the negotiated features: persistent iff both ends advertise it, the
#     queue count asked for (and that many blk-mq hardware queues), the
#     indirect segment count; the queue's max_segments 11 or 256;
#   - fio verify=crc32c: 4 KiB random writes (2 jobs), 64 KiB and 1 MiB
#     random writes, all passing (rig_fio_verify_mix);
#   - 16 MiB of 1 MiB direct reads leave the frontend as 16-32 requests
#     with indirect segments, as at least 16 x 20 without;
#   - pgrant_reuse non-zero exactly when persistent; bounce_bytes non-zero
#     exactly when persistent or untrusted; no I/O error counted.
# Each guest also checks the submit/complete tracepoints once; dom0 checks
# that every guest's disk connected with the persistence its backend
# advertised, and that pvblkback holds no grant or page once its guests
# are gone.

fstat() { cat "/sys/block/xvda/pvblkfront/$1"; }

# Unbind pvblkfront from every vbd, then rmmod it. xenbus holds a
# reference on a frontend module for each device bound to it, so a bound
# driver cannot be unloaded (the stock xen-blkfront neither); unbinding
# closes the connection (the backend goes to Closed, and back to InitWait
# when the reloaded driver probes the device again). rmmod is retried: a
# disk's partition scan still running holds a reference for a moment.
unload_front() {
	local link drv d
	rig_module_loaded pvblkfront || return 0
	for link in /sys/module/pvblkfront/drivers/xen:*; do
		[ -e "$link" ] || continue
		drv=/sys/bus/xen/drivers/${link##*/xen:}
		for d in "$drv"/vbd-*; do
			[ -e "$d" ] || continue
			echo "${d##*/}" >"$drv/unbind" ||
				rig_fail "cannot unbind ${d##*/} from pvblkfront"
		done
	done
	rig_wait_for "rmmod pvblkfront to succeed" 30 rmmod pvblkfront
}

# One connection: reload pvblkfront with the given parameters and check it.
matrix_combo() { # frontend-persistent indirect queues trusted
	local f=$1 ind=$2 q=$3 t=$4 want tag hw reads bb
	local FEAT=/sys/block/xvda/pvblkfront/features
	want=$((BACK_PERSISTENT && f))
	tag="b$BACK_PERSISTENT-f$f-i$ind-q$q-t$t"
	unload_front
	rig_load_frontend ours "feature_persistent=$f" "max_indirect_segments=$ind" \
		"max_queues=$q" "trusted=$t"
	rig_wait_dev /dev/xvda 60
	rig_wait_for "$FEAT" 30 test -f "$FEAT"
	rig_expect_front_conn "$tag" "$q" "$want" "$ind"
	grep -q " trusted $t " "$FEAT" || rig_fail "$tag: features do not say trusted $t: $(tail -n 1 "$FEAT")"
	hw=(/sys/block/xvda/mq/*)
	rig_expect_eq "$tag blk-mq hardware queues" "${#hw[@]}" "$q"

	rig_fio_verify_mix "$tag" /dev/xvda
	rig_expect_1m_requests "$tag" /dev/xvda "$ind" "left the frontend" fstat rd_req
	reads=$RIG_REQUESTS

	rig_save "$tag-stats.txt" grep -r . /sys/block/xvda/pvblkfront
	rig_expect_eq "$tag errors" "$(fstat errors)" 0
	if [ "$want" = 1 ]; then
		[ "$(fstat pgrant_reuse)" -gt 0 ] || rig_fail "$tag: persistent, but no pool page was reused"
	else
		rig_expect_eq "$tag pgrant_reuse" "$(fstat pgrant_reuse)" 0
	fi
	bb=$(fstat bounce_bytes)
	if [ "$want" = 1 ] || [ "$t" = 0 ]; then
		[ "$bb" -gt 0 ] || rig_fail "$tag: data must go through granted copies, bounce_bytes is 0"
	else
		rig_expect_eq "$tag bounce_bytes (own pages granted)" "$bb" 0
	fi
	rig_log "$tag: $RIG_FEATURES, max_segments $RIG_SEGS, 16 x 1 MiB read -> $reads requests," \
		"pgrant_reuse $(fstat pgrant_reuse), bounce_bytes $bb"
}

matrix_guest() {
	local f ind q
	rig_wait_dev /dev/xvda 30
	! rig_module_loaded xen-blkfront || rig_fail "the stock xen-blkfront is loaded"
	# Without the backend's persistent grants the frontend's setting only
	# changes what it advertises: f=0 runs once there (the trusted=0 leg).
	local fs="1 0"
	[ "$BACK_PERSISTENT" = 1 ] || fs=1
	for f in $fs; do
		for ind in 256 0; do
			for q in 2 1; do
				matrix_combo "$f" "$ind" "$q" 1
			done
		done
	done
	matrix_combo 0 256 2 0
	rig_front_tracepoints
	unload_front
}

# Whether guest NAME's disk (vbd 51712) negotiated persistent grants, read
# from xenstore while it runs: 1/0, or "none" if it never connected.
poll_persistent() {
	local name=$1 domid be fe v=none
	domid=$(cat "/tmp/rig-domu/$name/domid")
	be=/local/domain/0/backend/vbd/$domid/51712
	fe=/local/domain/$domid/device/vbd/51712
	while xenstore-exists "/local/domain/$domid" 2>/dev/null; do
		if [ "$(xenstore-read "$be/state" 2>/dev/null)" = 4 ]; then
			v=$(xenstore-read "$be/feature-persistent" 2>/dev/null || echo missing)
			v=$v/$(xenstore-read "$fe/feature-persistent" 2>/dev/null || echo missing)
			break
		fi
		sleep 1
	done
	echo "$v"
}

no_vbd_backends() { ! compgen -G '/sys/bus/xen-backend/devices/vbd-*' >/dev/null; }

matrix_backend() { # ours|stock
	local which=$1 bp name mod seen
	mod=$(rig__side_mod back "$which")
	rig_load_backend "$which"
	for bp in 1 0; do
		echo "$bp" >"/sys/module/${mod//-/_}/parameters/feature_persistent" ||
			rig_fail "cannot set $mod feature_persistent=$bp"
		name=$which-b$bp
		rig_domu_start "$name" --vcpus 2 --mem 512 --front ours \
			--blacklist-stock --front-params "max_queues=2" \
			--env BACK_PERSISTENT="$bp" --disk phy:/dev/ram0,xvda,w \
			--fn "matrix_guest matrix_combo fstat unload_front" \
			--timeout 900
		seen=$(poll_persistent "$name")
		rig_domu_wait "$name"
		# the backend's advertisement / the frontend's first one
		[ "${seen%/*}" = "$bp" ] ||
			rig_fail "$name: $mod advertised feature-persistent '${seen%/*}', its parameter was $bp"
		rig_log "$name: xenstore feature-persistent backend/frontend $seen"
	done
	rig_save "vbd-$which.txt" xenstore-ls -f /local/domain/0/backend/vbd
	if [ "$which" = ours ]; then
		rig_wait_for "the guests' vbd backends to go" 60 no_vbd_backends
		rig_no_grants_left "pvblkback after its guests"
		rig_no_pages_left "pvblkback after its guests"
	fi
	rig_unload_backend
}

rig_ramdisks 1 64 --fill
matrix_backend stock
rig_blacklist_stock xen-blkback
matrix_backend ours
