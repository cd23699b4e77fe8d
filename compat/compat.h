/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-API compatibility layer of pvblk. Kbuild force-includes this
 * header into every kernel translation unit, so the drivers never test
 * kernel versions themselves: every difference between the supported
 * kernels is decided here, from the PVBLK_HAVE_* defines that
 * compat/probe.sh wrote after grepping the target kernel's own headers.
 *
 * Probed today (see compat/generated/pvblk_probe.h):
 *   PVBLK_HAVE_BLK_MQ_ALLOC_DISK_LIMITS  blk_mq_alloc_disk(set, lim, data)
 *   PVBLK_HAVE_BLK_ALLOC_DISK_LIMITS     blk_alloc_disk(lim, node) (bio-based)
 *   PVBLK_HAVE_QUEUE_LIMITS_UPDATE       queue_limits_start/commit_update()
 *   PVBLK_HAVE_BLK_FEATURES              BLK_FEAT_WRITE_CACHE/_FUA bits
 *   PVBLK_HAVE_BLK_MODE_T                blk_mode_t instead of fmode_t
 *   PVBLK_HAVE_BDEV_FILE_OPEN            bdev_file_open_by_dev()/file_bdev()
 *
 * Wrappers over these are added together with the first driver code that
 * calls them (the block data paths); the module skeletons need none.
 */
#ifndef PVBLK_COMPAT_H
#define PVBLK_COMPAT_H

#include <linux/version.h>

#include "pvblk_probe.h"

#if LINUX_VERSION_MAJOR != 6 || LINUX_VERSION_PATCHLEVEL < 1 || \
	LINUX_VERSION_PATCHLEVEL > 12
#error "pvblk supports Linux 6.1 to 6.12 only: build against one of those kernels"
#endif

#endif /* PVBLK_COMPAT_H */
