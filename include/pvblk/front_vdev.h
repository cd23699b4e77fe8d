/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frontend disk naming: the Linux minor and the "xvdX[N]" name for a
 * backend's "virtual-device" number, numbered the way the stock Linux
 * frontend numbers them so a guest's fstab keeps working:
 *
 *   202:m        xvd disk m / 16, partition m % 16
 *   3:m, 22:m    IDE hd disks as xvd disks 0-1 and 2-3 (64 minors each)
 *   8:m          SCSI sd disks as xvd disks 0-15
 *   65..71:m     SCSI sd disks 16-127, 128..135:m 128-255
 *   1<<28 | m    the extended form ("virtual-device-ext" or a large
 *                virtual-device): disk m / 256, partition m % 256
 *
 * The disk gets all of its partition minors when it names a whole disk
 * (partition 0), else just the one.
 */
#ifndef PVBLK_FRONT_VDEV_H
#define PVBLK_FRONT_VDEV_H

#include "pvblk/seam.h"

#define PVBLK_XVD_MAJOR		202
#define PVBLK_VDEV_EXTENDED	0x10000000u	/* bit 28 */
#define PVBLK_MINOR_BITS	20
/* "xvd" + up to 5 letters + up to 3 digits + NUL fits the kernel's 32. */
#define PVBLK_VDEV_NAME_LEN	32

struct pvblk_vdev {
	u32 first_minor;
	u32 nr_minors;		/* 16 or 256 for a whole disk, else 1 */
	u32 disk_index;		/* a = 0, z = 25, aa = 26, ... */
	char name[PVBLK_VDEV_NAME_LEN];
};

/* -EINVAL for a number that names no supported device. */
int pvblk_front_vdev(u32 vdevice, struct pvblk_vdev *out);

#endif /* PVBLK_FRONT_VDEV_H */
