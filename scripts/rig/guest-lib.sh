# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The rig's test-script API. Sourced (by the rig's /init) into every test
# script, in dom0 and in guests alike, before the test runs. Bash.
# Documentation/testing.rst describes every helper; the short form:
#
#   outcome   rig_log MSG | rig_fail MSG | rig_must DESC CMD... |
#             rig_wait_for DESC TIMEOUT CMD...
#   results   rig_collect PATH [NAME] | rig_save NAME CMD...
#   modules   rig_load_backend ours|stock [P=V...] | rig_load_frontend ... |
#             rig_unload_backend | rig_unload_frontend |
#             rig_blacklist_stock | rig_unblacklist_stock |
#             rig_modprobe NAME [P=V...] | rig_rmmod NAME... |
#             rig_module_loaded NAME | rig_mod_path NAME
#   disks     rig_ramdisks COUNT SIZE_MB [--fill] | rig_wait_dev PATH [T] |
#             rig_log_writes NAME DATA_DEV LOG_DEV | rig_slow_dev NAME DEV MS |
#             rig_dom0_attach TARGET VDEV [MODE] | rig_dom0_detach VDEV
#   guests    rig_domu_start NAME [OPTS] | rig_domu_wait NAME |
#             rig_domu_run NAME [OPTS]           (dom0 only)
#   I/O       rig_fio NAME FIO-ARGS... | rig_fio_iops FILE read|write |
#             rig_fio_verify_mix TAG DEV |
#             rig_expect_front_conn TAG QUEUES PERSISTENT INDIRECT |
#             rig_expect_1m_requests TAG DEV INDIRECT WHERE COMMAND...
#   checks    rig_stock_legs (the stock drivers' recorded legs wanted?) |
#             rig_backend_count_is ATTR WANT DESC | rig_no_grants_left DESC |
#             rig_no_pages_left DESC
#
# Environment set by the rig: RIG_ROLE (dom0|domu), RIG_RESULTS (result
# directory, collected back to the host), RIG_KREL (kernel release),
# RIG_MODDIR (our .ko files), RIG_NAME (test or guest name).

: "${RIG_RESULTS:=/results}"
: "${RIG_MODDIR:=/rig/modules}"
: "${RIG_ROLE:=dom0}"
RIG_KREL=${RIG_KREL:-$(uname -r)}

# ---- outcome -------------------------------------------------------------

# Lines carry the kernel's uptime, comparable with dmesg timestamps.
rig_log() {
	echo "rig[$RIG_ROLE] $(cut -d' ' -f1 /proc/uptime)s: $*"
}

# Record a failure (the test fails even if called in a subshell) and exit.
rig_fail() {
	echo "rig[$RIG_ROLE] $(cut -d' ' -f1 /proc/uptime)s: FAIL: $*"
	mkdir -p "$RIG_RESULTS"
	echo "$*" >>"$RIG_RESULTS/failures"
	exit 1
}

# Run CMD; fail the test with DESC and CMD's exit status if it fails.
rig_must() {
	local desc=$1 rc=0
	shift
	"$@" || rc=$?
	[ "$rc" = 0 ] || rig_fail "$desc (exit status $rc: $*)"
}

# Poll CMD every 0.2 s until it succeeds; fail after TIMEOUT seconds.
rig_wait_for() {
	local desc=$1 timeout=$2 end
	shift 2
	end=$(($(date +%s) + timeout))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || rig_fail "timed out after ${timeout}s waiting for $desc"
		sleep 0.2
	done
}

# ---- results -------------------------------------------------------------

# Copy a file or directory into the result directory (as NAME if given).
rig_collect() {
	local src=$1 name=${2:-}
	[ -n "$name" ] || name=$(basename "$src")
	[ -e "$src" ] || rig_fail "rig_collect: no such file: $src"
	mkdir -p "$(dirname "$RIG_RESULTS/$name")"
	cp -r "$src" "$RIG_RESULTS/$name"
}

# Save CMD's output (stdout and stderr) as NAME in the result directory.
# CMD's failure is recorded in the file, not fatal: use it for dumps.
rig_save() {
	local name=$1 rc=0
	shift
	mkdir -p "$(dirname "$RIG_RESULTS/$name")"
	"$@" >"$RIG_RESULTS/$name" 2>&1 || rc=$?
	[ "$rc" = 0 ] || echo "(exit status $rc: $*)" >>"$RIG_RESULTS/$name"
}

# ---- modules -------------------------------------------------------------

# Kernel module name as /sys/module shows it (dashes become underscores).
rig__modname() {
	echo "${1//-/_}"
}

rig_module_loaded() {
	[ -d "/sys/module/$(rig__modname "$1")/sections" ] ||
		grep -q "^$(rig__modname "$1") " /proc/modules
}

# Path of one of our modules (pvblkback, pvblkfront), for insmod.
rig_mod_path() {
	local p=$RIG_MODDIR/$1.ko
	[ -f "$p" ] || rig_fail "module $1 was not built into this run ($p missing)"
	echo "$p"
}

