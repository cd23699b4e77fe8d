# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# --host mode of scripts/bench/bench.sh: the same sweep (rig-sweep.sh) on
# this machine's real Xen dom0, no QEMU. Sourced by bench.sh, which has
# parsed the options; host_run sets raws (the raw result files) and rc.
#
# What it needs and creates (Documentation/benchmarking.rst, "--host"):
# - root in a Xen dom0 with the toolstack up, and no guest using a dom0
#   block backend (it swaps the backend modules);
# - xenconsoled logging guest consoles into /var/log/xen/console
#   (XENCONSOLED_TRACE=guest in /etc/default/xencommons);
# - the guest kernel and initramfs: the rig's Debian guest images
#   (scripts/rig/images.sh SERIES: vmlinux, domu-base.cpio.zst) with our
#   modules built for that kernel (scripts/build-modules.sh), or
#   PVBLK_BENCH_GUEST_IMAGES=DIR holding vmlinux (or vmlinuz) and
#   domu-base.cpio.zst and
#   PVBLK_BENCH_GUEST_MODULES=DIR holding pvblkfront.ko for that kernel;
# - pvblkback.ko for the running kernel: PVBLK_BENCH_BACK_KO=PATH, or built
#   here with the running kernel's headers.
# It creates guests named pvblk-bench-DRIVER-gN, brd ramdisks, the symlink /rig
# (the test library's fixed paths) to a private work directory, and loads
# backends. On exit - also on SIGINT/SIGTERM - it destroys those guests,
# unloads what it loaded, reloads xen-blkback if it was loaded before,
# restores dom0's vCPU count and removes /rig and the work directory (the
# results are kept under --out).
#
# Written for real hosts; it cannot run inside the QEMU rig, and has not
# been run on one by its author (see the documentation).

host_prefix=pvblk-bench-
host_work=
host_made_rig=0
host_had_stock=0
host_loaded_brd=0
host_vcpus0=
host_pid=

host_cleanup() {
	local n
	trap - INT TERM EXIT
	set +e
	if [ -n "$host_pid" ]; then
		kill -TERM -- "-$host_pid" 2>/dev/null
		sleep 1
		kill -KILL -- "-$host_pid" 2>/dev/null
		wait "$host_pid" 2>/dev/null
	fi
	for n in $(xl list 2>/dev/null | awk -v p="$host_prefix" 'index($1, p) == 1 { print $1 }'); do
		log "host: destroying guest $n"
		xl destroy "$n" >/dev/null 2>&1
	done
	# Backends: wait for the vbds of the destroyed guests to go first.
	for _ in $(seq 50); do
		[ -z "$(xenstore-list /local/domain/0/backend/vbd 2>/dev/null)" ] && break
		sleep 0.2
	done
	grep -q '^pvblkback ' /proc/modules && { rmmod pvblkback || log "host: cannot unload pvblkback"; }
	if [ "$host_had_stock" = 1 ]; then
		grep -q '^xen_blkback ' /proc/modules || modprobe xen-blkback || log "host: cannot reload xen-blkback"
	elif grep -q '^xen_blkback ' /proc/modules; then
		rmmod xen_blkback || log "host: cannot unload xen-blkback"
	fi
	[ "$host_loaded_brd" = 1 ] && { rmmod brd || log "host: cannot unload brd (still in use?)"; }
	if [ -n "$host_vcpus0" ] && [ "$(nproc)" != "$host_vcpus0" ]; then
		xl vcpu-set 0 "$host_vcpus0" || log "host: cannot restore dom0 to $host_vcpus0 vCPUs"
	fi
	[ "$host_made_rig" = 1 ] && [ -L /rig ] && rm -f /rig
	[ -n "$host_work" ] && rm -rf "$host_work"
	rm -rf /tmp/rig-domu
}

host_interrupted() {
	log "host: interrupted: cleaning up"
	host_cleanup
	exit 130
}

# Wait until dom0 has N online vCPUs after xl vcpu-set.
host_set_vcpus() {
	local n=$1
	xl vcpu-set 0 "$n" || die "host: xl vcpu-set 0 $n failed"
	for _ in $(seq 100); do
		[ "$(nproc)" = "$n" ] && return 0
		sleep 0.1
	done
	die "host: dom0 has $(nproc) online vCPUs after xl vcpu-set 0 $n"
}

