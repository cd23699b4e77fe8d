#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# rig: timeout=900 dom0_mem=1G
#
# Stacked VBDs (Documentation/failure-modes-vbd.rst): a guest's disk is a
# dom0 VBD that is itself served by pvblkback in dom0 loopback -
#
#   ramdisk -> pvblkback -> pvblkfront in dom0 (/dev/xvdX)
#           -> pvblkback -> pvblkfront in the guest
#
# so the guest's pages, mapped into dom0 by the outer backend, reach dom0's
# frontend as foreign pages, which it must not grant (Xen refuses).
#
# pvblk (asserted): eight chains, persistent grants on and off on every
# layer - dom0's frontend x dom0's (inner) backend, in both guests:
#
#   guest  guest front  outer backend   chains (dom0 front, inner backend)
#   g1     1            1               (1,1) (1,0) (0,1) (0,0)
#   g2     0            0               (1,1) (1,0) (0,1) (0,0)
#
# Each guest, on each of its four disks: the negotiated persistent mode is
# the expected one, fio verify=crc32c (4 KiB random, mixed 4 KiB-1 MiB)
# passes, ext4: files written, fsck -fn clean, checksums after a remount;
# the frontend counted no error. In dom0, for each chain: no frontend
# error; a chain whose dom0 link is not persistent shows foreign_bounced >
# 0 (the guest's pages were copied, not granted), a persistent one shows 0
# (its data is copied through the pool anyway).
#
# Stock (recorded, not asserted): xen-blkback + xen-blkfront in dom0, the
# dom0 frontend with feature_persistent=0 (xvda in the guest) and =1
# (xvdb), the stock frontend in the guest. Written to stock-result.txt and
# the log.

CHAINS=8
declare -a CH_DEV CH_FRONT CH_BACK

LETTERS=abcdefghijklmnop

dom0_vdev() {
	# chain k -> dom0's xvdb, xvdc, ...
	echo "xvd${LETTERS:$(($1 + 1)):1}"
}

# ---- the guests' side ------------------------------------------------------

stack_disk() {
	local d=$1 got i
	rig_wait_dev "/dev/$d" 60
	got=$(tr '\n' ' ' <"/sys/block/$d/pvblkfront/features")
	rig_log "$d: $got"
	case "$got" in
	*"persistent $WANT_P "*) ;;
	*) rig_fail "$d: want persistent $WANT_P, features say: $got" ;;
	esac
	local common=("--filename=/dev/$d" --direct=1 --ioengine=libaio
		--verify=crc32c --verify_fatal=1 --do_verify=1)
	rig_fio "$d-rand4k" "${common[@]}" --rw=randwrite --bs=4k --size=4M \
		--iodepth=16
	rig_fio "$d-mixed" "${common[@]}" --rw=randwrite \
		--bssplit=4k/30:64k/40:1m/30 --size=12M --offset=4M --iodepth=4

	rig_must "mkfs.ext4 on $d" mkfs.ext4 -q -F "/dev/$d"
	mkdir -p "/mnt/$d"
	rig_must "mount $d" mount -t ext4 "/dev/$d" "/mnt/$d"
	for i in 1 2 3 4 5 6; do
		mkdir -p "/mnt/$d/dir$i"
		dd if=/dev/urandom of="/mnt/$d/dir$i/f" bs=16k count=$((i * 5)) 2>/dev/null ||
			rig_fail "writing /mnt/$d/dir$i/f failed"
	done
	sync
	(cd "/mnt/$d" && find . -type f -name f | sort | xargs sha256sum) >"/tmp/$d.sums"
	rig_must "umount $d" umount "/mnt/$d"
	fsck.ext4 -fn "/dev/$d" >"/tmp/$d.fsck" 2>&1 ||
		rig_fail "$d: fsck -fn found problems: $(tail -n 5 "/tmp/$d.fsck" | tr '\n' ' ')"
	rig_must "remount $d" mount -t ext4 -o ro "/dev/$d" "/mnt/$d"
	(cd "/mnt/$d" && sha256sum -c "/tmp/$d.sums") >"/tmp/$d.check" 2>&1 ||
		rig_fail "$d: checksums differ after remount: $(grep -v ': OK' "/tmp/$d.check" | head -n 3 | tr '\n' ' ')"
	rig_must "umount $d" umount "/mnt/$d"
	rig_save "$d-stats.txt" grep -r . "/sys/block/$d/pvblkfront"
	[ "$(cat "/sys/block/$d/pvblkfront/errors")" = 0 ] ||
		rig_fail "$d: the frontend counted $(cat "/sys/block/$d/pvblkfront/errors") errors"
	rig_log "$d: fio verify and ext4 (6 files, fsck clean, checksums) passed"
}