rig_modprobe() {
	local name=$1 out
	shift
	out=$(modprobe "$name" "$@" 2>&1) ||
		rig_fail "modprobe $name $* failed: $out"
	rig_module_loaded "$name" || rig_fail "modprobe $name succeeded but the module is not loaded"
}

rig_rmmod() {
	local m out
	for m in "$@"; do
		out=$(rmmod "$m" 2>&1) || rig_fail "rmmod $m failed: $out"
	done
}

# Which module implements a side: rig__side_mod back|front ours|stock
rig__side_mod() {
	case "$1:$2" in
	back:ours) echo pvblkback ;;
	back:stock) echo xen-blkback ;;
	front:ours) echo pvblkfront ;;
	front:stock) echo xen-blkfront ;;
	*) rig_fail "unknown driver choice '$2' for the $1end (ours|stock)" ;;
	esac
}

rig__load_side() {
	local side=$1 which=$2 mod other
	shift 2
	case "$which" in ours | stock) ;; *) rig_fail "rig_load_${side}end: ours|stock, not '$which'" ;; esac
	mod=$(rig__side_mod "$side" "$which")
	if [ "$which" = ours ]; then
		other=$(rig__side_mod "$side" stock)
		! rig_module_loaded "$other" ||
			rig_fail "cannot load $mod: the stock $other is loaded and owns the devices (rig_blacklist_stock first)"
		[ -f "$RIG_MODDIR/$mod.ko" ] || rig_fail "module $mod was not built into this run"
	else
		other=$(rig__side_mod "$side" ours)
		! rig_module_loaded "$other" ||
			rig_fail "cannot load $mod: $other is loaded and owns the devices"
	fi
	rig_modprobe "$mod" "$@"
	rig_log "loaded $mod${*:+ ($*)}"
}

rig_load_backend() { rig__load_side back "$@"; }
rig_load_frontend() { rig__load_side front "$@"; }

rig__unload_side() {
	local side=$1 which mod
	for which in ours stock; do
		mod=$(rig__side_mod "$side" "$which")
		if rig_module_loaded "$mod"; then
			rig_rmmod "$mod"
			rig_log "unloaded $mod"
		fi
	done
}

rig_unload_backend() { rig__unload_side back; }
rig_unload_frontend() { rig__unload_side front; }

# Make the stock drivers MODULE... (default: xen-blkfront xen-blkback)
# unloadable: unload them, move their .ko files out of the module tree,
# blacklist them, re-run depmod.
rig_blacklist_stock() {
	local m f hide=/lib/rig-hidden-modules mods=("$@")
	[ $# -gt 0 ] || mods=(xen-blkfront xen-blkback)
	for m in "${mods[@]}"; do
		case "$m" in
		xen-blkfront | xen-blkback) ;;
		*) rig_fail "rig_blacklist_stock: '$m' is not a stock block driver" ;;
		esac
		! rig_module_loaded "$m" || rig_rmmod "$m"
	done
	mkdir -p "$hide"
	for m in "${mods[@]}"; do
		find "/lib/modules/$RIG_KREL/kernel" -name "$m.ko*" -exec mv {} "$hide/" \;
		echo "blacklist ${m//-/_}"
	done >>/etc/modprobe.d/rig-stock.conf
	depmod -a "$RIG_KREL" || rig_fail "depmod failed"
	for m in "${mods[@]}"; do
		! modprobe "$m" 2>/dev/null || rig_fail "stock $m still loads after blacklisting"
	done
	rig_log "stock ${mods[*]} blacklisted"
}

rig_unblacklist_stock() {
	local hide=/lib/rig-hidden-modules f
	[ -d "$hide" ] || return 0
	for f in "$hide"/xen-blkback*; do
		[ -e "$f" ] && mv "$f" "/lib/modules/$RIG_KREL/kernel/drivers/block/xen-blkback/"
	done
	for f in "$hide"/xen-blkfront*; do
		[ -e "$f" ] && mv "$f" "/lib/modules/$RIG_KREL/kernel/drivers/block/"
	done
	rm -f /etc/modprobe.d/rig-stock.conf
	depmod -a "$RIG_KREL" || rig_fail "depmod failed"
}

# ---- tracing -------------------------------------------------------------

RIG_TRACEFS=/sys/kernel/tracing

# Mount tracefs and stop enabling an event from patching the scheduler's
# tracepoints. With record-cmd/record-tgid on (the default), the first
# enabled event registers probes on sched_switch and sched_wakeup, which
# rewrites those call sites while other vCPUs run through them. Under
# Xen PV in this rig that run-time patching can oops a 6.12 kernel with
# "Oops: int3" (Documentation/testing.rst, "Run-time code patching"), so
# both inits call this before any test, and tests enable their own events
# only while nothing runs through them.
rig_tracing_setup() {
	local opt
	[ -d $RIG_TRACEFS/events ] || mount -t tracefs nodev $RIG_TRACEFS ||
		rig_fail "cannot mount tracefs on $RIG_TRACEFS"
	for opt in record-cmd record-tgid; do
		echo 0 >"$RIG_TRACEFS/options/$opt" ||
			rig_fail "cannot turn off the tracing option $opt"
	done
}