# vlist, series, ring, tools and out: set by bench.sh before it sources this.
# shellcheck disable=SC2154
host_run() {
	local imgs mods kver back v maxv ringbin="" res gkern
	[ "$(id -u)" = 0 ] || die "--host needs root"
	need_cmd xl xenstore-read xenstore-list xenstore-exists modprobe rmmod insmod fio cpio gzip
	grep -q control_d /proc/xen/capabilities 2>/dev/null ||
		die "--host: this is not a Xen dom0 (no control_d in /proc/xen/capabilities)"
	[ -z "$(xenstore-list /local/domain/0/backend/vbd 2>/dev/null)" ] ||
		die "--host: dom0 already serves block devices to guests (xenstore backend/vbd): run on an idle host"
	! grep -q '^brd ' /proc/modules || die "--host: brd is loaded already (its ramdisks may be in use): rmmod brd first"
	! xl list 2>/dev/null | awk '{ print $1 }' | grep -q "^$host_prefix" ||
		die "--host: guests named $host_prefix* exist already"
	pgrep -a xenconsoled 2>/dev/null | grep -q -- '--log[= ]\(guest\|all\)' ||
		die "--host: xenconsoled does not log guest consoles (set XENCONSOLED_TRACE=guest in /etc/default/xencommons and restart xencommons)"
	if [ -e /rig ] || [ -L /rig ]; then
		die "--host: /rig exists; it is where the test library expects its files (remove it, or run elsewhere)"
	fi
	maxv=$(xl vcpu-list 0 2>/dev/null | tail -n +2 | wc -l)
	for v in $vlist; do
		[ "$v" -le "$maxv" ] || die "--host: dom0 has at most $maxv vCPUs, --vcpus asks for $v"
	done

	# The guest images and modules, and our backend for this kernel.
	if [ -n "${PVBLK_BENCH_GUEST_IMAGES:-}" ]; then
		imgs=$PVBLK_BENCH_GUEST_IMAGES
		mods=${PVBLK_BENCH_GUEST_MODULES:?set PVBLK_BENCH_GUEST_MODULES with PVBLK_BENCH_GUEST_IMAGES}
		kver=$(modinfo -F vermagic "$mods/pvblkfront.ko" | cut -d' ' -f1) ||
			die "--host: no pvblkfront.ko in $mods"
	else
		eval "$("$PVBLK_ROOT/scripts/rig/images.sh" "$series")" || die "--host: building the guest images failed"
		imgs=$IMAGES
		kver=$KREL
		mods=$PVBLK_ROOT/build/bench/host-guest-kmod
		"$PVBLK_ROOT/scripts/build-modules.sh" "$series" "$mods" >/dev/null ||
			die "--host: building the guest modules for $series failed"
	fi
	gkern=$imgs/vmlinux
	[ -f "$gkern" ] || gkern=$imgs/vmlinuz
	[ -f "$gkern" ] && [ -f "$imgs/domu-base.cpio.zst" ] ||
		die "--host: $imgs lacks vmlinux (or vmlinuz) or domu-base.cpio.zst"
	back=${PVBLK_BENCH_BACK_KO:-}
	if [ -z "$back" ]; then
		make -C "$PVBLK_ROOT" modules >/dev/null || die "--host: building pvblkback for $(uname -r) failed"
		back=$(find "$PVBLK_ROOT" -maxdepth 2 -name pvblkback.ko | head -n 1)
	fi
	[ -f "$back" ] || die "--host: no pvblkback.ko (set PVBLK_BENCH_BACK_KO)"
	[ "$ring" = 1 ] && ringbin=$(grep '/pvblk-ring$' <<<"$tools" | head -n 1)

	host_vcpus0=$(nproc)
	grep -q '^xen_blkback ' /proc/modules && host_had_stock=1
	host_work=$(mktemp -d /tmp/pvblk-bench-host.XXXXXX)
	trap host_interrupted INT TERM
	trap host_cleanup EXIT
	mkdir -p "$host_work/domu" "$host_work/modules"
	ln -s "$host_work" /rig && host_made_rig=1
	cp "$PVBLK_ROOT/scripts/rig/guest-lib.sh" "$host_work/lib.sh"
	cp "$PVBLK_ROOT/scripts/rig/domu-init.sh" "$host_work/domu-init.sh"
	ln -s "$gkern" "$host_work/domu/vmlinux"
	ln -s "$imgs/domu-base.cpio.zst" "$host_work/domu/base.cpio.zst"
	cp "$mods"/*.ko "$host_work/modules/"

	for v in $vlist; do
		host_set_vcpus "$v"
		res=$host_work/results-vcpu$v
		mkdir -p "$res"
		{
			settings
			echo "BENCH_PLATFORM=host"
			echo "BENCH_PREFIX=$host_prefix"
			echo "BENCH_RING=${ringbin:-/nonexistent}"
			# dom0's backend: ours from the host build, not the guest modules.
			cat <<EOF
rig_load_backend() {
	case "\$1" in
	ours) insmod $(printf '%q' "$back") || rig_fail "insmod $back failed" ;;
	stock) rig_modprobe xen-blkback ;;
	esac
	rig_log "loaded backend \$1"
}
rig_unload_backend() {
	local m
	for m in pvblkback xen_blkback; do
		grep -q "^\$m " /proc/modules && rig_rmmod "\$m"
	done
	return 0
}
EOF
			cat "$PVBLK_ROOT/scripts/bench/rig-sweep.sh"
		} >"$host_work/sweep.sh"
		log "host: dom0 vCPUs $v: sweep starting (about $(($(estimate) / 60)) min)"
		host_loaded_brd=1
		setsid env RIG_ROLE=dom0 RIG_NAME="bench-host-vcpu$v" RIG_RESULTS="$res" \
			RIG_MODDIR="$host_work/modules" RIG_KREL="$kver" \
			bash -c '. /rig/lib.sh && . /rig/sweep.sh' </dev/null &
		host_pid=$!
		local src=0
		wait "$host_pid" || src=$?
		host_pid=
		grep -q '^brd ' /proc/modules && rmmod brd
		if [ "$src" != 0 ] || [ -s "$res/failures" ]; then
			log "host: the dom0 vCPUs $v sweep failed (status $src): $(head -n 3 "$res/failures" 2>/dev/null | tr '\n' ' ')"
			# shellcheck disable=SC2034 # read by bench.sh
			rc=1
			break
		fi
		mkdir -p "$out/raw"
		cp "$res/bench-raw.tsv" "$out/raw/vcpu$v.tsv"
		cp -r "$res" "$out/raw/vcpu$v-results"
		raws+=("$out/raw/vcpu$v.tsv")
	done
	host_cleanup
}
