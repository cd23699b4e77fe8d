#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run rig tests: boot Xen 4.17 under QEMU (TCG) once per test script, with
# the script run in dom0 after the toolstack is up.
#
#   scripts/rig/run.sh [--kernel 6.1|6.12] TEST.sh...
#
# KERNEL=6.1|6.12 in the environment works too (--kernel wins). Per test:
#   serial log   build/rig/logs/<test>-<kernel>.log
#   results      build/rig/results/<test>-<kernel>/
# A test passes when dom0 reports result=pass AND no kernel log (dom0's
# serial log and dmesg, every guest's console log and dmesg) shows a BUG,
# WARNING, Oops, general protection fault, hung task or call trace - but
# for the known kernel bugs outside pvblk that scan-log.awk lists, which
# the PASS line counts.
# Ends with "N passed, M failed"; exits non-zero if any test failed.
#
# Knobs (environment): PVBLK_RIG_MODULES (build: scripts/build-modules.sh
# builds ours for the booted kernel; none: no modules; or a list of .ko
# paths to ship instead), RIG_START_TIMEOUT (150: seconds from QEMU start to
# the test's start marker before the boot counts as hung and is retried),
# RIG_BOOT_RETRIES (1), RIG_TIMEOUT (600: default per-test limit; a test's
# "# rig: timeout=S mem=SIZE smp=N dom0_mem=SIZE" header line overrides).
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
boot_retries=${RIG_BOOT_RETRIES:-1}
default_timeout=${RIG_TIMEOUT:-600}
[[ "$default_timeout" =~ ^[0-9]+$ ]] && [ "$default_timeout" -ge 120 ] ||
	die "RIG_TIMEOUT=$default_timeout: want seconds >= 120"
[[ "$start_timeout" =~ ^[0-9]+$ ]] || die "RIG_START_TIMEOUT=$start_timeout: want seconds"
[[ "$boot_retries" =~ ^[0-9]+$ ]] || die "RIG_BOOT_RETRIES=$boot_retries: want a count"

# "# rig: key=value ..." header of a test script -> shell assignments.
parse_header() {
	local t=$1 kv k v
	local h_timeout=$default_timeout h_mem=3G h_smp=2 h_dom0_mem=1G
	for kv in $(sed -n 's/^# rig://p' "$t" | head -n 1); do
		k=${kv%%=*}
		v=${kv#*=}
		case "$k" in
		timeout) [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 120 ] && h_timeout=$v ||
			die "$t: rig header timeout=$v: want seconds >= 120" ;;
		mem) [[ "$v" =~ ^[0-9]+[MG]$ ]] && h_mem=$v || die "$t: rig header mem=$v: want e.g. 3G or 4096M" ;;
		smp) [[ "$v" =~ ^[1-8]$ ]] && h_smp=$v || die "$t: rig header smp=$v: want 1..8" ;;
		dom0_mem) [[ "$v" =~ ^[0-9]+[MG]$ ]] && h_dom0_mem=$v || die "$t: rig header dom0_mem=$v: want e.g. 1G or 1536M" ;;
		*) die "$t: unknown rig header key '$k' (timeout, mem, smp, dom0_mem)" ;;
		esac
	done
	echo "h_timeout=$h_timeout h_mem=$h_mem h_smp=$h_smp h_dom0_mem=$h_dom0_mem"
}

for t in "${tests[@]}"; do
	parse_header "$t" >/dev/null || exit 1
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
	list=$("$PVBLK_ROOT/scripts/build-modules.sh" "$series" "$out/kmod-$series") ||
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

