/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Opening a block device by number (pvblkback's backing device), over the
 * two kernel APIs compat/probe.sh tells apart: 6.1 blkdev_get_by_dev() /
 * blkdev_put() with an fmode_t, 6.9+ bdev_file_open_by_dev() returning a
 * struct file that fput() closes. compat/compat.h refuses the 6.5 - 6.8
 * forms.
 */
#ifndef PVBLK_COMPAT_BDEV_H
#define PVBLK_COMPAT_BDEV_H

#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/file.h>

struct pvblk_bdev {
	struct block_device *bdev;	/* NULL when not open */
#ifdef PVBLK_HAVE_BDEV_FILE_OPEN
	struct file *file;
#else
	fmode_t mode;
#endif
};

/* Open device @dev, writable iff @write, not exclusively. 0 or -errno. */
static inline int pvblk_bdev_open(struct pvblk_bdev *b, dev_t dev, bool write)
{
#ifdef PVBLK_HAVE_BDEV_FILE_OPEN
	struct file *f;

	f = bdev_file_open_by_dev(dev, BLK_OPEN_READ |
				  (write ? BLK_OPEN_WRITE : 0), NULL, NULL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	b->file = f;
	b->bdev = file_bdev(f);
#else
	struct block_device *bdev;
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);

	bdev = blkdev_get_by_dev(dev, mode, NULL);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->mode = mode;
	b->bdev = bdev;
#endif
	return 0;
}

/* Close what pvblk_bdev_open() opened; a no-op when nothing is open. */
static inline void pvblk_bdev_close(struct pvblk_bdev *b)
{
	if (!b->bdev)
		return;
#ifdef PVBLK_HAVE_BDEV_FILE_OPEN
	fput(b->file);
	b->file = NULL;
#else
	blkdev_put(b->bdev, b->mode);
#endif
	b->bdev = NULL;
}

#endif /* PVBLK_COMPAT_BDEV_H */