# pvblkfront's submit and completion tracepoints fire, in pairs, for 64
# direct 4 KiB reads of /dev/xvda (guest). Call it while xvda is idle:
# enabling the events patches pvblkfront's tracepoint sites, which must
# not run meanwhile (rig_tracing_setup).
rig_front_tracepoints() {
	local t=$RIG_TRACEFS n_sub n_done
	[ -d $t/events/pvblkfront ] || rig_fail "no pvblkfront trace events"
	: >$t/trace
	echo 1 >$t/events/pvblkfront/enable
	dd if=/dev/xvda of=/dev/null bs=4k count=64 iflag=direct 2>/dev/null ||
		rig_fail "read with tracing on failed"
	echo 0 >$t/events/pvblkfront/enable
	n_sub=$(grep -c 'pvblkfront_submit:' $t/trace)
	n_done=$(grep -c 'pvblkfront_complete:' $t/trace)
	grep -m 2 pvblkfront_ $t/trace >"$RIG_RESULTS/trace-sample.txt"
	if [ "$n_sub" -lt 64 ] || [ "$n_sub" != "$n_done" ]; then
		rig_fail "tracepoints: $n_sub submits, $n_done completions for 64 reads"
	fi
	rig_log "tracepoints: $n_sub submits, $n_done completions"
}

# ---- disks ---------------------------------------------------------------

rig_wait_dev() {
	rig_wait_for "block device $1" "${2:-30}" test -b "$1"
}

# COUNT brd ramdisks of SIZE_MB each: /dev/ram0 .. /dev/ram<COUNT-1>.
# --fill writes zeros over them so reads copy real pages.
rig_ramdisks() {
	local n=$1 mb=$2 fill=${3:-} i
	rig_module_loaded brd && rig_fail "brd is already loaded (call rig_ramdisks once)"
	rig_modprobe brd rd_nr="$n" rd_size=$((mb * 1024)) max_part=0
	for ((i = 0; i < n; i++)); do
		rig_wait_dev "/dev/ram$i" 10
		if [ "$fill" = --fill ]; then
			dd if=/dev/zero of="/dev/ram$i" bs=1M count="$mb" 2>/dev/null ||
				rig_fail "cannot fill /dev/ram$i"
		fi
	done
	rig_log "$n ramdisk(s) of ${mb} MiB"
}

# A dm-log-writes device NAME over DATA_DEV logging to LOG_DEV; prints its
# path. The log's super block is written on FUA/MARK only: use
# 'dmsetup message NAME 0 mark TAG' (or remove it) before reading the log.
rig_log_writes() {
	local name=$1 data=$2 logdev=$3 sectors
	rig_module_loaded dm-log-writes || rig_modprobe dm-log-writes
	sectors=$(blockdev --getsz "$data") || rig_fail "cannot size $data"
	echo "0 $sectors log-writes $data $logdev" |
		DM_DISABLE_UDEV=1 dmsetup create "$name" >&2 ||
		rig_fail "dmsetup create $name (log-writes $data -> $logdev) failed"
	rig_wait_dev "/dev/mapper/$name" 10
	echo "/dev/mapper/$name"
}

# A dm-delay device NAME over DEV that holds every read and write MS
# milliseconds: slow storage, so that I/O is certainly in flight at the
# backend when a test acts. Prints its path.
rig_slow_dev() { # name dev ms
	local sectors
	rig_module_loaded dm-delay || rig_modprobe dm-delay
	sectors=$(blockdev --getsz "$2") || rig_fail "cannot size $2"
	echo "0 $sectors delay $2 0 $3" | DM_DISABLE_UDEV=1 dmsetup create "$1" >&2 ||
		rig_fail "dmsetup create $1 (delay $2 by $3 ms) failed"
	rig_wait_dev "/dev/mapper/$1" 10
	echo "/dev/mapper/$1"
}

# The xl disk spec for dom0 block device TARGET as VDEV with MODE (r|w):
# with the rig's own hotplug script (/rig/phy-hotplug), or with Xen's
# /etc/xen/scripts/block when RIG_HOTPLUG=stock (tests that follow an
# operator's setup exactly).
rig_disk_spec() { # target vdev mode
	if [ "${RIG_HOTPLUG:-rig}" = stock ]; then
		echo "phy:$1,$2,$3"
	else
		echo "format=raw,vdev=$2,access=$3,script=/rig/phy-hotplug,target=$1"
	fi
}

# Attach TARGET (a dom0 block device) to dom0 itself as VDEV (e.g. xvda)
# through blkback/blkfront, and wait for /dev/VDEV. MODE is w (default) or r.
rig_dom0_attach() {
	local target=$1 vdev=$2 mode=${3:-w} timeout=${RIG_ATTACH_TIMEOUT:-30} out
	out=$(xl block-attach 0 "$(rig_disk_spec "$target" "$vdev" "$mode")" 2>&1) ||
		rig_fail "xl block-attach 0 phy:$target $vdev $mode failed: $out"
	if ! rig__wait_quiet "$timeout" test -b "/dev/$vdev"; then
		rig_save "attach-$vdev-xenstore.txt" xenstore-ls -f /local/domain/0
		rig_fail "/dev/$vdev did not appear within ${timeout}s after xl block-attach ($(rig__vbd_states 0 "$vdev"))"
	fi
	rig_log "attached $target to dom0 as /dev/$vdev"
}

