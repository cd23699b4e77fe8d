/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-API compatibility layer of pvblk. Kbuild force-includes this
 * header into every kernel translation unit, so the drivers never test
 * kernel versions themselves: every difference between the supported
 * kernels is decided under compat/, from the PVBLK_HAVE_* defines that
 * compat/probe.sh wrote after grepping the target kernel's own headers.
 *
 * Supported kernels - the one statement of the rule:
 *   Linux 6.1 and 6.12 are supported: built (W=1, sparse), tested in the
 *   rig, and the only kernels DKMS builds for (dkms.conf). The build
 *   refuses, with one error line each:
 *   - any kernel outside 6.1 to 6.12, by version (here, and probe.sh);
 *   - blk_mode_t without bdev_file_open_by_dev() (6.5 - 6.8), below;
 *   - queue_limits_start_update() without BLK_FEAT_* (6.9, 6.10), below.
 *   6.2 - 6.4 and 6.11 pass these gates but are neither built nor tested.
 *
 * Probed today (see compat/generated/pvblk_probe.h):
 *   PVBLK_HAVE_BLK_MQ_ALLOC_DISK_LIMITS  blk_mq_alloc_disk(set, lim, data)
 *   PVBLK_HAVE_BLK_ALLOC_DISK_LIMITS     blk_alloc_disk(lim, node) (bio-based)
 *   PVBLK_HAVE_QUEUE_LIMITS_UPDATE       queue_limits_start/commit_update()
 *   PVBLK_HAVE_BLK_FEATURES              BLK_FEAT_WRITE_CACHE/_FUA bits
 *   PVBLK_HAVE_BLK_MODE_T                blk_mode_t instead of fmode_t
 *   PVBLK_HAVE_BDEV_FILE_OPEN            bdev_file_open_by_dev()/file_bdev()
 *
 * The wrappers over them, each included where it is needed:
 *   compat/bdev.h   opening a block device by number (pvblkback)
 *   compat/queue.h  queue limits and disk allocation (pvblkfront)
 */
#ifndef PVBLK_COMPAT_H
#define PVBLK_COMPAT_H

#include <linux/version.h>

#include "pvblk_probe.h"

#if LINUX_VERSION_MAJOR != 6 || LINUX_VERSION_PATCHLEVEL < 1 || \
	LINUX_VERSION_PATCHLEVEL > 12
#error "pvblk supports Linux 6.1 to 6.12 only: build against one of those kernels"
#endif

#if defined(PVBLK_HAVE_BLK_MODE_T) && !defined(PVBLK_HAVE_BDEV_FILE_OPEN)
#error "pvblk: the block device open API of Linux 6.5 - 6.8 is not supported"
#endif

#if defined(PVBLK_HAVE_QUEUE_LIMITS_UPDATE) && !defined(PVBLK_HAVE_BLK_FEATURES)
#error "pvblk: queue_limits without BLK_FEAT_* (Linux 6.9, 6.10) is not supported"
#endif

#endif /* PVBLK_COMPAT_H */
