#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Extract the uncompressed ELF kernel from a bzImage:
#
#   scripts/rig/vmlinux.sh VMLINUZ OUT
#
# Why the rig wants it: Xen's PV domain builders accept an ELF kernel as
# it is, but decompress a bzImage's payload first - in the hypervisor for
# dom0 (~3 s under TCG) and in xl, in dom0 userspace, for every guest
# (5-10 s under TCG). Measured in the rig: `xl create` of a guest took
# 12.0 s with the bzImage and 2.1 s with the ELF kernel, same initramfs.
#
# The payload is found by its magic (xz, zstd or gzip, whichever the
# kernel was built with) and decompressed up to the end of its stream;
# the result must be an x86-64 ELF executable or nothing is written.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

[ $# = 2 ] || die "usage: vmlinux.sh VMLINUZ OUT"
in=$1 out=$2
[ -r "$in" ] || die "vmlinux.sh: cannot read $in"
need_cmd grep xz zstd gzip readelf

# "MAGIC-REGEX DECOMPRESSOR..." for each payload format we know.
formats=(
	'\xfd\x37\x7a\x58\x5a\x00|xz -dc --single-stream'
	'\x28\xb5\x2f\xfd|zstd -dcq'
	'\x1f\x8b\x08|gzip -dc'
)
tmp=$out.tmp
trap 'rm -f "$tmp"' EXIT
for f in "${formats[@]}"; do
	magic=${f%%|*}
	read -r -a unz <<<"${f#*|}"
	# Byte offsets of the magic; the first that decompresses to ELF wins.
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1 | head -n 4); do
		# Trailing bytes after the stream make gzip and zstd complain;
		# the ELF check below is what decides.
		tail -c +$((off + 1)) "$in" | "${unz[@]}" >"$tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
			readelf -h "$tmp" 2>/dev/null | grep -q 'Machine:.*X86-64'; then
			mv "$tmp" "$out"
			exit 0
		fi
	done
done
die "vmlinux.sh: no xz, zstd or gzip payload in $in decompresses to an x86-64 ELF kernel"