rig_dom0_detach() {
	local vdev=$1 timeout=${RIG_ATTACH_TIMEOUT:-30} out
	out=$(xl block-detach 0 "$vdev" 2>&1) ||
		rig_fail "xl block-detach 0 $vdev failed: $out"
	rig__wait_quiet "$timeout" test ! -e "/dev/$vdev" ||
		rig_fail "/dev/$vdev still present ${timeout}s after xl block-detach"
	rig_log "detached /dev/$vdev from dom0"
}

# Like rig_wait_for but returns 1 on timeout instead of failing.
rig__wait_quiet() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# Frontend and backend xenbus states of DOMID's vbd VDEV, for messages.
rig__vbd_states() {
	local domid=$1 vdev=$2 d fe be
	local found=0
	for d in $(xenstore-list "/local/domain/$domid/device/vbd" 2>/dev/null); do
		fe=/local/domain/$domid/device/vbd/$d
		be=$(xenstore-read "$fe/backend" 2>/dev/null) || continue
		[ "$(xenstore-read "$be/dev" 2>/dev/null)" = "$vdev" ] || continue
		found=1
		echo -n "vbd $d: frontend state $(xenstore-read "$fe/state" 2>/dev/null || echo -),"
		echo -n " backend state $(xenstore-read "$be/state" 2>/dev/null || echo -)"
		echo -n " $(xenstore-read "$be/hotplug-error" 2>/dev/null || true)"
	done
	[ "$found" = 1 ] || echo -n "no vbd $vdev in xenstore"
}

# ---- checks ----------------------------------------------------------------

# Wait up to SECONDS for the background process PID to end; if it is still
# running then, kill it and return 1.
rig_wait_exit() { # pid seconds
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 1
	done
	kill -0 "$1" 2>/dev/null || return 0
	kill -9 "$1"
	return 1
}

# Whether this run includes the stock drivers' legs of the failure-mode
# tests, which record what the stock pair does and never fail a test (the
# rig's RIG_STOCK_LEGS: 1 in the full suite, 0 in make check's tier).
rig_stock_legs() {
	if [ "${RIG_STOCK_LEGS:-1}" = 0 ]; then
		rig_log "stock drivers' recorded legs skipped (RIG_STOCK_LEGS=0)"
		return 1
	fi
}

# Fail with DESC unless GOT equals WANT.
rig_expect_eq() { # desc got want
	[ "$2" = "$3" ] || rig_fail "$1: got '$2', want '$3'"
}

# Wait until pvblkback's driver-wide count ATTR (grants_mapped, pages) is
# WANT; fail with DESC and the last value after 40 s (dom0). A detach
# returns once the backend device is gone; its rings' reaper may still be
# answering a closing frontend (up to 2 s) or finishing bios on a slow
# device, and unmaps and frees last.
rig_backend_count_is() { # attr want desc
	local f=/sys/bus/xen-backend/drivers/pvblkback/$1 n i
	[ -r "$f" ] || rig_fail "$3: no $f (pvblkback not loaded?)"
	for ((i = 0; i < 200; i++)); do
		n=$(cat "$f")
		[ "$n" = "$2" ] && return 0
		sleep 0.2
	done
	rig_fail "$3: pvblkback's $1 is $n, want $2 (waited 40 s)"
}

# Fail (with DESC) unless the statistics of the pvblkback device whose
# sysfs directory is SYS show the persistence mode WANT: 1 - cache hits
# and cached grants; 0 - per-request maps and no persistent grant (dom0).
rig_expect_backend_mode() { # sys want desc
	local s=$1/statistics
	if [ "$2" = 1 ]; then
		[ "$(cat "$s/pgnt_hits")" -gt 0 ] || rig_fail "$3: persistent, but no cache hit"
		[ "$(cat "$s/pgnt_mapped")" -gt 0 ] || rig_fail "$3: persistent, but no grant cached"
	else
		rig_expect_eq "$3 pgnt_hits" "$(cat "$s/pgnt_hits")" 0
		rig_expect_eq "$3 pgnt_mapped" "$(cat "$s/pgnt_mapped")" 0
		[ "$(cat "$s/np_maps")" -gt 0 ] || rig_fail "$3: non-persistent, but np_maps is 0"
	fi
}

# Fail (with DESC) if pvblkback still holds any grant mapping once its
# reapers are done (dom0).
rig_no_grants_left() { rig_backend_count_is grants_mapped 0 "$1"; } # desc

# pvblkback holds no page from the grant-page allocator (every device
# gone: none in use, none pooled) once its reapers are done.
rig_no_pages_left() { rig_backend_count_is pages 0 "$1"; } # desc

