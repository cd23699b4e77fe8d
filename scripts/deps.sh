#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything pvblk needs to build, test and run its rig on a Debian
# 12 machine, from Debian's package registry only. Idempotent: when every
# package is already installed it touches nothing and asks no registry.
#
#   scripts/deps.sh        everything (make deps)
#   scripts/deps.sh deb    only what building the .deb packages needs
#                          (make deb): no kernel headers, rig or test tools
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-all}
case "$mode" in
all | deb) ;;
*) die "usage: scripts/deps.sh [deb]" ;;
esac

[ -r /etc/debian_version ] || die "deps.sh supports Debian 12 only (no /etc/debian_version)"
need_cmd dpkg-query

base_pkgs=(
	# kernel module build, style and DKMS
	build-essential bc kmod sparse shellcheck clang-format dkms pahole perl linux-source-6.1 xz-utils ccache
	# userspace test tier
	cmake ninja-build g++ clang libclang-rt-14-dev gcc-multilib g++-multilib
	googletest libgtest-dev libbenchmark-dev libxen-dev pkg-config
	# the Xen-under-QEMU rig
	qemu-system-x86 cpio busybox-static fio e2fsprogs dmsetup util-linux
	zstd gzip file binutils procps dpkg-dev libaio-dev
	# benchmark output
	gnuplot-nox jq
)

# debian/control's Build-Depends, dpkg-buildpackage and lintian.
deb_pkgs=(
	build-essential dpkg-dev fakeroot debhelper dh-dkms dkms lintian
	cmake pkg-config libxen-dev kmod
)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" ||
		die "apt-get could not install: $* (is the package registry reachable?)"
}

updated=0
# Package lists older than a day may name kernels the registry has dropped.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
	stale=1
else
	stale=0
fi
apt_update_once() {
	[ "$updated" = 1 ] && return 0
	log "apt-get update"
	apt-get update -q >&2 || die "apt-get update failed: the package registry is unreachable"
	updated=1
}

if [ "$mode" = deb ]; then
	todo=$(missing "${deb_pkgs[@]}")
	if [ -n "$todo" ]; then
		apt_update_once
		log "installing: ${todo//$'\n'/ }"
		# shellcheck disable=SC2086
		apt_install $todo
	fi
	log "packaging dependencies installed"
	exit 0
fi

[ "$stale" = 1 ] && apt_update_once
todo=$(missing "${base_pkgs[@]}")
if [ -n "$todo" ]; then
	apt_update_once
	log "installing:" $todo
	# shellcheck disable=SC2086
	apt_install $todo
fi

# Kernel headers of both supported kernels; the ABI release is resolved from
# the metapackages (it moves with every Debian point release).
for series in 6.1 6.12; do
	rel=$("$PVBLK_ROOT/scripts/kver.sh" "$series" 2>/dev/null) || {
		apt_update_once
		rel=$("$PVBLK_ROOT/scripts/kver.sh" "$series")
	}
	if [ -n "$(missing "linux-headers-$rel")" ]; then
		apt_update_once
		log "installing linux-headers-$rel"
		apt_install "linux-headers-$rel"
	fi
done
log "dependencies installed"
