#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch what the rig boots, from Debian's package registry only, and unpack
# it into the cache (nothing is installed on the host):
#
#   scripts/rig/fetch.sh SERIES        SERIES: 6.1 | 6.12
#
# Downloads (apt-get download) into $PVBLK_CACHE/debs, named by package
# version, so a warm run downloads nothing; unpacks (dpkg-deb -x) into
#   $PVBLK_CACHE/rig/sysroot-<hash>/   Xen, its tools, userland + their libs
#   $PVBLK_CACHE/rig/kernel-<deb>/     the Debian kernel image package
# and prints, on stdout, shell assignments for the image builders:
#   SYSROOT=... KROOT=... KREL=... XEN_GZ=...
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

series=${1:-}
[ -n "$series" ] || die "usage: fetch.sh 6.1|6.12"
krel=$("$PVBLK_ROOT/scripts/kver.sh" "$series")
need_cmd apt-cache apt-get dpkg-deb

# Everything dom0 and the guests run. Their library dependencies are added
# by walking the packages' Depends (libraries only, see lib_closure).
roots=(
	xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
	xenstore-utils
	busybox-static bash util-linux e2fsprogs dmsetup
	libgcc-s1 # glibc dlopen()s libgcc_s.so.1 (xl aborts without it)
	libstdc++6 # for the harness tools, when they are shipped
	nbd-server nbd-client # a network block device on dom0's loopback
)

debs=$PVBLK_CACHE/debs
rigc=$PVBLK_CACHE/rig
mkdir -p "$debs" "$rigc"

# The first alternative / first provider of each Depends and PreDepends of
# the packages named in the arguments, one name per line.
direct_deps() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$@" 2>/dev/null |
		awk '
		/^[^ ]/ { alt = 0; virt = 0; next }
		/^ [ |](Pre)?Depends: / {
			name = $2
			first = !alt
			alt = ($1 ~ /^\|/)
			if (!first) next
			if (name ~ /^</) { virt = 1; next }
			virt = 0
			sub(/:any$/, "", name)
			print name
			next
		}
		/^    / { if (virt) { print $1; virt = 0 } }
		'
}

# Roots plus the transitive closure of their library packages (lib*,
# zlib1g). Non-library dependencies (python3, perl, udev, ...) are not
# followed: the images ship only the ELF files they need.
lib_closure() {
	local -A seen=()
	local frontier=("$@") next p
	for p in "$@"; do seen[$p]=1; done
	while [ ${#frontier[@]} -gt 0 ]; do
		next=()
		while read -r p; do
			case "$p" in
			lib* | zlib1g) ;;
			*) continue ;;
			esac
			[ -n "${seen[$p]:-}" ] && continue
			seen[$p]=1
			next+=("$p")
		done < <(direct_deps "${frontier[@]}")
		frontier=("${next[@]}")
	done
	printf '%s\n' "${!seen[@]}" | sort
}

# Print the cached .deb path of the candidate version of each package, in
# argument order, downloading the ones not cached yet. Files are named the
# way apt-get download names them: NAME_VERSION_ARCH.deb, ':' as %3a.
fetch_debs() {
	local p f missing=() out
	local -A file=()
	out=$(apt-cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package: / { p = $2 } /^Version: / { v = $2 }
			/^Architecture: / { gsub(/:/, "%3a", v); print p, p "_" v "_" $2 ".deb" }') || true
	while read -r p f; do
		[ -n "$p" ] || continue
		[ -n "${file[$p]:-}" ] || file[$p]=$f
	done <<<"$out"
	for p in "$@"; do
		[ -n "${file[$p]:-}" ] ||
			die "package '$p' is unknown to apt (run 'apt-get update'; is the registry reachable?)"
		[ -s "$debs/${file[$p]}" ] || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "downloading ${#missing[@]} package(s) into $debs"
		(cd "$debs" && apt-get download -qq "${missing[@]}" >/dev/null 2>&1) || true
		for p in "${missing[@]}"; do
			[ -s "$debs/${file[$p]}" ] ||
				die "cannot download package '$p' (${file[$p]}) from the package registry"
		done
	fi
	for p in "$@"; do echo "$debs/${file[$p]}"; done
}

# Unpack a list of .debs into DIR, once: DIR/.complete marks a finished
# unpack, so an interrupted run starts that directory over.
unpack_into() {
	local dir=$1 d
	shift
	[ -e "$dir/.complete" ] && return 0
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	log "unpacking $# package(s) into $dir"
	for d in "$@"; do
		dpkg-deb -x "$d" "$dir.tmp" || die "cannot unpack $d"
	done
	printf '%s\n' "${@##*/}" >"$dir.tmp/.debs"
	touch "$dir.tmp/.complete"
	mv "$dir.tmp" "$dir"
}

# Command substitutions (not <(...)) so a die inside stops this script.
list=$(lib_closure "${roots[@]}")
mapfile -t pkgs <<<"$list"
list=$(fetch_debs "${pkgs[@]}")
mapfile -t user_debs <<<"$list"
hash=$(printf '%s\n' "${user_debs[@]##*/}" | sort | sha256sum | cut -c1-16)
sysroot=$rigc/sysroot-$hash
unpack_into "$sysroot" "${user_debs[@]}"

kdeb=$(fetch_debs "linux-image-$krel")
kroot=$rigc/kernel-$(basename "$kdeb" .deb)
unpack_into "$kroot" "$kdeb"

[ -f "$kroot/boot/vmlinuz-$krel" ] || die "linux-image-$krel has no /boot/vmlinuz-$krel"
[ -d "$kroot/lib/modules/$krel" ] || die "linux-image-$krel has no /lib/modules/$krel"
xen_gz=$(find "$sysroot/boot" -maxdepth 1 -name 'xen-4.17*-amd64.gz' | head -n 1)
[ -n "$xen_gz" ] || die "xen-hypervisor-4.17-amd64 has no /boot/xen-4.17*-amd64.gz"

echo "SYSROOT=$sysroot"
echo "KROOT=$kroot"
echo "KREL=$krel"
echo "XEN_GZ=$xen_gz"