# Fail (with DESC) if any vbd node of dom0 is left in xenstore, saving a
# dump of dom0's xenstore as xenstore-left-DESC.txt (dom0).
rig_no_vbd_nodes_left() { # desc
	local left
	left=$(xenstore-list /local/domain/0/device/vbd 2>/dev/null; xenstore-list /local/domain/0/backend/vbd/0 2>/dev/null)
	[ -z "$left" ] || { rig_save "xenstore-left-$1.txt" xenstore-ls -f /local/domain/0; rig_fail "$1: xenstore nodes left: $left"; }
}

# pvblk-ring's JSON report (Documentation/harness.rst), read without jq:
# rig_json_num FILE KEY   a top-level numeric field
# rig_json_int FILE KEY   its integer part
# rig_json_stat FILE NAME a field of "backend_stats"
# rig_json_lat FILE PCT   lat_ns.PCT ("p50", "p99", "p99.9")
rig_json_num() {
	local v
	v=$(sed -n "s/^  \"$2\": \\(-\\{0,1\\}[0-9][0-9.]*\\),\\{0,1\\}\$/\\1/p" "$1" | head -n1)
	[ -n "$v" ] || rig_fail "$1: no numeric \"$2\""
	echo "$v"
}

rig_json_int() {
	local v
	v=$(rig_json_num "$1" "$2")
	echo "${v%%.*}"
}

rig_json_stat() {
	local v
	v=$(grep '"backend_stats"' "$1" | grep -o "\"$2\": -\\{0,1\\}[0-9]*" | head -n1)
	[ -n "$v" ] || rig_fail "$1: no backend_stats.$2"
	echo "${v##* }"
}

rig_json_lat() {
	local v
	v=$(grep '"lat_ns"' "$1" | grep -o "\"$2\": [0-9]*" | head -n1)
	[ -n "$v" ] || rig_fail "$1: no lat_ns.$2"
	echo "${v##* }"
}

# ---- I/O -----------------------------------------------------------------

# Run fio with JSON output into the result directory (fio-NAME.json) and
# check it: fio's exit status, no job error, bytes moved > 0. Prints a
# one-line summary. The remaining arguments are fio options (--rw=... etc.).
rig_fio() {
	local name=$1 json rc=0 errs bytes
	shift
	json=$RIG_RESULTS/fio-$name.json
	mkdir -p "$RIG_RESULTS"
	fio --name="$name" --output-format=json --output="$json" "$@" \
		>"$RIG_RESULTS/fio-$name.stderr" 2>&1 || rc=$?
	[ -s "$json" ] || rig_fail "fio $name wrote no JSON (exit status $rc): $(tail -n 3 "$RIG_RESULTS/fio-$name.stderr")"
	errs=$(awk -F: '/"error" *:/ { gsub(/[ ,]/, "", $2); if ($2 != "0") n++ } END { print n + 0 }' "$json")
	bytes=$(awk -F: '/"io_bytes" *:/ { gsub(/[ ,]/, "", $2); s += $2 } END { printf "%d", s }' "$json")
	[ "$rc" = 0 ] || rig_fail "fio $name failed (exit status $rc, $errs job error(s)): $(grep -m 3 -i 'err\|verify' "$RIG_RESULTS/fio-$name.stderr" | tr '\n' ' ')"
	[ "$errs" = 0 ] || rig_fail "fio $name: $errs job(s) report an error in $json"
	[ "$bytes" -gt 0 ] || rig_fail "fio $name moved no data"
	rig_log "fio $name: ok, $((bytes / 1048576)) MiB moved"
}

# pvblkfront's xvda negotiated QUEUES queues, persistent grants PERSISTENT
# (0/1) and INDIRECT indirect segments (first line of its sysfs features,
# saved as TAG-features.txt), and its queue's max_segments says the same
# (11 when INDIRECT is 0). Sets RIG_FEATURES and RIG_SEGS for the log.
rig_expect_front_conn() { # tag queues persistent indirect
	local tag=$1 q=$2 p=$3 ind=$4 f=/sys/block/xvda/pvblkfront/features
	RIG_FEATURES=$(head -n 1 "$f")
	rig_save "$tag-features.txt" cat "$f"
	[[ "$RIG_FEATURES" =~ ^queues\ $q\ ring_order\ [0-9]+\ persistent\ $p\ indirect\ $ind$ ]] ||
		rig_fail "$tag: features '$RIG_FEATURES', want queues $q persistent $p indirect $ind"
	RIG_SEGS=$(cat /sys/block/xvda/queue/max_segments)
	if [ "$ind" = 0 ]; then
		rig_expect_eq "$tag max_segments" "$RIG_SEGS" 11
	else
		rig_expect_eq "$tag max_segments" "$RIG_SEGS" "$ind"
	fi
}

