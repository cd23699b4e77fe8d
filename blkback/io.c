// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: one request, from its validated private copy to its bios and
 * back. Everything here runs in the ring's worker thread except
 * pvblkback_bio_end(), the bio completion. Its grants are mapped and
 * given back by grants.c; held.c holds back the answer of a request
 * whose pages the storage stack still references.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/mm.h>

#include "common.h"
#include "trace.h"

/*
 * Answer @preq with @status: hand it to the worker's done list.
 *
 * The wake-up is issued before done_lock is dropped, and releasing
 * done_lock is the last access to the ring. Teardown (ring.c) reaps the
 * done list under done_lock and may free the ring as soon as it has seen
 * the last request in flight there, without ever sleeping on ring->wq; a
 * wake-up after the unlock would then touch freed memory.
 */
void pvblkback_finish(struct pvblkback_req *preq, s16 status)
{
	struct pvblkback_ring *ring = preq->ring;
	unsigned long flags;

	preq->status = status;
	spin_lock_irqsave(&ring->done_lock, flags);
	list_add_tail(&preq->node, &ring->done);
	wake_up(&ring->wq);
	spin_unlock_irqrestore(&ring->done_lock, flags);
}

static void pvblkback_bio_end(struct bio *bio)
{
	struct pvblkback_req *preq = bio->bi_private;

	if (bio->bi_status == BLK_STS_NOTSUPP)
		WRITE_ONCE(preq->bio_notsupp, true);
	else if (bio->bi_status)
		WRITE_ONCE(preq->bio_error, true);
	bio_put(bio);
	if (!atomic_dec_and_test(&preq->pending_bios))
		return;
	if (READ_ONCE(preq->bio_notsupp))
		pvblkback_finish(preq, PVBLK_RSP_EOPNOTSUPP);
	else if (READ_ONCE(preq->bio_error))
		pvblkback_finish(preq, PVBLK_RSP_ERROR);
	else
		pvblkback_finish(preq, PVBLK_RSP_OKAY);
}

static blk_opf_t pvblkback_opf(const struct pvblkback_req *preq)
{
	switch (preq->req.operation) {
	case PVBLK_OP_READ:
		return REQ_OP_READ;
	case PVBLK_OP_WRITE:
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	case PVBLK_OP_FLUSH_DISKCACHE:
		return REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH;
	case PVBLK_OP_WRITE_BARRIER:
		/* FUA only means something on a bio with data */
		return REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH |
		       (preq->nr_segs ? REQ_FUA : 0);
	default: /* INDIRECT: checked to be READ or WRITE */
		if (preq->req.indirect_op == PVBLK_OP_READ)
			return REQ_OP_READ;
		return REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
	}
}

/* Build and submit the bios of a mapped read/write/flush request. */
static void pvblkback_submit(struct pvblkback_req *preq)
{
	struct pvblkback_ring *ring = preq->ring;
	struct block_device *bdev = ring->dev->bdev.bdev;
	blk_opf_t opf = pvblkback_opf(preq);
	sector_t sector = preq->req.sector;
	struct bio_list bios;
	struct blk_plug plug;
	struct bio *bio = NULL;
	unsigned int i, nr = 0;

	bio_list_init(&bios);
	for (i = 0; i < preq->nr_segs; i++) {
		const struct pvblk_seg *s = &preq->seg[i];
		unsigned int off = s->first_sect << SECTOR_SHIFT;
		unsigned int len = (s->last_sect - s->first_sect + 1) <<
				   SECTOR_SHIFT;

		if (bio && bio_add_page(bio, preq->gnt[i].page, len, off) == len)
			goto next;
		bio = bio_alloc(bdev, min_t(unsigned int, preq->nr_segs - i,
					    BIO_MAX_VECS), opf, GFP_NOIO);
		bio->bi_iter.bi_sector = sector;
		bio->bi_private = preq;
		bio->bi_end_io = pvblkback_bio_end;
		bio_list_add(&bios, bio);
		nr++;
		if (bio_add_page(bio, preq->gnt[i].page, len, off) != len)
			goto fail;
next:
		sector += len >> SECTOR_SHIFT;
	}
	if (!nr) {
		/* an empty flush or barrier */
		bio = bio_alloc(bdev, 0, opf, GFP_NOIO);
		bio->bi_private = preq;
		bio->bi_end_io = pvblkback_bio_end;
		bio_list_add(&bios, bio);
		nr = 1;
	}
	atomic_set(&preq->pending_bios, nr);
	ring->inflight++;
	blk_start_plug(&plug);
	while ((bio = bio_list_pop(&bios)))
		submit_bio(bio);
	blk_finish_plug(&plug);
	return;

fail:
	while ((bio = bio_list_pop(&bios)))
		bio_put(bio);
	dev_err_ratelimited(&ring->dev->xdev->dev,
			    "ring %u: cannot build a bio for a segment\n",
			    ring->index);
	ring->inflight++;
	pvblkback_finish(preq, PVBLK_RSP_ERROR);
}