stack_guest() {
	local d
	rig_module_loaded pvblkfront || rig_fail "pvblkfront is not loaded"
	for d in xvda xvdb xvdc xvdd; do
		stack_disk "$d"
	done
}

# The stock guest: what works, recorded, never failing the guest.
stock_probe() {
	local d w r f line
	for d in xvda xvdb; do
		rig_wait_dev "/dev/$d" 60
		w=ok r=ok f=ok
		dd if=/dev/urandom of="/dev/$d" bs=4k count=16 oflag=direct 2>/dev/null || w=failed
		dd if="/dev/$d" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null || r=failed
		fio --name="stock-$d" --filename="/dev/$d" --direct=1 --ioengine=libaio \
			--rw=randwrite --bs=4k --size=2M --iodepth=8 --verify=crc32c \
			--verify_fatal=1 --do_verify=1 >"$RIG_RESULTS/fio-stock-$d.txt" 2>&1 || f=failed
		line="$d: write $w, read $r, fio verify $f"
		echo "$line" >>"$RIG_RESULTS/stock.txt"
		rig_log "stock: $line"
	done
	dmesg | grep -m 5 'I/O error' >"$RIG_RESULTS/stock-io-errors.txt" || true
	echo "kernel I/O error lines: $(dmesg | grep -c 'I/O error')" >>"$RIG_RESULTS/stock.txt"
}

# ---- dom0 ------------------------------------------------------------------

stat_of() {
	cat "/sys/block/$1/pvblkfront/$2"
}

set_param() {
	echo "$3" >"/sys/module/$1/parameters/$2" ||
		rig_fail "cannot set $1 $2=$3"
}

# Start guest NAME (front persistent FP) over chains FIRST..FIRST+3 with
# the outer backend's feature_persistent OUTER; check the backend
# advertised OUTER on every disk.
start_guest() {
	local name=$1 fp=$2 outer=$3 first=$4 k disks=() i=0 domid devid
	set_param pvblkback feature_persistent "$outer"
	for k in $(seq "$first" $((first + 3))); do
		disks+=(--disk "phy:/dev/${CH_DEV[$k]},xvd${LETTERS:$i:1},w")
		i=$((i + 1))
	done
	rig_domu_start "$name" --vcpus 2 --mem 384 --front ours --blacklist-stock \
		--front-params "feature_persistent=$fp" --env WANT_P=$((fp && outer)) \
		"${disks[@]}" --fn "stack_guest stack_disk" --timeout 420
	domid=$(cat "/tmp/rig-domu/$name/domid")
	for devid in 51712 51728 51744 51760; do
		rig_wait_for "$name backend $devid feature-persistent" 20 \
			xenstore-exists "/local/domain/0/backend/vbd/$domid/$devid/feature-persistent"
		[ "$(xenstore-read "/local/domain/0/backend/vbd/$domid/$devid/feature-persistent")" = "$outer" ] ||
			rig_fail "$name: outer backend $devid does not advertise feature-persistent=$outer"
	done
}

# Wait until guest NAME's backends are gone, so nothing holds dom0's disks.
backends_gone() {
	local domid
	domid=$(cat "/tmp/rig-domu/$1/domid")
	rig_wait_for "guest $1's backends removed" 60 \
		test ! -e "/sys/bus/xen-backend/devices/vbd-$domid-51712"
}