# The verified write mix of the feature-matrix tests on DEV, one fio
# process (fio-TAG-mix.json), its jobs one after another: verify=crc32c
# random 4 KiB writes (2 jobs of 1 MiB), 64 KiB (2 MiB at 16 MiB) and
# 1 MiB (4 MiB at 24 MiB); within the first 32 MiB of DEV.
rig_fio_verify_mix() { # tag dev
	local v=(--filename="$2" --direct=1 --ioengine=libaio --verify=crc32c
		--verify_fatal=1 --do_verify=1 --rw=randwrite --stonewall)
	rig_fio "$1-mix" "${v[@]}" --bs=4k --size=1M --iodepth=16 --numjobs=2 \
		--offset_increment=8M \
		--name="$1-64k" "${v[@]}" --bs=64k --offset=16M --size=2M --iodepth=8 \
		--name="$1-1m" "${v[@]}" --bs=1M --offset=24M --size=4M --iodepth=4
}

# Read 16 MiB of DEV in 1 MiB direct reads (at 32 MiB) and check how many
# requests that made, counted by COMMAND... (prints a read-request
# counter): 16-32 with indirect segments (INDIRECT not 0), at least 320
# without (a direct request carries at most 11 pages). WHERE words the
# failure ("left the frontend", "reached the backend"). Sets
# RIG_REQUESTS to the count (no command substitution: a failure must stop
# the test, not a subshell).
rig_expect_1m_requests() { # tag dev indirect where command...
	local tag=$1 dev=$2 ind=$3 where=$4 r0 n
	shift 4
	r0=$("$@")
	rig_must "$tag: 1 MiB reads" dd if="$dev" of=/dev/null bs=1M count=16 \
		skip=32 iflag=direct
	n=$(($("$@") - r0))
	if [ "$ind" = 0 ]; then
		[ "$n" -ge 320 ] ||
			rig_fail "$tag: 16 MiB in 1 MiB reads $where as $n requests (direct only: want >= 320)"
	elif [ "$n" -lt 16 ] || [ "$n" -gt 32 ]; then
		rig_fail "$tag: 16 MiB in 1 MiB reads $where as $n requests (indirect: want 16..32)"
	fi
	# shellcheck disable=SC2034 # read by the caller
	RIG_REQUESTS=$n
}