# The per-run cpio layer: /init, the library, the test, our modules and the
# harness tools (when built), appended to the cached dom0 base image.
make_layer() {
	local t=$1 name=$2 timeout=$3 dir=$4 ko tools libs f
	rm -rf "$dir/layer"
	mkdir -p "$dir/layer/rig/modules" "$dir/layer/lib/modules/$KREL/updates"
	install -m 755 "$rigdir/dom0-init.sh" "$dir/layer/init"
	install -m 644 "$rigdir/guest-lib.sh" "$dir/layer/rig/lib.sh"
	install -m 755 "$rigdir/domu-init.sh" "$dir/layer/rig/domu-init.sh"
	install -m 644 "$t" "$dir/layer/rig/test.sh"
	{
		echo "RIG_NAME=$name"
		echo "RIG_SERIES=$series"
		echo "RIG_KREL=$KREL"
		# dom0 keeps 90 s for boot, collection and power-off.
		echo "RIG_TIMEOUT=$((timeout - 90))"
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

# Boot once. Sets boot_rc (QEMU's exit status, 124 on timeout), started
# (1 if the test began) and to_start (seconds to the start marker).
boot_once() {
	local dir=$1 log=$2 timeout=$3 t0 now qpid
	local xen_args="console=com1 com1=115200,8n1 dom0_mem=$h_dom0_mem,max:$h_dom0_mem"
	xen_args+=" dom0_max_vcpus=$h_smp loglvl=all guest_loglvl=all console_timestamps=boot"
	local dom0_args="console=hvc0 earlyprintk=xen rdinit=/init oops=panic panic=1"
	rm -f "$dir/results.img" "$log"
	truncate -s 1G "$dir/results.img"
	: >"$log"
	t0=$(date +%s)
	timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
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
	to_start=-1
	while kill -0 "$qpid" 2>/dev/null; do
		now=$(date +%s)
		if [ "$started" = 0 ]; then
			if grep -aq '@@pvblk-rig start test=' "$log"; then
				started=1
				to_start=$((now - t0))
			elif [ $((now - t0)) -ge "$start_timeout" ]; then
				hung=1
				stop_qemu "$qpid"
				break
			fi
		fi
		sleep 1
	done
	boot_rc=0
	wait "$qpid" || boot_rc=$?
	running_qemu=""
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

passed=0
failed=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	id=$name-$series
	log=$out/logs/$id.log
	res=$out/results/$id
	dir=$out/run/$id
	hdr=$(parse_header "$t") || exit 1
	eval "$hdr"
	rm -rf "$res"
	mkdir -p "$dir" "$res" "$out/logs"
	t0=$(date +%s)
	make_layer "$t" "$name" "$h_timeout" "$dir"
	log "test $name on $KREL: boot (limit ${h_timeout}s, QEMU ${h_mem} ${h_smp} CPUs, dom0 $h_dom0_mem)"
	retries=0
	while :; do
		boot_once "$dir" "$log" "$h_timeout"
		# Retried: a boot the watchdog stopped, and a dom0 kernel that
		# died with "Oops: int3" before the test started (the boot-time
		# text-patching race, Documentation/testing.rst: nothing of
		# pvblk has run by then). Anything else is judged below.
		kind=""
		if [ "$hung" = 1 ]; then
			kind=hung
		elif [ "$started" = 0 ] && grep -aq 'Oops: int3' "$log" &&
			! grep -aq -e '@@pvblk-rig start test=' -e '@@pvblk-rig result=' "$log"; then
			kind=crash
		fi
		[ -n "$kind" ] || break
		[ "$retries" -lt "$boot_retries" ] || break
		retries=$((retries + 1))
		cp "$log" "$log.$kind-$retries"
		if [ "$kind" = hung ]; then
			log "test $name: no test start within ${start_timeout}s (boot hung; log kept as ${log#"$PVBLK_ROOT"/}.hung-$retries): boot retry $retries of $boot_retries"
		else
			log "test $name: dom0's kernel died with Oops: int3 before the test started (boot-time text-patching race; log kept as ${log#"$PVBLK_ROOT"/}.crash-$retries): boot retry $retries of $boot_retries"
		fi
	done

	verdict=pass
	why=""
	if grep -aq '@@pvblk-rig results-saved@@' "$log"; then
		tar -xf "$dir/results.img" -C "$res" 2>/dev/null || {
			verdict=fail
			why="the results disk could not be unpacked"
		}
	fi
	rline=$(grep -a '@@pvblk-rig result=' "$log" | tail -n 1 | tr -d '\r' || true)
	if [ "$hung" = 1 ]; then
		verdict=fail
		why="the test never started: no start marker within ${start_timeout}s of boot, $((retries + 1)) boot(s) (log: ${log#"$PVBLK_ROOT"/})"
	elif [ "$started" != 1 ] && [ -z "$rline" ]; then
		verdict=fail
		if [ "$boot_rc" = 124 ] || [ "$boot_rc" = 137 ]; then
			why="QEMU timed out after ${h_timeout}s before the test started (log: ${log#"$PVBLK_ROOT"/})"
		else
			why="dom0 stopped before the test started, with no result marker (QEMU exit status $boot_rc; log: ${log#"$PVBLK_ROOT"/})"
		fi
	elif [ -z "$rline" ]; then
		verdict=fail
		if [ "$boot_rc" = 124 ] || [ "$boot_rc" = 137 ]; then
			why="QEMU timed out after ${h_timeout}s with no result marker (log: ${log#"$PVBLK_ROOT"/})"
		else
			why="dom0 crashed or stopped without a result marker (QEMU exit status $boot_rc; log: ${log#"$PVBLK_ROOT"/})"
		fi
	elif [[ "$rline" != *'@@pvblk-rig result=pass '* ]]; then
		verdict=fail
		why="dom0 reported: ${rline#*@@pvblk-rig }"
		[ -s "$res/failures" ] && why+=" - $(head -n 3 "$res/failures" | tr '\n' ';')"
	elif ! grep -aq '@@pvblk-rig results-saved@@' "$log"; then
		verdict=fail
		why="the test passed but its results were not saved to the results disk"
	fi
	tolerated=$res/tolerated-warnings.txt
	trouble=$(scan_logs "$tolerated" "$log" "$res/dom0-dmesg.txt" "$res"/guests/*/console.log "$res"/guests/*/dmesg.txt)
	known=""
	[ -s "$tolerated" ] &&
		known=", known kernel warnings tolerated $(wc -l <"$tolerated") (${tolerated#"$PVBLK_ROOT"/})"
	if [ -n "$trouble" ]; then
		verdict=fail
		why="${why:+$why; }kernel log shows BUG/WARNING/Oops/GPF/hung task/call trace"
	fi
	dt=$(($(date +%s) - t0))
	rm -f "$dir/initrd.cpio" "$dir/results.img"
	if [ "$verdict" = pass ]; then
		passed=$((passed + 1))
		gretries=0
		if [ -d "$res/guests" ]; then
			gretries=$(find "$res/guests" -name 'boot-crash-*.log' | wc -l)
		fi
		echo "PASS $name ($KREL): ${dt}s, test started ${to_start}s after boot, boot retries $retries, guest boot retries $gretries$known"
	else
		failed=$((failed + 1))
		echo "---- last 60 lines of ${log#"$PVBLK_ROOT"/} ----"
		tail -n 60 "$log" | tr -d '\r'
		echo "----"
		if [ -n "$trouble" ]; then
			echo "kernel trouble found:"
			echo "$trouble" | head -n 40
		fi
		echo "FAIL $name ($KREL): $why (${dt}s, boot retries $retries)"
	fi
	echo "  log: ${log#"$PVBLK_ROOT"/}  results: ${res#"$PVBLK_ROOT"/}/"
done
log "rig run took $(($(date +%s) - t_all))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