check_chain() {
	local k=$1 d=${CH_DEV[$1]} want fb got
	want=$((CH_FRONT[$1] && CH_BACK[$1]))
	rig_save "dom0-$d-stats.txt" grep -r . "/sys/block/$d/pvblkfront"
	got=$(tr '\n' ' ' <"/sys/block/$d/pvblkfront/features")
	case "$got" in
	*"persistent $want "*) ;;
	*) rig_fail "chain $k ($d): want dom0 link persistent $want, features say: $got" ;;
	esac
	[ "$(stat_of "$d" errors)" = 0 ] ||
		rig_fail "chain $k ($d): dom0's frontend counted $(stat_of "$d" errors) errors"
	fb=$(stat_of "$d" foreign_bounced)
	if [ "$want" = 0 ]; then
		[ "$fb" -gt 0 ] ||
			rig_fail "chain $k ($d): non-persistent, but no foreign page was bounced"
	else
		[ "$fb" = 0 ] ||
			rig_fail "chain $k ($d): persistent (pool copy), but foreign_bounced=$fb"
	fi
	rig_log "chain $k: dom0 front ${CH_FRONT[$1]} inner back ${CH_BACK[$1]} -> $d persistent $want, foreign_bounced $fb, foreign_bytes $(stat_of "$d" foreign_bytes)"
	echo "chain $k front=${CH_FRONT[$1]} back=${CH_BACK[$1]} persistent=$want foreign_bounced=$fb foreign_bytes=$(stat_of "$d" foreign_bytes) bounce_bytes=$(stat_of "$d" bounce_bytes) rd_req=$(stat_of "$d" rd_req) wr_req=$(stat_of "$d" wr_req)" >>"$RIG_RESULTS/pvblk-chains.txt"
}

rig_ramdisks 10 32 --fill
rig_load_backend ours
rig_load_frontend ours

# dom0's VBDs: per guest (dom0 front, inner back) = 11 10 01 00.
for k in $(seq 0 $((CHAINS - 1))); do
	CH_DEV[k]=$(dom0_vdev "$k")
	CH_FRONT[k]=$(((k & 3) < 2))
	CH_BACK[k]=$(((k & 1) == 0))
	set_param pvblkfront feature_persistent "${CH_FRONT[$k]}"
	set_param pvblkback feature_persistent "${CH_BACK[$k]}"
	rig_dom0_attach "/dev/ram$k" "${CH_DEV[$k]}" w
done

start_guest g1 1 1 0
start_guest g2 0 0 4
rig_domu_wait g1
rig_domu_wait g2
for k in $(seq 0 $((CHAINS - 1))); do
	check_chain "$k"
done
rig_save vbd-xenstore.txt xenstore-ls -f /local/domain/0/backend/vbd
backends_gone g1
backends_gone g2
for k in $(seq 0 $((CHAINS - 1))); do
	rig_dom0_detach "${CH_DEV[$k]}"
done
rig_unload_frontend
rig_unload_backend

# ---- the stock pair, recorded ---------------------------------------------
stock_pair() {
	rig_load_backend stock
	rig_load_frontend stock
	set_param xen_blkfront feature_persistent 0
	rig_dom0_attach /dev/ram8 xvdb w
	set_param xen_blkfront feature_persistent 1
	rig_dom0_attach /dev/ram9 xvdc w
	rig_domu_run s1 --vcpus 2 --mem 384 --front stock \
		--disk phy:/dev/xvdb,xvda,w --disk phy:/dev/xvdc,xvdb,w \
		--fn stock_probe --timeout 240
	[ -s "$RIG_RESULTS/guests/s1/stock.txt" ] || rig_fail "the stock guest recorded no result"
	{
		echo "stock xen-blkback + xen-blkfront in dom0 loopback, stock xen-blkfront in the guest ($RIG_KREL)"
		echo "guest xvda: dom0 frontend feature_persistent=0; guest xvdb: dom0 frontend feature_persistent=1"
		cat "$RIG_RESULTS/guests/s1/stock.txt"
		cat "$RIG_RESULTS/guests/s1/stock-io-errors.txt" 2>/dev/null
	} >"$RIG_RESULTS/stock-result.txt"
	while read -r line; do rig_log "stock: $line"; done <"$RIG_RESULTS/stock-result.txt"
	backends_gone s1
	rig_dom0_detach xvdb
	rig_dom0_detach xvdc
	rig_unload_frontend
	rig_unload_backend
}
! rig_stock_legs || stock_pair
