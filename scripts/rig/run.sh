#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run rig tests: boot Xen 4.17 under QEMU (TCG) and run the test scripts
# in dom0 after the toolstack is up - several per boot: the tests that ask
# for the same machine (their "# rig:" header's mem, smp and dom0_mem) run
# one after the other in one boot, dom0 cleaned up after each
# (dom0-reset.sh). A boot ends at the first test that fails or leaves dom0
# in a state the rig cannot clean, and the tests left get a fresh boot; a
# test whose header says "fresh=1" has a boot of its own, and what it
# leaves in dom0 ends with that boot.
#
#   scripts/rig/run.sh [--kernel 6.1|6.12] TEST.sh...
#
# KERNEL=6.1|6.12 in the environment works too (--kernel wins). Per test:
#   serial log   build/rig/logs/<test>-<kernel>.log (its slice of the
#                boot's console; the first test of a boot also has the boot)
#   results      build/rig/results/<test>-<kernel>/
# and one line per test and per boot in build/rig/times-<kernel>.tsv.
# A test passes when dom0 reports result=pass AND no kernel log (its slice
# of dom0's serial log and dmesg, every guest's console log and dmesg)
# shows a BUG, WARNING, Oops, general protection fault, hung task or call
# trace - but for the known kernel bugs outside pvblk that scan-log.awk
# lists, which the PASS line counts.
# Ends with "N passed, M failed"; exits non-zero if any test failed.
#
# Knobs (environment): PVBLK_RIG_MODULES (build: scripts/build-modules.sh
# builds ours for the booted kernel; none: no modules; or a list of .ko
# paths to ship instead), RIG_START_TIMEOUT (150: seconds from QEMU start to
# the first test's start marker before the boot counts as hung and is
# retried), RIG_GAP_TIMEOUT (240: seconds from a test's result marker to
# the next test's start marker, or to QEMU's exit after the last test,
# before the rig stops QEMU and fails that test), RIG_BOOT_RETRIES (1),
# RIG_TIMEOUT (600: default per-test limit; a test's
# "# rig: timeout=S mem=SIZE smp=N dom0_mem=SIZE fresh=1" header line
# overrides), RIG_BATCH (1; 0 boots once per test), RIG_STOCK_LEGS
# (1; 0 skips the stock drivers' recorded-only legs of the failure-mode
# tests), RIG_MEMDEBUG (0; 1 boots dom0 and every guest with page
# poisoning and slub_debug).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
rigdir=$PVBLK_ROOT/scripts/rig

series=${KERNEL:-6.1}
tests=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel)
		[ $# -ge 2 ] || die "--kernel needs 6.1 or 6.12"
		series=$2
		shift 2
		;;
	--kernel=*)
		series=${1#--kernel=}
		shift
		;;
	-h | --help)
		sed -n '3,20p' "$0"
		exit 0
		;;
	-*) die "unknown option '$1' (usage: run.sh [--kernel 6.1|6.12] TEST.sh...)" ;;
	*)
		tests+=("$1")
		shift
		;;
	esac