/* Copy an indirect request's segments out of its (mapped) pages, once. */
static enum pvblk_req_err pvblkback_indirect_segs(struct pvblkback_req *preq,
						  u64 *nr_sects)
{
	struct pvblkback_ring *ring = preq->ring;
	unsigned int nseg = preq->nr_segs, done = 0, p = 0, n;

	while (done < nseg) {
		n = min_t(unsigned int, nseg - done,
			  PVBLK_SEGS_PER_INDIRECT_PAGE);
		pvblk_fetch_indirect_segs(preq->seg + done,
					  page_address(preq->gnt[nseg + p].page),
					  0, n);
		done += n;
		p++;
	}
	return pvblk_req_check_segs(preq->seg, nseg, preq->req.sector,
				    &ring->lim, nr_sects);
}

/* READ, WRITE, FLUSH_DISKCACHE, WRITE_BARRIER, INDIRECT: map and submit. */
static void pvblkback_rw(struct pvblkback_req *preq)
{
	struct pvblkback_ring *ring = preq->ring;
	struct pvblkback_stats *st = &ring->dev->stats;
	const struct pvblk_req *r = &preq->req;
	bool indirect = r->operation == PVBLK_OP_INDIRECT;
	unsigned int i, nind = 0;
	u64 nr_sects = 0;
	bool write;
	s16 status = PVBLK_RSP_ERROR;

	preq->nr_segs = r->nr_segments;
	if (indirect) {
		nind = DIV_ROUND_UP(preq->nr_segs, PVBLK_SEGS_PER_INDIRECT_PAGE);
		write = r->indirect_op == PVBLK_OP_WRITE;
	} else {
		write = r->operation != PVBLK_OP_READ;
	}
	/* the core checked nr_segs and nind against our limits */
	if (preq->nr_segs > ring->max_segs || nind > PVBLK_MAX_INDIRECT_PAGES)
		goto out;
	preq->nr_gnts = preq->nr_segs + nind;
	memset(preq->gnt, 0, preq->nr_gnts * sizeof(*preq->gnt));

	if (indirect) {
		for (i = 0; i < nind; i++)
			preq->gnt[preq->nr_segs + i].gref = r->indirect_grefs[i];
		if (pvblkback_map(preq, preq->nr_segs, nind, true))
			goto out;
		if (pvblkback_indirect_segs(preq, &nr_sects))
			goto out;
	} else {
		/*
		 * pvblk_req_check() validated the direct segments already.
		 * An empty flush or barrier carries no sector worth checking
		 * (Linux frontends send -1 there).
		 */
		memcpy(preq->seg, r->seg, preq->nr_segs * sizeof(*preq->seg));
		for (i = 0; i < preq->nr_segs; i++)
			nr_sects += preq->seg[i].last_sect -
				    preq->seg[i].first_sect + 1;
	}
	for (i = 0; i < preq->nr_segs; i++)
		preq->gnt[i].gref = preq->seg[i].gref;
	if (pvblkback_map(preq, 0, preq->nr_segs, write))
		goto out;

	pvblkback_trace_req(ring, r, preq->nr_segs, preq->seg);
	if (write)
		atomic64_add(nr_sects, &st->wr_sect);
	else
		atomic64_add(nr_sects, &st->rd_sect);
	pvblkback_submit(preq);
	return;

out:
	ring->inflight++;
	pvblkback_finish(preq, status);
}