# IOPS of the first job's DIR (read|write) section in fio JSON FILE (as
# fio prints it, with decimals). With --group_reporting that is the
# group's. Busybox awk: the section opens on the line '"read" : {'.
rig_fio_iops() { # file read|write
	local v
	v=$(awk -v k="\"$2\"" '$1 == k && index($0, "{") { s = 1 }
		s && /"iops" *:/ { gsub(/[^0-9.]/, ""); print; exit }' "$1")
	[ -n "$v" ] || rig_fail "$1: no $2 IOPS"
	echo "$v"
}

# ---- guests (dom0 only) --------------------------------------------------

# Start a PV guest. Options:
#   --vcpus N              virtual CPUs (default 1)
#   --mem MB               memory (default 512)
#   --front ours|stock|none  block frontend the guest loads (default stock)
#   --front-params "P=V ..." its module parameters
#   --blacklist-stock      make the stock frontend unloadable in the guest
#   --disk SPEC            an xl disk spec, e.g. phy:/dev/ram1,xvda,w
#                          (repeatable)
#   --script FILE          the script the guest runs (this library sourced)
#   --fn "FUNC [HELPER...]"  or: run shell function FUNC of the test (the
#                          helpers named are defined in the guest too)
#   --env NAME=VALUE       exported in the guest (repeatable)
#   --timeout S            the guest script's time limit (default 300)
#   --cmdline ARGS         extra guest kernel arguments (after the rig's
#                          own, RIG_GUEST_ARGS: memory debugging)
# With RIG_GUEST_BOOT_CHECK=1 (the default but on 6.1) it returns once the
# guest's /init has started, and a boot whose kernel died of the boot-time
# patching race first is repeated (rig__domu_booted).
rig_domu_start() {
	local name=$1 vcpus=1 mem=512 front=stock fparams="" blacklist=0
	local script="" fns="" timeout=300 cmdline="" dir out f first try
	local disks=() envs=()
	shift
	[ "$RIG_ROLE" = dom0 ] || rig_fail "rig_domu_start runs in dom0 only"
	[ -n "$name" ] || rig_fail "rig_domu_start: no guest name"
	while [ $# -gt 0 ]; do
		case "$1" in
		--vcpus) vcpus=$2 ;;
		--mem) mem=$2 ;;
		--front) front=$2 ;;
		--front-params) fparams=$2 ;;
		--blacklist-stock) blacklist=1; shift; continue ;;
		--disk) disks+=("$2") ;;
		--script) script=$2 ;;
		--fn) fns=$2 ;;
		--env) envs+=("$2") ;;
		--timeout) timeout=$2 ;;
		--cmdline) cmdline=$2 ;;
		*) rig_fail "rig_domu_start: unknown option '$1'" ;;
		esac
		[ $# -ge 2 ] || rig_fail "rig_domu_start: option $1 needs a value"
		shift 2
	done
	case "$front" in ours | stock | none) ;; *) rig_fail "rig_domu_start: --front ours|stock|none, not '$front'" ;; esac
	[ -n "$script$fns" ] || rig_fail "rig_domu_start $name: give --script FILE or --fn FUNC"
	dir=/tmp/rig-domu/$name
	rm -rf "$dir"
	mkdir -p "$dir/layer/rig/modules" "$dir/layer/lib/modules/$RIG_KREL/updates"

	# The guest's test script: a file, or functions of this test.
	if [ -n "$script" ]; then
		[ -f "$script" ] || rig_fail "rig_domu_start $name: no script $script"
		cp "$script" "$dir/layer/rig/test.sh"
	else
		for f in $fns; do
			declare -F "$f" >/dev/null || rig_fail "rig_domu_start $name: no shell function '$f'"
		done
		{
			for f in $fns; do declare -f "$f"; done
			first=${fns%% *}
			echo "$first"
		} >"$dir/layer/rig/test.sh"
	fi
	{
		echo "RIG_NAME=$(printf '%q' "$name")"
		echo "RIG_FRONT=$front"
		echo "RIG_FRONT_PARAMS=$(printf '%q' "$fparams")"
		echo "RIG_BLACKLIST_STOCK=$blacklist"
		echo "RIG_TIMEOUT=$timeout"
		for f in "${envs[@]}"; do
			[[ "$f" == *=* ]] || rig_fail "rig_domu_start: --env NAME=VALUE, not '$f'"
			echo "export ${f%%=*}=$(printf '%q' "${f#*=}")"
		done
	} >"$dir/layer/rig/guest.conf"
	cp /rig/lib.sh "$dir/layer/rig/lib.sh"
	cp /rig/domu-init.sh "$dir/layer/init"
	chmod 755 "$dir/layer/init"
	for f in "$RIG_MODDIR"/*.ko; do
		[ -e "$f" ] || continue
		cp "$f" "$dir/layer/rig/modules/"
		cp "$f" "$dir/layer/lib/modules/$RIG_KREL/updates/"
	done
	(cd "$dir/layer" && find . -mindepth 1 | cpio -o -H newc 2>/dev/null) | gzip -1 >"$dir/layer.cpio.gz" ||
		rig_fail "cannot pack the guest layer for $name"
	cat /rig/domu/base.cpio.zst "$dir/layer.cpio.gz" >"$dir/initrd"

	{
		echo "name = \"$name\""
		echo 'type = "pv"'
		echo 'kernel = "/rig/domu/vmlinux"'
		echo "ramdisk = \"$dir/initrd\""
		echo "extra = \"console=hvc0 rdinit=/init rootfstype=ramfs oops=panic ${RIG_GUEST_ARGS:+$RIG_GUEST_ARGS }$cmdline\""
		echo "memory = $mem"
		echo "maxmem = $mem"
		echo "vcpus = $vcpus"
		echo -n 'disk = ['
		for f in "${disks[@]}"; do
			# phy:TARGET,VDEV,MODE gets the rig's disk spec
			if [[ "$f" =~ ^phy:([^,]+),([^,]+),([rw])$ ]]; then
				f=$(rig_disk_spec "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}")
			fi
			echo -n " '$f',"
		done
		echo ' ]'
		echo 'on_poweroff = "destroy"'
		echo 'on_reboot = "destroy"'
		echo 'on_crash = "destroy"'
	} >"$dir/xl.cfg"
	echo "$timeout" >"$dir/timeout"

	for ((try = 1; ; try++)); do
		rm -f "/var/log/xen/console/guest-$name.log"
		# xl's exit status is not trusted (it has crashed after creating
		# a working guest): the domain's existence is.
		out=$(xl create "$dir/xl.cfg" 2>&1) || rig_log "xl create $name exited non-zero: $out"
		rig__wait_quiet 10 xl domid "$name" ||
			rig_fail "guest $name was not created: $out"
		xl domid "$name" >"$dir/domid"
		[ "$RIG_GUEST_BOOT_CHECK" = 1 ] || break
		rig__domu_booted "$name" "$try" && break
		[ "$try" -le "$RIG_GUEST_BOOT_RETRIES" ] ||
			rig_fail "guest $name: its kernel died of the boot-time int3 patching race before its /init on all $try boots (consoles: guests/$name/boot-crash-*.log)"
		rig_log "guest $name: its kernel died of the boot-time int3 patching race before its /init (console kept as guests/$name/boot-crash-$try.log): boot retry $try of $RIG_GUEST_BOOT_RETRIES"
	done
	# The kernel and ramdisk are in the guest's memory now; free dom0's.
	rm -rf "$dir/initrd" "$dir/layer.cpio.gz" "$dir/layer"
	rig_log "guest $name started (domid $(cat "$dir/domid"), ${vcpus} vCPU, ${mem} MiB, front $front)"
}

# Boots of a guest whose kernel died of the boot-time text-patching race
# before its /init ran (Documentation/testing.rst, "Run-time code
# patching") that rig_domu_start repeats.
RIG_GUEST_BOOT_RETRIES=${RIG_GUEST_BOOT_RETRIES:-2}
# Whether rig_domu_start waits for the guest's /init (and so can repeat
# such a boot). Only 6.12 has shown the race; on 6.1 guests boot while the
# test goes on, which keeps several guests booting side by side.
if [ -z "${RIG_GUEST_BOOT_CHECK:-}" ]; then
	case "$RIG_KREL" in
	6.1.*) RIG_GUEST_BOOT_CHECK=0 ;;
	*) RIG_GUEST_BOOT_CHECK=1 ;;
	esac
fi

# Wait until guest NAME's /init has started (the init marker is on its
# console). Returns 1 when its kernel died before that with "Oops: int3"
# (nothing of pvblk runs in a guest before its /init), keeping the console
# as guests/NAME/boot-crash-TRY.log where the kernel-trouble scan does not
# look; fails the test if it died otherwise or never got there. (The rig's
# log lines say "int3 patching race", never the oops line itself, which
# the kernel-trouble scan would take for a crash of the test.)
rig__domu_booted() {
	local name=$1 try=$2 raw=/var/log/xen/console/guest-$1.log end kept
	end=$(($(date +%s) + 240))
	while ! grep -aq '@@pvblk-guest init' "$raw" 2>/dev/null; do
		if ! xl domid "$name" >/dev/null 2>&1; then
			sleep 1	# xenconsoled may not have written the end yet
			grep -aq '@@pvblk-guest init' "$raw" 2>/dev/null && return 0
			kept=$RIG_RESULTS/guests/$name/boot-crash-$try.log
			mkdir -p "${kept%/*}"
			tr -d '\r' <"$raw" >"$kept" 2>/dev/null
			rm -f "$raw"
			grep -q 'Oops: int3' "$kept" ||
				rig_fail "guest $name died before its /init started (console: guests/$name/boot-crash-$try.log)"
			return 1
		fi
		[ "$(date +%s)" -lt "$end" ] ||
			rig_fail "guest $name: its /init did not start within 240 s of its creation"
		sleep 0.5
	done
}

# Wait for guest NAME to power off (its time limit + 120 s for boot and
# teardown), collect its console log and results into
# $RIG_RESULTS/guests/NAME/, and fail the test unless the guest passed.
rig_domu_wait() {
	local name=$1 dir=/tmp/rig-domu/$1 domid limit end log gdir
	[ -f "$dir/domid" ] || rig_fail "rig_domu_wait: guest $name was not started"
	domid=$(cat "$dir/domid")
	limit=$(($(cat "$dir/timeout") + 120))
	end=$(($(date +%s) + limit))
	# Poll xenstore (cheap), not xl (which costs guest throughput); twice
	# a second, so a test does not idle long after its guest is gone.
	while xenstore-exists "/local/domain/$domid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			xl destroy "$domid" >/dev/null 2>&1
			rig__guest_collect "$name"
			rig_fail "guest $name still running after ${limit}s: destroyed (console: guests/$name/console.log)"
		fi
		sleep 0.5
	done
	rig__guest_collect "$name"
	gdir=$RIG_RESULTS/guests/$name
	log=$gdir/console.log
	# The guest's own rig lines, so the serial log tells its story too.
	grep 'rig\[domu\]' "$log" | sed "s/^/[$name] /"
	if grep -q '@@pvblk-guest result=pass@@' "$log"; then
		rig_log "guest $name passed"
		return 0
	fi
	if grep -q '@@pvblk-guest result=fail' "$log"; then
		rig_fail "guest $name failed: $(head -n 3 "$gdir/failures" 2>/dev/null | tr '\n' ' ')(console: guests/$name/console.log)"
	fi
	rig_fail "guest $name ended without a result (crashed or powered off early; console: guests/$name/console.log)"
}

# Split the guest's console log into its text and its results payload.
rig__guest_collect() {
	local name=$1 gdir=$RIG_RESULTS/guests/$1 raw sum got
	raw=/var/log/xen/console/guest-$name.log
	mkdir -p "$gdir"
	[ -f "$raw" ] || {
		echo "(no console log: $raw)" >"$gdir/console.log"
		return 0
	}
	tr -d '\r' <"$raw" | grep -v '^@@b64 ' >"$gdir/console.log"
	sum=$(tr -d '\r' <"$raw" | sed -n 's/.*@@pvblk-payload begin md5=\([0-9a-f]*\)@@.*/\1/p' | tail -n 1)
	[ -n "$sum" ] || return 0
	tr -d '\r' <"$raw" | sed -n 's/^@@b64 //p' | base64 -d >"$gdir/.payload.tgz" 2>/dev/null
	got=$(md5sum <"$gdir/.payload.tgz" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "guest $name: results payload corrupted on the console (md5 $got, want $sum)" >>"$gdir/failures"
		echo "guest $name: results payload corrupted" >>"$RIG_RESULTS/failures"
	else
		tar -xzf "$gdir/.payload.tgz" -C "$gdir" || echo "guest $name: cannot unpack results" >>"$RIG_RESULTS/failures"
	fi
	rm -f "$gdir/.payload.tgz"
}

rig_domu_run() {
	rig_domu_start "$@"
	rig_domu_wait "$1"
}