done
case "$series" in
6.1 | 6.12) ;;
*) die "kernel series '$series' is not supported by the rig (supported: 6.1, 6.12)" ;;
esac
[ ${#tests[@]} -gt 0 ] || die "no test scripts given (usage: run.sh [--kernel 6.1|6.12] TEST.sh...)"
for t in "${tests[@]}"; do
	[ -f "$t" ] && [ -r "$t" ] || die "test script '$t' does not exist or is not readable"
done
need_cmd qemu-system-x86_64 timeout cpio tar modinfo strip flock pkill

start_timeout=${RIG_START_TIMEOUT:-150}
gap_timeout=${RIG_GAP_TIMEOUT:-240}
boot_retries=${RIG_BOOT_RETRIES:-1}
default_timeout=${RIG_TIMEOUT:-600}
[[ "$default_timeout" =~ ^[0-9]+$ ]] && [ "$default_timeout" -ge 120 ] ||
	die "RIG_TIMEOUT=$default_timeout: want seconds >= 120"
[[ "$start_timeout" =~ ^[0-9]+$ ]] || die "RIG_START_TIMEOUT=$start_timeout: want seconds"
[[ "$gap_timeout" =~ ^[0-9]+$ ]] && [ "$gap_timeout" -ge 30 ] ||
	die "RIG_GAP_TIMEOUT=$gap_timeout: want seconds >= 30"
[[ "$boot_retries" =~ ^[0-9]+$ ]] || die "RIG_BOOT_RETRIES=$boot_retries: want a count"

# "# rig: key=value ..." header of a test script -> shell assignments.
parse_header() {
	local t=$1 kv k v
	local h_timeout=$default_timeout h_mem=3G h_smp=2 h_dom0_mem=1G h_fresh=0
	for kv in $(sed -n 's/^# rig://p' "$t" | head -n 1); do
		k=${kv%%=*}
		v=${kv#*=}
		case "$k" in
		timeout) [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 120 ] && h_timeout=$v ||
			die "$t: rig header timeout=$v: want seconds >= 120" ;;
		mem) [[ "$v" =~ ^[0-9]+[MG]$ ]] && h_mem=$v || die "$t: rig header mem=$v: want e.g. 3G or 4096M" ;;
		smp) [[ "$v" =~ ^[1-8]$ ]] && h_smp=$v || die "$t: rig header smp=$v: want 1..8" ;;
		dom0_mem) [[ "$v" =~ ^[0-9]+[MG]$ ]] && h_dom0_mem=$v || die "$t: rig header dom0_mem=$v: want e.g. 1G or 1536M" ;;
		fresh) [[ "$v" =~ ^[01]$ ]] && h_fresh=$v || die "$t: rig header fresh=$v: want 0 or 1" ;;
		*) die "$t: unknown rig header key '$k' (timeout, mem, smp, dom0_mem, fresh)" ;;
		esac
	done
	echo "h_timeout=$h_timeout h_mem=$h_mem h_smp=$h_smp h_dom0_mem=$h_dom0_mem h_fresh=$h_fresh"
}

batch=${RIG_BATCH:-1}
stock_legs=${RIG_STOCK_LEGS:-1}
# Memory debugging in dom0 and every guest: freed pages are poisoned and
# checked when allocated again, slab objects are red-zoned, poisoned and
# checked, so a write into freed memory is reported (and fails the test).
case "${RIG_MEMDEBUG:-0}" in
0) memdebug="" ;;
1) memdebug="page_poison=1 slub_debug=FZP" ;;
*) die "RIG_MEMDEBUG=${RIG_MEMDEBUG}: want 0 or 1" ;;
esac
[[ "$batch" =~ ^[01]$ ]] || die "RIG_BATCH=$batch: want 0 or 1"
[[ "$stock_legs" =~ ^[01]$ ]] || die "RIG_STOCK_LEGS=$stock_legs: want 0 or 1"
declare -A seen=()
for t in "${tests[@]}"; do
	parse_header "$t" >/dev/null || exit 1
	[[ "$t" != *[[:space:]]* ]] || die "test path '$t' holds a blank"
	name=$(basename "$t" .sh)
	[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "$t: a test's name may hold letters, digits, '.', '_' and '-' only"
	[ -z "${seen[$name]:-}" ] || die "two tests named $name: ${seen[$name]} and $t"
	seen[$name]=$t
done

# One rig run at a time on this machine: two QEMUs on 2 cores slow each
# other 3-4x, and runs share build/rig and the cache.
mkdir -p "$PVBLK_CACHE/rig"
exec 8>"$PVBLK_CACHE/rig/run.lock"
if ! flock -n 8; then
	log "another rig run holds $PVBLK_CACHE/rig/run.lock: waiting (at most ${RIG_LOCK_WAIT:-3600}s)"
	flock -w "${RIG_LOCK_WAIT:-3600}" 8 ||
		die "another rig run still holds $PVBLK_CACHE/rig/run.lock after ${RIG_LOCK_WAIT:-3600}s"
fi

out=$PVBLK_ROOT/build/rig
mkdir -p "$out/logs" "$out/results" "$out/run"
case "$out$PVBLK_CACHE" in
*,*) die "the build or cache path contains a comma, which QEMU's -initrd cannot take: $out $PVBLK_CACHE" ;;
esac

