/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Queue setup across kernels (pvblkfront's disks) - the one place the 6.1
 * blk_queue_*() setters and the 6.9+ struct queue_limits meet, selected by
 * the PVBLK_HAVE_* probes of compat/compat.h.  blkfront/disk.c fills a
 * struct pvblk_qlimits and never touches either API.
 */
#ifndef PVBLK_COMPAT_QUEUE_H
#define PVBLK_COMPAT_QUEUE_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>

struct pvblk_qlimits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int max_hw_sectors;
	unsigned short max_segments;
	unsigned int max_segment_size;
	unsigned long seg_boundary_mask;
	unsigned int dma_alignment;
	unsigned int max_discard_sectors;	/* 0: no discard */
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned int max_secure_erase_sectors;	/* 0: no secure erase */
	bool write_cache;
	bool fua;
};

#ifdef PVBLK_HAVE_QUEUE_LIMITS_UPDATE
static inline void pvblk_qlimits_to(struct queue_limits *lim,
				    const struct pvblk_qlimits *l)
{
	lim->logical_block_size = l->logical_block_size;
	lim->physical_block_size = l->physical_block_size;
	lim->max_hw_sectors = l->max_hw_sectors;
	lim->max_segments = l->max_segments;
	lim->max_segment_size = l->max_segment_size;
	lim->seg_boundary_mask = l->seg_boundary_mask;
	lim->dma_alignment = l->dma_alignment;
	lim->max_hw_discard_sectors = l->max_discard_sectors;
	lim->discard_granularity = l->discard_granularity;
	lim->discard_alignment = l->discard_alignment;
	lim->max_secure_erase_sectors = l->max_secure_erase_sectors;
	/* compat.h refuses queue_limits without BLK_FEAT_* (6.9, 6.10) */
	lim->features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	if (l->write_cache)
		lim->features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim->features |= BLK_FEAT_FUA;
}
#else
static inline void pvblk_qlimits_set(struct request_queue *q,
				     const struct pvblk_qlimits *l)
{
	blk_queue_logical_block_size(q, l->logical_block_size);
	blk_queue_physical_block_size(q, l->physical_block_size);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_segments(q, l->max_segments);
	blk_queue_segment_boundary(q, l->seg_boundary_mask);
	blk_queue_max_segment_size(q, l->max_segment_size);
	blk_queue_dma_alignment(q, l->dma_alignment);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	q->limits.discard_granularity = l->discard_granularity;
	q->limits.discard_alignment = l->discard_alignment;
	blk_queue_max_secure_erase_sectors(q, l->max_secure_erase_sectors);
	blk_queue_write_cache(q, l->write_cache, l->fua);
}
#endif

/* Allocate a blk-mq disk with limits @l. */
static inline struct gendisk *pvblk_alloc_disk(struct blk_mq_tag_set *set,
					       const struct pvblk_qlimits *l,
					       void *queuedata)
{
#ifdef PVBLK_HAVE_BLK_MQ_ALLOC_DISK_LIMITS
	struct queue_limits lim = { 0 };

	pvblk_qlimits_to(&lim, l);
	return blk_mq_alloc_disk(set, &lim, queuedata);
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);

	if (IS_ERR(disk))
		return disk;
	pvblk_qlimits_set(disk->queue, l);
	/* A virtual disk: not rotational (6.12 queues start out so). */
	blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
	return disk;
#endif
}

/*
 * Change the limits of a live queue (process context, may sleep).
 *
 * Never freezes the queue, on either kernel.  A freeze waits until no
 * request holds a queue reference, but requests of this queue may be held
 * by the driver for a long time (quiesced across a reconnect, or waiting
 * for a backend's response that only a close will fail), and the
 * lifecycle paths that would release them must never wait for a freeze.
 * Without one, requests built against the old limits can still reach
 * ->queue_rq(): pvblkfront checks every request against its connection
 * there and hands back what does not fit (mq.c).  The only caller is
 * pvblkfront_limits_work() (disk.c), which explains the ordering.
 *
 * 6.12: q->limits_lock (taken by queue_limits_start_update(), dropped by
 * the commit) serialises this with the block layer's own limit updates
 * (sysfs), which may hold it across a freeze of their own: the caller
 * must therefore hold nothing that the requests of this queue need to
 * complete.  6.1: the blk_queue_*() setters take no lock; the single
 * caller is never concurrent with itself.
 */
static inline int pvblk_update_limits(struct request_queue *q,
				      const struct pvblk_qlimits *l)
{
#ifdef PVBLK_HAVE_QUEUE_LIMITS_UPDATE
	struct queue_limits lim = queue_limits_start_update(q);

	pvblk_qlimits_to(&lim, l);
	return queue_limits_commit_update(q, &lim);
#else
	pvblk_qlimits_set(q, l);
	return 0;
#endif
}

#endif /* PVBLK_COMPAT_QUEUE_H */