static void pvblkback_discard(struct pvblkback_req *preq)
{
	struct pvblkback_ring *ring = preq->ring;
	struct block_device *bdev = ring->dev->bdev.bdev;
	const struct pvblk_req *r = &preq->req;
	s16 status = PVBLK_RSP_OKAY;
	int err = 0;

	trace_pvblkback_req_start(ring, r, 0, NULL);
	if (r->nr_sectors && (r->discard_flag & PVBLK_DISCARD_SECURE))
		err = blkdev_issue_secure_erase(bdev, r->sector, r->nr_sectors,
						GFP_NOIO);
	else if (r->nr_sectors)
		err = blkdev_issue_discard(bdev, r->sector, r->nr_sectors,
					   GFP_NOIO);
	if (err == -EOPNOTSUPP)
		status = PVBLK_RSP_EOPNOTSUPP;
	else if (err)
		status = PVBLK_RSP_ERROR;
	ring->inflight++;
	pvblkback_finish(preq, status);
}

/* Start a parked WRITE_BARRIER once the ring has drained. */
void pvblkback_barrier_resume(struct pvblkback_ring *ring)
{
	struct pvblkback_req *preq = ring->barrier;

	if (!preq || ring->inflight)
		return;
	ring->barrier = NULL;
	pvblkback_rw(preq);
}

static void pvblkback_count(struct pvblkback_stats *st,
			    const struct pvblk_req *r)
{
	switch (r->operation) {
	case PVBLK_OP_READ:
		atomic64_inc(&st->rd_req);
		break;
	case PVBLK_OP_WRITE:
		atomic64_inc(&st->wr_req);
		break;
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		atomic64_inc(&st->f_req);
		break;
	case PVBLK_OP_DISCARD:
		atomic64_inc(&st->ds_req);
		break;
	case PVBLK_OP_INDIRECT:
		if (r->indirect_op == PVBLK_OP_READ)
			atomic64_inc(&st->rd_req);
		else if (r->indirect_op == PVBLK_OP_WRITE)
			atomic64_inc(&st->wr_req);
		break;
	}
}

/* A request just fetched: nothing mapped, no bio, not answered. */
static void pvblkback_req_reset(struct pvblkback_req *preq)
{
	const struct pvblk_req *r = &preq->req;

	preq->nr_gnts = 0;
	preq->nr_segs = 0;
	preq->held = false;
	preq->bio_error = false;
	preq->bio_notsupp = false;
	/* an indirect request is answered with its inner operation */
	preq->rsp_op = r->operation == PVBLK_OP_INDIRECT ? r->indirect_op :
							    r->operation;
}

/* Answer a request just fetched with @status, without any I/O. */
void pvblkback_refuse(struct pvblkback_ring *ring, struct pvblkback_req *preq,
		      s16 status)
{
	pvblkback_req_reset(preq);
	ring->inflight++;
	pvblkback_finish(preq, status);
}

/*
 * Serve one request the worker just copied out of the ring. Whatever
 * happens, @preq is answered exactly once, through the done list.
 */
void pvblkback_dispatch(struct pvblkback_ring *ring,
			struct pvblkback_req *preq)
{
	const struct pvblk_req *r = &preq->req;
	enum pvblk_req_err err;

	pvblkback_req_reset(preq);
	pvblkback_count(&ring->dev->stats, r);
	err = pvblk_req_check(r, &ring->lim);
	if (err) {
		dev_dbg_ratelimited(&ring->dev->xdev->dev,
				    "ring %u: request %llu refused: %s\n",
				    ring->index, r->id, pvblk_req_reason(err));
		ring->inflight++;
		pvblkback_finish(preq, pvblk_req_status(err));
		return;
	}
	switch (r->operation) {
	case PVBLK_OP_DISCARD:
		pvblkback_discard(preq);
		return;
	case PVBLK_OP_WRITE_BARRIER:
		/* everything dispatched before the barrier completes first */
		if (ring->inflight) {
			ring->barrier = preq;
			return;
		}
		break;
	}
	pvblkback_rw(preq);
}