t_all=$(date +%s)
imgs=$("$rigdir/images.sh" "$series") || exit 1
eval "$imgs"
: "${IMAGES:?}" "${KREL:?}" "${SYSROOT:?}"

# Our modules, built against exactly the booted kernel.
kos=()
if [ "${PVBLK_RIG_MODULES:-build}" = none ]; then
	log "PVBLK_RIG_MODULES=none: not building pvblk modules (tests loading them will fail)"
elif [ "${PVBLK_RIG_MODULES:-build}" != build ]; then
	# shellcheck disable=SC2206
	kos=($PVBLK_RIG_MODULES)
	log "using prebuilt modules: ${kos[*]}"
	for ko in "${kos[@]}"; do
		[ -f "$ko" ] || die "PVBLK_RIG_MODULES names '$ko', which does not exist"
	done
else
	# the directory make kbuild-all and make style build in: after them
	# (make check) this build has nothing left to do
	list=$("$PVBLK_ROOT/scripts/build-modules.sh" "$series" "$PVBLK_ROOT/build/kmod/$KREL") ||
		die "building the pvblk modules for $series failed"
	mapfile -t kos <<<"$list"
fi
for ko in "${kos[@]}"; do
	vm=$(modinfo -F vermagic "$ko") || die "$ko is not a kernel module"
	[ "${vm%% *}" = "$KREL" ] ||
		die "$ko was built for '${vm%% *}', the rig boots $KREL"
done

# The harness tools (harness/tools/*), optimized, for dom0's /rig/tools.
rig_tools=()
if [ "${PVBLK_RIG_TOOLS:-build}" = build ]; then
	list=$("$PVBLK_ROOT/scripts/build-tools.sh" "$PVBLK_ROOT/build/tools") ||
		die "building the harness tools failed"
	[ -z "$list" ] || mapfile -t rig_tools <<<"$list"
fi

