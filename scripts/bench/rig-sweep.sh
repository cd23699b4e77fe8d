# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The dom0 half of the IOPS-scaling benchmark: one boot (one dom0 vCPU
# count) of the sweep. scripts/bench/bench.sh prepends a "# rig:" header and
# the BENCH_* settings below, and runs the result as a rig test (rig mode)
# or directly in a real dom0 (--host mode, with the host library).
#
# Per driver pair (pvblk: pvblkback + pvblkfront; stock: xen-blkback +
# xen-blkfront) it loads the dom0 backend, runs the replay points (when
# pvblk-ring is available), then boots BENCH_GUESTS guests once (1 vCPU
# each, on its own pre-filled ramdisk, the frontend advertising persistent
# grants) and conducts every point of the pair inside those boots. The
# persistent mode is the backend's feature_persistent parameter: to change
# it, dom0 sets the parameter, detaches every guest's disk and attaches it
# again (a new connection negotiates anew) - far cheaper than booting the
# guests again. For each guest count K the first K guests start fio
# (harness/fio/randread-4k.fio) at the same moment, one fio process per
# guest running the BENCH_REPEAT repeats back to back as stonewalled jobs
# (repeat_job). The guests then power off and the backend is swapped.
#
# The conductor talks to each guest through the guest's own ramdisk: dom0
# writes a command ("pvblk-bench SEQ CMD ARGS") into its first 4 KiB with
# O_DIRECT; the guest polls that block while idle,
# runs the command and answers "@@bench done seq=SEQ ...@@" on its console,
# which xenconsoled logs in dom0. The idle guests' poll forks nothing (4
# KiB read every 0.25 s); dom0 sleeps through each run, then checks the
# console logs once a second.
#
# Output (in $RIG_RESULTS): bench-raw.tsv, one line per measurement:
#   meta <TAB> KEY <TAB> VALUE
#   run <TAB> vcpus driver persistent guests repeat unit iops (tab-separated)
# read by pvblk-bench-report; the guests' fio JSON files come back under
# guests/NAME/.

: "${BENCH_GUESTS:=3}" "${BENCH_REPEAT:=3}" "${BENCH_RUNTIME:=5}"
: "${BENCH_DRIVERS:=pvblk stock}" "${BENCH_MODES:=1 0}"
: "${BENCH_REPLAY:=$BENCH_GUESTS}" "${BENCH_DISK_MB:=128}"
: "${BENCH_GUEST_MEM:=256}" "${BENCH_JOB:?the fio job file text}"
: "${BENCH_RING:=/rig/tools/pvblk-ring}" "${BENCH_PREFIX:=}"
: "${BENCH_CONSOLE_DIR:=/var/log/xen/console}"

raw=$RIG_RESULTS/bench-raw.tsv
vcpus=$(nproc)
t_start=$(date +%s)
seq_no=0
gpre=

# ---- accounting, progress ---------------------------------------------------

ring_ok=0
[ -x "$BENCH_RING" ] && [ "$BENCH_REPLAY" -gt 0 ] && ring_ok=1
n_drv=$(echo $BENCH_DRIVERS | wc -w)
n_mode=$(echo $BENCH_MODES | wc -w)
points_total=$((n_drv * n_mode * BENCH_GUESTS * BENCH_REPEAT))
[ "$ring_ok" = 1 ] && points_total=$((points_total + n_drv * n_mode * BENCH_REPLAY * BENCH_REPEAT))
points_done=0

progress() { # what
	local now el left=unknown
	points_done=$((points_done + 1))
	now=$(date +%s)
	el=$((now - t_start))
	[ "$points_done" -gt 0 ] &&
		left=$(((el * (points_total - points_done) + points_done - 1) / points_done))
	echo "bench: point $points_done/$points_total (dom0 vCPUs $vcpus) $*; ${el}s elapsed, ~${left}s left in this boot"
}

meta() { printf 'meta\t%s\t%s\n' "$1" "$2" >>"$raw"; }

record() { # driver persistent guests repeat unit iops
	printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$vcpus" "$@" >>"$raw"
}

# ---- the guest side -----------------------------------------------------------

