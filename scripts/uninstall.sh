#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Undo 'make install' and 'make dkms-install': remove every pvblk version
# from DKMS and its sources in /usr/src, delete pvblkback/pvblkfront that
# 'make install' put under /lib/modules/<release>/extra, and run depmod
# for every kernel touched. A pvblk that the pvblk-dkms package installed
# is left alone (remove that with 'apt purge pvblk-dkms').
# Modules still loaded stay loaded until unloaded or the next boot.
#
#   scripts/uninstall.sh      (make uninstall; as root)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "uninstall needs root (e.g. sudo make uninstall)"
need_cmd depmod

declare -A kernels=()
removed=0

if command -v dkms >/dev/null 2>&1; then
	# 'dkms status' lines: "pvblk/0.1.0, 6.1.0-57-amd64, x86_64: installed"
	# or "pvblk/0.1.0: added".
	vers=$(dkms status -m pvblk 2>/dev/null | sed -n 's|^pvblk/\([^,:]*\)[,:].*|\1|p' | sort -u)
	for v in $vers; do
		if dpkg-query -S "/usr/src/pvblk-$v" >/dev/null 2>&1; then
			log "pvblk $v belongs to the pvblk-dkms package: left alone (apt purge pvblk-dkms)"
			continue
		fi
		while read -r k; do
			[ -n "$k" ] && kernels[$k]=1
		done < <(dkms status -m pvblk -v "$v" 2>/dev/null | sed -n 's|^pvblk/[^,]*, \([^,]*\),.*|\1|p')
		log "dkms remove pvblk/$v --all"
		dkms remove -m pvblk -v "$v" --all >&2 || die "dkms remove pvblk/$v failed"
		rm -rf "/usr/src/pvblk-$v"
		removed=1
	done
fi
# Sources left behind by an interrupted 'make dkms-install'.
for d in /usr/src/pvblk-*; do
	[ -d "$d" ] || continue
	dpkg-query -S "$d" >/dev/null 2>&1 && continue
	log "removing $d"
	rm -rf "$d"
	removed=1
done

# 'make install' (modules_install) puts external modules in extra/.
for ko in /lib/modules/*/extra/pvblkback.ko* /lib/modules/*/extra/pvblkfront.ko*; do
	[ -e "$ko" ] || continue
	k=${ko#/lib/modules/}
	k=${k%%/*}
	log "removing $ko"
	rm -f "$ko"
	rmdir --ignore-fail-on-non-empty "/lib/modules/$k/extra"
	kernels[$k]=1
	removed=1
done

for k in "${!kernels[@]}"; do
	[ -d "/lib/modules/$k" ] || continue
	log "depmod $k"
	depmod -a "$k"
done
if [ "$removed" = 1 ]; then
	log "pvblk uninstalled; the stock xen-blkback/xen-blkfront bind again once pvblk is unloaded"
else
	log "nothing to uninstall: no pvblk in DKMS, /usr/src or /lib/modules/*/extra"
fi
