#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The rig's hotplug script for "phy" disks (installed in dom0 as
# /rig/phy-hotplug; guest-lib.sh's disk specs name it with script=).
# It does for a dom0 block device what Xen's /etc/xen/scripts/block does -
# publish the device's major:minor and path and report the hotplug
# connected, or an error - without that script's locking and sharing
# scan, which cost ~2 s of emulated CPU per attach and detach. Tests that
# follow the operator's path exactly (RIG_HOTPLUG=stock) keep Xen's script.
#
# libxl runs it as: phy-hotplug add|remove, with XENBUS_PATH set.
fail() {
	xenstore-write "$XENBUS_PATH/hotplug-error" "$*" "$XENBUS_PATH/hotplug-status" error
	echo "phy-hotplug: $XENBUS_PATH: $*" >&2
	exit 1
}

[ -n "$XENBUS_PATH" ] || { echo "phy-hotplug: no XENBUS_PATH" >&2; exit 1; }
case "$1" in
add) ;;
remove) exit 0 ;;	# nothing was claimed for a phy device
*) fail "unknown action '$1'" ;;
esac
# called twice under some hotplug configurations: the first one did it
xenstore-read "$XENBUS_PATH/physical-device" >/dev/null 2>&1 && exit 0
dev=$(xenstore-read "$XENBUS_PATH/params") || fail "no params"
dev=$(readlink -f "$dev") || fail "$dev does not exist"
[ -b "$dev" ] || fail "$dev is not a block device"
mm=$(stat -L -c '%t:%T' "$dev") || fail "cannot stat $dev"
xenstore-write "$XENBUS_PATH/physical-device" "$mm" \
	"$XENBUS_PATH/physical-device-path" "$dev" \
	"$XENBUS_PATH/hotplug-status" connected