# The fio job file /tmp/job.fio with its first job repeated N times in all,
# each repeat a job of its own after a stonewall: one fio process measures
# every repeat of a point (a fio start costs seconds under emulation, and
# the guests stay in step from one repeat to the next).
repeat_job() { # n
	awk -v n="$1" '
		{ print }
		/^\[/ {
			if (state == 1) state = 2
			if (state == 0 && $0 != "[global]") {
				state = 1
				name = substr($0, 2, length($0) - 2)
			}
			next
		}
		state == 1 && NF && !/^[;#]/ { body = body $0 "\n" }
		END { for (r = 2; r <= n; r++) printf "\n[%s-r%d]\nstonewall\n%s", name, r, body }
	' /tmp/job.fio
}

# The read IOPS of every job (= repeat) in fio's JSON FILE, comma-separated.
job_iops() { # file
	awk '/"jobname"/ { want = 1 }
		want && /"iops" *:/ { v = $0; gsub(/[^0-9.]/, "", v)
			out = out (out == "" ? "" : ",") v; want = 0 }
		END { print out }' "$1"
}

# Runs in each guest: obey the commands dom0 writes into the disk's first
# block until "exit".
bench_guest() {
	local dev=/dev/xvda last=0 line tag seq cmd a b c json iops rc n
	rig_wait_dev $dev 60
	printf '%s\n' "$BENCH_JOB" >/tmp/job.fio
	# An idle guest must not steal CPU from the measured ones: its poll
	# forks nothing. A buffered read after dropping the page cache sees
	# dom0's O_DIRECT writes; a fifo nobody writes is the sleep.
	mkfifo /tmp/bench-tick || rig_fail "mkfifo failed"
	exec 9<>/tmp/bench-tick
	# Whatever command the disk holds now is an earlier batch's: not ours.
	read -r tag seq cmd a b c <"$dev" || true
	[ "$tag" = pvblk-bench ] && [ "$seq" -gt 0 ] 2>/dev/null && last=$seq
	# drop_caches logs a line each time: keep it off the console (the
	# kernel log keeps it; dmesg.txt comes back as usual).
	dmesg -n 1
	echo "@@bench ready name=$RIG_NAME@@"
	while :; do
		echo 1 >/proc/sys/vm/drop_caches
		line=
		# (the disk is missing for a moment when dom0 attaches it anew)
		read -r line 2>/dev/null <$dev || true
		read -r tag seq cmd a b c <<<"$line"
		if [ "$tag" != pvblk-bench ] || ! [ "$seq" -gt "$last" ] 2>/dev/null; then
			read -r -t 0.25 -u 9 _ || true
			continue
		fi
		last=$seq
		case "$cmd" in
		run) # run SECONDS TAG REPEATS
			json=$RIG_RESULTS/fio-$b.json
			repeat_job "$c" >/tmp/job-rep.fio
			rc=0
			PVBLK_DEV=$dev PVBLK_RUNTIME=$a fio --output-format=json \
				--output="$json" /tmp/job-rep.fio >/tmp/fio.err 2>&1 || rc=$?
			iops=$(job_iops "$json" 2>/dev/null)
			n=$(awk -F, '{ print NF }' <<<"$iops")
			[ "$rc" = 0 ] && [ "$n" = "$c" ] ||
				rig_fail "fio $b: exit status $rc, $n of $c repeats measured (iops '${iops}'): $(tail -n 3 /tmp/fio.err | tr '\n' ' ')"
			echo "@@bench done seq=$seq run iops=$iops@@"
			;;
		exit)
			dmesg -n 7
			echo "@@bench done seq=$seq exit@@"
			return 0
			;;
		idle) ;;
		*) rig_fail "unknown bench command '$cmd'" ;;
		esac
	done
}

# ---- the dom0 side ------------------------------------------------------------

# Send command CMD to guest I (1-based): writes block 0 of /dev/ram(I-1).
send() { # index cmd args...
	local i=$1
	shift
	mark "$i" "$seq_no" "$@"
}

# Write "pvblk-bench SEQ CMD ARGS" into block 0 of guest I's ramdisk.
mark() { # index seq cmd args...
	local i=$1 seq=$2
	shift 2
	printf 'pvblk-bench %s %s\n' "$seq" "$*" |
		dd of="/dev/ram$((i - 1))" bs=4096 count=1 conv=sync oflag=direct 2>/dev/null ||
		rig_fail "cannot write the bench command to /dev/ram$((i - 1))"
}