# The per-boot cpio layer: /init, the library, the boot's tests and their
# list, our modules and the harness tools (when built), appended to the
# cached dom0 base image. Arguments: DIR TEST.sh...
make_layer() {
	local dir=$1 t ko tools libs f name
	shift
	rm -rf "$dir/layer"
	mkdir -p "$dir/layer/rig/modules" "$dir/layer/rig/tests" \
		"$dir/layer/lib/modules/$KREL/updates"
	install -m 755 "$rigdir/dom0-init.sh" "$dir/layer/init"
	install -m 755 "$rigdir/dom0-reset.sh" "$dir/layer/rig/dom0-reset.sh"
	install -m 644 "$rigdir/guest-lib.sh" "$dir/layer/rig/lib.sh"
	install -m 755 "$rigdir/domu-init.sh" "$dir/layer/rig/domu-init.sh"
	install -m 755 "$rigdir/phy-hotplug.sh" "$dir/layer/rig/phy-hotplug"
	for t in "$@"; do
		name=$(basename "$t" .sh)
		eval "$(parse_header "$t")"
		install -m 644 "$t" "$dir/layer/rig/tests/$name.sh"
		# dom0 keeps 90 s of a test's limit for clean-up and results.
		echo "$name $((h_timeout - 90)) $h_fresh"
	done >"$dir/layer/rig/tests/list"
	{
		echo "RIG_SERIES=$series"
		echo "RIG_KREL=$KREL"
		echo "RIG_STOCK_LEGS=$stock_legs"
		echo "RIG_GUEST_ARGS='$memdebug'"
	} >"$dir/layer/rig/run.conf"
	# Debug info is 90% of a .ko and makes every insmod slow under TCG.
	for ko in "${kos[@]}"; do
		strip --strip-debug -o "$dir/layer/rig/modules/${ko##*/}" "$ko" ||
			die "cannot strip $ko"
		cp "$dir/layer/rig/modules/${ko##*/}" "$dir/layer/lib/modules/$KREL/updates/"
	done
	tools=${rig_tools[*]}
	if [ -n "$tools" ]; then
		mkdir -p "$dir/layer/rig/tools"
		# shellcheck disable=SC2086
		cp $tools "$dir/layer/rig/tools/"
		# shellcheck disable=SC2086
		libs=$("$rigdir/elfdeps.sh" "$SYSROOT" $tools) || die "harness tools need libraries the rig lacks"
		for f in $libs; do
			mkdir -p "$dir/layer/$(dirname "$f")"
			cp -L "$SYSROOT/$f" "$dir/layer/$f"
		done
	fi
	(cd "$dir/layer" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$dir/layer.cpio"
	cat "$IMAGES/dom0-base.cpio" "$dir/layer.cpio" >"$dir/initrd.cpio"
}

# Boot once and follow the markers. Arguments: DIR LOG NAME... (each
# test's limit, seconds from its start marker, in lim[NAME]). Sets boot_rc
# (QEMU's exit status, 124 on timeout), started (1 if a test began),
# hung (1: no test began within the start timeout), stuck (the test whose
# limit ran out on the host's clock, which stopped QEMU), stuck_after (the
# test after whose result nothing followed within the gap timeout, which
# stopped QEMU: saving the results, the next start or power-off hung),
# to_start
# (seconds to the first start marker), and t_start[NAME], t_end[NAME]
# (host clock at the test's start and result markers), t_qemu_start and
# t_qemu_end.
boot_once() {
	local dir=$1 log=$2 t0 now qpid total markers m n seen_n=0 cur="" cur_t=0
	local done_name="" done_t=0 res name
	shift 2
	local xen_args="console=com1 com1=115200,8n1 dom0_mem=$h_dom0_mem,max:$h_dom0_mem"
	xen_args+=" dom0_max_vcpus=$h_smp loglvl=all guest_loglvl=all console_timestamps=boot"
	local dom0_args="console=hvc0 earlyprintk=xen rdinit=/init oops=panic panic=1${memdebug:+ $memdebug}"
	total=$((start_timeout + 120))
	for name in "$@"; do
		total=$((total + lim[$name]))
	done
	rm -f "$dir/results.img" "$log"
	truncate -s 2G "$dir/results.img"
	: >"$log"
	t0=$(date +%s)
	t_qemu_start=$t0
	timeout --kill-after=10 "$total" qemu-system-x86_64 \
		-machine q35 -accel tcg,thread=multi -cpu "${RIG_CPU:-max,-smap,-xsave}" \
		-smp "$h_smp" -m "$h_mem" -display none -no-reboot -monitor none \
		-nodefaults -serial "file:$log" \
		-kernel "$IMAGES/xen" -append "$xen_args" \
		-initrd "$IMAGES/vmlinux $dom0_args,$dir/initrd.cpio" \
		-drive "file=$dir/results.img,format=raw,if=none,id=results" \
		-device virtio-blk-pci,drive=results,serial=pvblkresults \
		>"$dir/qemu.out" 2>&1 </dev/null &
	qpid=$!
	running_qemu=$qpid
	started=0
	hung=0
	stuck=""
	stuck_after=""
	to_start=-1
	while kill -0 "$qpid" 2>/dev/null; do
		now=$(date +%s)
		markers=$(grep -a -o '@@pvblk-rig \(start\|result=[a-z]*\) test=[A-Za-z0-9._-]*' "$log" || true)
		n=$(grep -c . <<<"$markers" || true)
		if [ "$n" -gt "$seen_n" ]; then
			while read -r m; do
				case "$m" in
				*" start test="*)
					cur=${m##*test=}
					cur_t=$now
					t_start[$cur]=$now
					if [ "$started" = 0 ]; then
						started=1
						to_start=$((now - t0))
					fi
					;;
				*)
					done_name=${m##*test=}
					done_t=$now
					t_end[$done_name]=$now
					res=${m#*result=}
					log "$done_name: ${res%% *} after $((now - ${t_start[$done_name]:-$now}))s"
					cur=""
					;;
				esac
			done < <(tail -n +"$((seen_n + 1))" <<<"$markers")
			seen_n=$n
		fi
		if [ "$started" = 0 ] && [ $((now - t0)) -ge "$start_timeout" ]; then
			hung=1
			stop_qemu "$qpid"
			break
		fi
		if [ -n "$cur" ] && [ $((now - cur_t)) -ge "${lim[$cur]}" ]; then
			stuck=$cur
			stop_qemu "$qpid"
			break
		fi
		if [ -z "$cur" ] && [ -n "$done_name" ] && [ $((now - done_t)) -ge "$gap_timeout" ]; then
			stuck_after=$done_name
			stop_qemu "$qpid"
			break
		fi
		sleep 1
	done
	boot_rc=0
	wait "$qpid" || boot_rc=$?
	running_qemu=""
	t_qemu_end=$(date +%s)
	cat "$dir/qemu.out" >>"$log"
}

# Stop the QEMU run by timeout process PID: SIGTERM (timeout passes it on),
# then after 15 s SIGKILL to QEMU (the timeout's child) and to timeout.
stop_qemu() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 15; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
	done
	pkill -KILL -P "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
}

running_qemu=""
trap '[ -z "$running_qemu" ] || stop_qemu "$running_qemu"' EXIT
trap 'exit 130' INT TERM

# Kernel trouble in log files: prints "FILE: LINE" for each match, less
# the reports of known kernel bugs outside pvblk, whose first lines go to
# the file TOLERATED (scan-log.awk).
bad_re='(^|[^A-Za-z_])BUG([^A-Za-z_]|$)|WARNING:|Oops|general protection|hung task|hung_task|blocked for more than [0-9]+ seconds|Call Trace|Kernel panic|soft lockup'
scan_logs() { # tolerated log...
	local f tolerated=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		LC_ALL=C awk -v re="$bad_re" -v name="${f#"$PVBLK_ROOT"/}" \
			-v tolerated="$tolerated" -f "$rigdir/scan-log.awk" "$f" ||
			echo "${f#"$PVBLK_ROOT"/}: (scan-log.awk failed on this log)"
	done
}

# Split a boot's serial log into the per-test logs: each test's slice runs
# from its start marker to the next test's; the boot before the first
# start marker goes with the first test, the power-off with the last one
# that started. Arguments: LOG NAME...
split_log() {
	local blog=$1 name
	shift
	for name in "$@"; do
		rm -f "$out/logs/$name-$series.log"
	done
	LC_ALL=C awk -v first="$1" -v pre="$out/logs/" -v suf="-$series.log" '
		BEGIN { cur = first }
		/@@pvblk-rig start test=/ {
			s = $0
			sub(/.*@@pvblk-rig start test=/, "", s)
			sub(/@@.*/, "", s)
			cur = s
		}
		{ print > (pre cur suf) }' "$blog"
}

passed=0
failed=0
times=$out/times-$series.tsv
printf 'kernel\tkind\tname\tseconds\tresult\n' >"$times"

# Judge test T (path) of a boot whose unpacked results disk is UNPACKED;
# prints its PASS/FAIL line and counts it.
judge() {
	local t=$1 unpacked=$2 name id log res rline verdict why tolerated trouble known dt gretries
	name=$(basename "$t" .sh)
	id=$name-$series
	log=$out/logs/$id.log
	res=$out/results/$id
	rm -rf "$res"
	mkdir -p "$res"
	if [ -d "$unpacked/$name" ]; then
		cp -a "$unpacked/$name/." "$res/"
		[ -f "$unpacked/xl-info.txt" ] && cp "$unpacked/xl-info.txt" "$res/"
	fi
	touch "$log"
	verdict=pass
	why=""
	rline=$(grep -a "@@pvblk-rig result=[a-z]* test=$name " "$log" | tail -n 1 | tr -d '\r' || true)
	if [ -z "$rline" ]; then
		verdict=fail
		if [ "$stuck" = "$name" ]; then
			why="no result within its ${lim[$name]}s limit: the rig stopped QEMU (log: ${log#"$PVBLK_ROOT"/})"
		elif [ "$boot_rc" = 124 ] || [ "$boot_rc" = 137 ]; then
			why="QEMU timed out with no result marker (log: ${log#"$PVBLK_ROOT"/})"
		else
			why="dom0 crashed or stopped without a result marker (QEMU exit status $boot_rc; log: ${log#"$PVBLK_ROOT"/})"
		fi
	elif [[ "$rline" != *'@@pvblk-rig result=pass '* ]]; then
		verdict=fail
		why=${rline#*@@pvblk-rig }
		why="dom0 reported: ${why%%@@*}"
		[ -s "$res/failures" ] && why+=" - $(head -n 3 "$res/failures" | tr '\n' ';')"
	elif [ "$stuck_after" = "$name" ]; then
		verdict=fail
		why="nothing followed its result within ${gap_timeout}s (saving the results, the next test's start or power-off hung): the rig stopped QEMU (log: ${log#"$PVBLK_ROOT"/})"
	elif [ ! -f "$res/dom0-dmesg.txt" ]; then
		verdict=fail
		why="the test passed but its results were not saved to the results disk"
	fi
	tolerated=$res/tolerated-warnings.txt
	rm -f "$tolerated"
	trouble=$(scan_logs "$tolerated" "$log" "$res/dom0-dmesg.txt" "$res"/guests/*/console.log "$res"/guests/*/dmesg.txt)
	known=""
	[ -s "$tolerated" ] &&
		known=", known kernel warnings tolerated $(wc -l <"$tolerated") (${tolerated#"$PVBLK_ROOT"/})"
	if [ -n "$trouble" ]; then
		verdict=fail
		why="${why:+$why; }kernel log shows BUG/WARNING/Oops/GPF/hung task/call trace"
	fi
	dt=$((${t_end[$name]:-$t_qemu_end} - ${t_start[$name]}))
	printf '%s\t%s\t%s\t%s\t%s\n' "$series" test "$name" "$dt" "$verdict" >>"$times"
	if [ "$verdict" = pass ]; then
		passed=$((passed + 1))
		gretries=0
		if [ -d "$res/guests" ]; then
			gretries=$(find "$res/guests" -name 'boot-crash-*.log' | wc -l)
		fi
		echo "PASS $name ($KREL): ${dt}s, guest boot retries $gretries$known"
	else
		failed=$((failed + 1))
		echo "---- last 60 lines of ${log#"$PVBLK_ROOT"/} ----"
		tail -n 60 "$log" | tr -d '\r'
		echo "----"
		if [ -n "$trouble" ]; then
			echo "kernel trouble found:"
			echo "$trouble" | head -n 40
		fi
		echo "FAIL $name ($KREL): $why (${dt}s)"
	fi
	echo "  log: ${log#"$PVBLK_ROOT"/}  results: ${res#"$PVBLK_ROOT"/}/"
}

# Fail tests that never ran: WHY, then the test paths.
not_run() {
	local why=$1 t name
	shift
	for t in "$@"; do
		name=$(basename "$t" .sh)
		failed=$((failed + 1))
		printf '%s\t%s\t%s\t%s\t%s\n' "$series" test "$name" 0 not-run >>"$times"
		echo "FAIL $name ($KREL): $why"
	done
}

# Boot for the tests given (one machine shape) until each has run: a boot
# runs them in order and stops after the first failure; the rest get the
# next boot.
run_group() {
	local remaining=("$@") names=() dir blog retries kind t name first n used
	local -A t_start=() t_end=() lim=()
	for t in "$@"; do
		eval "$(parse_header "$t")"
		lim[$(basename "$t" .sh)]=$h_timeout
	done
	while [ ${#remaining[@]} -gt 0 ]; do
		eval "$(parse_header "${remaining[0]}")"
		first=$(basename "${remaining[0]}" .sh)
		dir=$out/run/$first-$series
		blog=$dir/serial.log
		rm -rf "$dir"
		mkdir -p "$dir"
		make_layer "$dir" "${remaining[@]}"
		names=()
		for t in "${remaining[@]}"; do
			names+=("$(basename "$t" .sh)")
		done
		log "boot for ${#remaining[@]} test(s) on $KREL, from $first (QEMU ${h_mem} ${h_smp} CPUs, dom0 $h_dom0_mem)"
		retries=0
		while :; do
			t_start=()
			t_end=()
			boot_once "$dir" "$blog" "${names[@]}"
			# Retried: a boot the watchdog stopped, and a dom0 kernel
			# that died with "Oops: int3" before the first test started
			# (the boot-time text-patching race, Documentation/testing.rst:
			# nothing of pvblk has run by then).
			kind=""
			if [ "$hung" = 1 ]; then
				kind=hung
			elif [ "$started" = 0 ] && grep -aq 'Oops: int3' "$blog" &&
				! grep -aq '@@pvblk-rig result=' "$blog"; then
				kind=crash
			fi
			[ -n "$kind" ] || break
			[ "$retries" -lt "$boot_retries" ] || break
			retries=$((retries + 1))
			cp "$blog" "$out/logs/$first-$series.log.$kind-$retries"
			log "boot from $first: no test started ($kind; log kept as build/rig/logs/$first-$series.log.$kind-$retries): boot retry $retries of $boot_retries"
		done
		if [ "$started" = 0 ] && ! grep -aq '@@pvblk-rig result=' "$blog"; then
			cp "$blog" "$out/logs/$first-$series.log"
			echo "---- last 60 lines of the boot's serial log ----"
			tail -n 60 "$blog" | tr -d '\r'
			echo "----"
			not_run "the boot never started a test ($((retries + 1)) boot(s), QEMU exit status $boot_rc; log: build/rig/logs/$first-$series.log)" "${remaining[@]}"
			return
		fi
		rm -rf "$dir/unpacked"
		mkdir -p "$dir/unpacked"
		if grep -aq '@@pvblk-rig results-saved@@' "$blog"; then
			tar -xf "$dir/results.img" -C "$dir/unpacked" 2>/dev/null ||
				log "the results disk of the boot from $first could not be unpacked"
		fi
		split_log "$blog" "${names[@]}"
		n=0
		used=0
		for t in "${remaining[@]}"; do
			name=$(basename "$t" .sh)
			if [ -z "${t_start[$name]:-}" ]; then
				# QEMU ended between two polls of the log.
				grep -aq "@@pvblk-rig start test=$name@@" "$blog" || break
				t_start[$name]=$t_qemu_end
			fi
			judge "$t" "$dir/unpacked"
			used=$((used + ${t_end[$name]:-$t_qemu_end} - t_start[$name]))
			n=$((n + 1))
		done
		# What the boot cost besides its tests: Xen and dom0 up, clean-ups,
		# results, power-off.
		printf '%s\t%s\t%s\t%s\t%s\n' "$series" boot "$first" \
			"$((t_qemu_end - t_qemu_start - used))" "$n-tests" >>"$times"
		log "boot from $first: $n test(s), $((t_qemu_end - t_qemu_start))s in all, first test started ${to_start}s after QEMU, $((t_qemu_end - t_qemu_start - used))s outside the tests"
		rm -f "$dir/initrd.cpio" "$dir/results.img"
		remaining=("${remaining[@]:n}")
	done
}

# Tests with the same machine shape share boots, in the order given; a
# fresh=1 test boots alone.
declare -A group_of=()
group_keys=()
for t in "${tests[@]}"; do
	eval "$(parse_header "$t")"
	key="$h_mem $h_smp $h_dom0_mem"
	if [ "$batch" = 0 ] || [ "$h_fresh" = 1 ]; then
		key="$key $t"
	fi
	[ -n "${group_of[$key]:-}" ] || group_keys+=("$key")
	group_of[$key]+="$t "
done
for key in "${group_keys[@]}"; do
	# shellcheck disable=SC2086 # test paths hold no blanks (checked above)
	run_group ${group_of[$key]}
done
log "rig run took $(($(date +%s) - t_all))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