# Wait until guests 1..K answered sequence number $seq_no; LIMIT seconds.
# Prints each guest's answer line, in order.
await() { # k limit
	local k=$1 end=$(($(date +%s) + $2)) i log missing
	while :; do
		missing=0
		for ((i = 1; i <= k; i++)); do
			log=$BENCH_CONSOLE_DIR/guest-$gpre$i.log
			grep -aq "@@bench done seq=$seq_no " "$log" 2>/dev/null && continue
			grep -aq '@@pvblk-guest result=' "$log" 2>/dev/null &&
				rig_fail "guest $gpre$i ended while the bench waited for it (console: $log)"
			missing=1
		done
		[ "$missing" = 0 ] && break
		[ "$(date +%s)" -lt "$end" ] ||
			rig_fail "guests did not answer bench command $seq_no within $2 s"
		sleep 1
	done
	for ((i = 1; i <= k; i++)); do
		tr -d '\r' <"$BENCH_CONSOLE_DIR/guest-$gpre$i.log" | grep -a -m 1 "@@bench done seq=$seq_no "
	done
}

# Wait (polling once a second) for guest I's ready line; LIMIT seconds.
wait_ready() { # index limit
	local log=$BENCH_CONSOLE_DIR/guest-$gpre$1.log end=$(($(date +%s) + $2))
	until grep -aq '@@bench ready' "$log" 2>/dev/null; do
		grep -aq '@@pvblk-guest result=' "$log" 2>/dev/null &&
			rig_fail "guest $gpre$1 ended before it was ready (console: $log)"
		[ "$(date +%s)" -lt "$end" ] || rig_fail "guest $gpre$1 not ready within $2 s"
		sleep 1
	done
}

# Domain id of guest NAME, from xenstore (xl has been seen to fail or
# crash while other guests start; xenstore always answers).
domid_of() { # name
	local d
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		[ "$(xenstore-read "/local/domain/$d/name" 2>/dev/null)" = "$1" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

# The frontend's and the backend's feature-persistent of guest I's disk.
negotiated() { # index
	local d fe be
	d=$(domid_of "$gpre$1") || { echo "?"; return; }
	fe=$(xenstore-read "/local/domain/$d/device/vbd/51712/feature-persistent" 2>/dev/null || echo 0)
	be=$(xenstore-read "/local/domain/0/backend/vbd/$d/51712/feature-persistent" 2>/dev/null || echo 0)
	if [ "$fe" = 1 ] && [ "$be" = 1 ]; then echo 1; else echo 0; fi
}

# The dom0 backend's feature_persistent parameter (read by both backends
# when a connection is set up).
backend_persistent() { # side mode
	local m=pvblkback
	[ "$1" = stock ] && m=xen_blkback
	echo "$2" >"/sys/module/$m/parameters/feature_persistent" ||
		rig_fail "cannot set $m feature_persistent=$2"
}

# Guest I's disk connected on both ends (xenbus state 4)?
disk_connected() { # index
	local d
	d=$(domid_of "$gpre$1") || return 1
	[ "$(xenstore-read "/local/domain/$d/device/vbd/51712/state" 2>/dev/null)" = 4 ] &&
		[ "$(xenstore-read "/local/domain/0/backend/vbd/$d/51712/state" 2>/dev/null)" = 4 ]
}

# Detach guest I's disk and attach it again: a new connection, which
# negotiates persistent grants anew. The idle guest's poll does not mind
# its disk missing for a while.
reattach() { # index
	local d
	d=$(domid_of "$gpre$1") || rig_fail "guest $gpre$1 is gone"
	xl block-detach "$d" xvda >/dev/null 2>&1 ||
		rig_fail "xl block-detach of guest $gpre$1's xvda failed"
	rig_wait_for "guest $gpre$1's disk to go" 120 \
		sh -c "! xenstore-read /local/domain/0/backend/vbd/$d/51712/state"
	xl block-attach "$d" "phy:/dev/ram$(($1 - 1)),xvda,w" >/dev/null 2>&1 ||
		rig_fail "xl block-attach of guest $gpre$1's xvda failed"
}

# One batch per driver pair: BENCH_GUESTS guests boot with SIDE's frontend
# (ours|stock; it advertises persistent grants) and run every point of every mode
# in BENCH_MODES; the mode is the dom0 backend's feature_persistent,
# applied by detaching and attaching the guests' disks (two guest boots
# fewer per pair than a batch per mode). Then the guests power off.
guest_points() { # driver side
	local drv=$1 side=$2 mode i first=1
	local extra=()
	gpre=$BENCH_PREFIX$drv-g
	[ "$side" = ours ] && extra=(--blacklist-stock)
	# The disks still hold the previous batch's last command ("exit").
	for ((i = 1; i <= BENCH_GUESTS; i++)); do mark "$i" 0 idle; done
	backend_persistent "$side" "${BENCH_MODES%% *}"
	for ((i = 1; i <= BENCH_GUESTS; i++)); do
		rig_domu_start "$gpre$i" --vcpus 1 --mem "$BENCH_GUEST_MEM" --front "$side" \
			"${extra[@]}" --front-params "feature_persistent=1" \
			--disk "phy:/dev/ram$((i - 1)),xvda,w" --fn "bench_guest repeat_job job_iops" \
			--env "BENCH_JOB=$BENCH_JOB" --timeout "$guest_limit"
	done
	for ((i = 1; i <= BENCH_GUESTS; i++)); do
		wait_ready "$i" 300
	done
	rig_log "bench: $drv: $BENCH_GUESTS guest(s) ready after $(($(date +%s) - t_start))s"
	for mode in $BENCH_MODES; do
		if [ "$first" = 0 ]; then
			backend_persistent "$side" "$mode"
			for ((i = 1; i <= BENCH_GUESTS; i++)); do reattach "$i"; done
			for ((i = 1; i <= BENCH_GUESTS; i++)); do
				rig_wait_for "guest $gpre$i's disk to connect again" 120 disk_connected "$i"
			done
			rig_log "bench: $drv persistent=$mode: disks attached again after $(($(date +%s) - t_start))s"
		fi
		first=0
		mode_points "$drv" "$mode"
	done
	seq_no=$((seq_no + 1))
	for ((i = 1; i <= BENCH_GUESTS; i++)); do send "$i" exit; done
	await "$BENCH_GUESTS" 60 >/dev/null
	for ((i = 1; i <= BENCH_GUESTS; i++)); do rig_domu_wait "$gpre$i"; done
	backend_persistent "$side" 1
}

# Every guest count and repeat of one mode, in the running guests.
mode_points() { # driver mode
	local drv=$1 mode=$2 i k r line iops list vals sums
	for ((i = 1; i <= BENCH_GUESTS; i++)); do
		[ "$(negotiated "$i")" = "$mode" ] ||
			rig_fail "$drv guest $gpre$i: feature-persistent negotiated $(negotiated "$i"), wanted $mode"
	done
	meta "negotiated.$drv.$mode" "$mode"
	# One command per guest count: each guest's fio runs every repeat.
	for ((k = 1; k <= BENCH_GUESTS; k++)); do
		seq_no=$((seq_no + 1))
		for ((i = 1; i <= k; i++)); do
			send "$i" run "$BENCH_RUNTIME" "p$mode-k$k" "$BENCH_REPEAT"
		done
		sleep $((BENCH_REPEAT * (BENCH_RUNTIME + 1) + 1))
		sums=()
		i=0
		while read -r line; do
			i=$((i + 1))
			list=$(sed -n 's/.* iops=\([0-9.,]*\)@@.*/\1/p' <<<"$line")
			IFS=, read -r -a vals <<<"$list"
			[ "${#vals[@]}" = "$BENCH_REPEAT" ] ||
				rig_fail "$gpre$i: $BENCH_REPEAT repeats asked, its answer '$line'"
			for ((r = 1; r <= BENCH_REPEAT; r++)); do
				iops=${vals[$((r - 1))]}
				record "$drv" "$mode" "$k" "$r" "g$i" "$iops"
				sums[r]=$(awk -v a="${sums[r]:-0}" -v b="$iops" 'BEGIN { printf "%.0f", a + b }')
			done
		done < <(await "$k" $((BENCH_REPEAT * (BENCH_RUNTIME + 60) + 60)))
		[ "$i" = "$k" ] || rig_fail "$drv persistent=$mode guests=$k: $i of $k guests answered"
		for ((r = 1; r <= BENCH_REPEAT; r++)); do
			progress "$drv persistent=$mode guests=$k repeat $r/$BENCH_REPEAT: ${sums[r]} IOPS"
		done
	done
}

# The replay variant: K userspace frontends (pvblk-ring) in dom0 at once.
replay_points() { # driver
	local drv=ring-$1 mode k r i iops sum pids rc
	for mode in $BENCH_MODES; do
		for ((k = 1; k <= BENCH_REPLAY; k++)); do
			for ((r = 1; r <= BENCH_REPEAT; r++)); do
				pids=()
				for ((i = 0; i < k; i++)); do
					"$BENCH_RING" generate --dev "/dev/ram$i" --rw randread --bs 4096 \
						--iodepth 32 --runtime "$BENCH_RUNTIME" --persistent "$mode" \
						--json "$RIG_RESULTS/ring-$1-p$mode-k$k-r$r-$i.json" \
						>"$RIG_RESULTS/ring-$1-p$mode-k$k-r$r-$i.log" 2>&1 &
					pids+=($!)
				done
				sum=0
				for ((i = 0; i < k; i++)); do
					rc=0
					wait "${pids[$i]}" || rc=$?
					[ "$rc" = 0 ] || rig_fail "pvblk-ring on /dev/ram$i ($drv persistent=$mode) exited $rc: $(tail -n 2 "$RIG_RESULTS/ring-$1-p$mode-k$k-r$r-$i.log" | tr '\n' ' ')"
					iops=$(grep -o '"iops" *: *[0-9.eE+-]*' "$RIG_RESULTS/ring-$1-p$mode-k$k-r$r-$i.json" | head -n 1 | sed 's/.*: *//')
					[ -n "$iops" ] || rig_fail "pvblk-ring on /dev/ram$i wrote no iops"
					record "$drv" "$mode" "$k" "$r" "ring$i" "$iops"
					sum=$(awk -v a="$sum" -v b="$iops" 'BEGIN { printf "%.0f", a + b }')
				done
				progress "$drv persistent=$mode frontends=$k repeat $r/$BENCH_REPEAT: $sum IOPS"
			done
		done
	done
}

# ---- the sweep --------------------------------------------------------------

disks=$BENCH_GUESTS
[ "$ring_ok" = 1 ] && [ "$BENCH_REPLAY" -gt "$disks" ] && disks=$BENCH_REPLAY
# Every guest runs every guest point of its batch: its limit covers them all.
guest_limit=$((BENCH_GUESTS * BENCH_REPEAT * (BENCH_RUNTIME + 60) + 300))

: >"$raw"
meta note "software-emulated: absolute numbers meaningless"
meta platform "${BENCH_PLATFORM:-qemu-tcg}"
meta kernel "$(uname -r)"
meta xen "$(xl info 2>/dev/null | awk -F': *' '/^xen_version/ { print $2 }')"
meta dom0_vcpus "$vcpus"
meta guests "$BENCH_GUESTS"
meta repeat "$BENCH_REPEAT"
meta runtime "$BENCH_RUNTIME"
meta drivers "$BENCH_DRIVERS"
meta modes "$BENCH_MODES"
meta disk_mb "$BENCH_DISK_MB"
meta guest_vcpus 1
meta guest_mem_mb "$BENCH_GUEST_MEM"
meta workload "fio randread bs=4k iodepth=32 libaio direct (harness/fio/randread-4k.fio)"
if [ "$ring_ok" = 1 ]; then
	meta replay "$BENCH_REPLAY"
else
	meta replay 0
	echo "replay variant: pvblk-ring not built"
fi
rig_log "bench: dom0 vCPUs $vcpus, $points_total points, ${disks} ramdisk(s) of ${BENCH_DISK_MB} MiB"

rig_ramdisks "$disks" "$BENCH_DISK_MB" --fill
# A command line in every disk's first block from the start: the guests'
# buffered poll reads up to a newline.
for ((i = 1; i <= disks; i++)); do mark "$i" 0 idle; done
for drv in $BENCH_DRIVERS; do
	case "$drv" in
	pvblk) side=ours ;;
	stock) side=stock ;;
	*) rig_fail "unknown driver pair '$drv' (pvblk, stock)" ;;
	esac
	rig_load_backend "$side"
	[ "$ring_ok" = 1 ] && replay_points "$drv"
	guest_points "$drv" "$side"
	rig_unload_backend
done
rig_log "bench: dom0 vCPUs $vcpus: all $points_total points in $(($(date +%s) - t_start))s"
