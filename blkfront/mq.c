// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: blk-mq glue - turn a block-layer request into one ring
 * request (direct or indirect), with the wire operation chosen by the
 * core's flush/FUA table (core/front_req.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <xen/page.h>

#include "common.h"
#include "trace.h"

void pvblkfront_complete(struct request *rq, blk_status_t st)
{
	struct pvblkfront_rq *p = blk_mq_rq_to_pdu(rq);

	p->status = st;
	blk_mq_complete_request(rq);
}

/*
 * Whether @rq, built by the block layer against the queue limits of its
 * time, cannot go out on the current connection as it is.  The limits of
 * a live queue change without a freeze (disk.c, pvblkfront_limits_work()),
 * so requests built against an earlier connection's limits reach us:
 * requeued across a resume, built while a reconnect was under way, or in
 * the moment before the work committed the new limits.  Two things can
 * be wrong with them:
 *
 *  - more segments than this connection takes (it offers fewer or no
 *    indirect segments);
 *  - a FUA write built while we claimed FUA (barrier mode), met by a
 *    connection with a write cache but no FUA (flush-cache mode): the
 *    block layer passed its FUA bit down instead of adding a post-flush,
 *    and sent as a plain WRITE its data could stay in the backend's
 *    cache.  Only such a request carries REQ_FUA in that mode, as the
 *    block layer strips the bit when FUA is not claimed; with no write
 *    cache at all a stale FUA bit has nothing to bypass.
 */
static bool rq_stale(struct pvblkfront_device *dev, struct request *rq,
		     enum pvblk_front_kind kind)
{
	struct pvblk_front_caps caps;

	if (blk_rq_nr_phys_segments(rq) > READ_ONCE(dev->max_segs))
		return true;
	if (kind != PVBLK_FK_WRITE || !(rq->cmd_flags & REQ_FUA))
		return false;
	caps = pvblk_front_cache_caps(READ_ONCE(dev->cache));
	return caps.write_cache && !caps.fua;
}

/*
 * Hand the bios of a stale request back to the block layer, which splits
 * them to the current limits (and adds the flush a FUA write now needs),
 * and end the emptied request.  dev->limits_work submits them once the
 * limits pending at that moment are committed.
 *
 * The data request of a flush sequence (a write with REQ_PREFLUSH or
 * REQ_FUA) is the flush machinery's: ending it moves the sequence on to
 * its post-flush and then ends the request again, by its bio, which the
 * machinery puts back from rq->biotail.  Emptied, the sequence ends with
 * no bio; the bio itself - never merged with others, and still carrying
 * its submitter's REQ_PREFLUSH and REQ_FUA - goes back to the block
 * layer, which sequences it again under the current limits and ends it
 * only once it is as durable as its submitter asked.  Any other request
 * with an end_io of its own is a request-based stacking driver's clone,
 * completed by its owner through its bios: it cannot be taken apart,
 * false, the caller fails it.
 */
static bool resubmit_bios(struct pvblkfront_device *dev, struct request *rq)
{
	struct bio_list bios;
	unsigned long flags;

	if (!rq->bio)
		return false;
	if (rq->rq_flags & RQF_FLUSH_SEQ ? rq->flush.saved_end_io : rq->end_io)
		return false;
	bios.head = rq->bio;
	bios.tail = rq->biotail;
	rq->bio = NULL;
	rq->biotail = NULL;
	spin_lock_irqsave(&dev->pending_lock, flags);
	bio_list_merge(&dev->resubmit, &bios);
	spin_unlock_irqrestore(&dev->pending_lock, flags);
	/*
	 * Queued while @rq still holds its reference on the queue: a
	 * teardown's freeze cannot end, and its flush_work() miss the work,
	 * before the bios are in the work's hands.
	 */
	kblockd_schedule_work(&dev->limits_work);
	atomic64_inc(&dev->stats.resubmitted);
	/* No bio left: nothing completes but the request itself. */
	blk_mq_end_request(rq, BLK_STS_OK);
	return true;
}

/*
 * Submit bios resubmit_bios() took; process context, may sleep.  Their
 * submitter no longer waits in its own context for them, so they may
 * block now (REQ_NOWAIT cleared).  The emptied request they came from
 * was counted in the disk's statistics as one more completed I/O.
 */
void pvblkfront_resubmit(struct bio_list *bios)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		bio->bi_opf &= ~REQ_NOWAIT;
		submit_bio_noacct(bio);
	}
}

static void pvblkfront_complete_rq(struct request *rq)
{
	struct pvblkfront_rq *p = blk_mq_rq_to_pdu(rq);

	blk_mq_end_request(rq, p->status);
}

static enum pvblk_front_kind rq_kind(struct request *rq, bool *ok)
{
	*ok = true;
	switch (req_op(rq)) {
	case REQ_OP_READ:
		return PVBLK_FK_READ;
	case REQ_OP_WRITE:
		return PVBLK_FK_WRITE;
	case REQ_OP_FLUSH:
		return PVBLK_FK_FLUSH;
	case REQ_OP_DISCARD:
		return PVBLK_FK_DISCARD;
	case REQ_OP_SECURE_ERASE:
		return PVBLK_FK_SECURE_ERASE;
	default:
		*ok = false;
		return PVBLK_FK_MAX;
	}
}

/*
 * A page mapped here from another domain's grant: ours to read and write,
 * not ours to grant.  Grant mappings are single pages, and the Foreign flag
 * is only defined for pages that are not part of a compound page.  The
 * flag shares its bit with other owners' flags (swap cache, filesystems),
 * so some of our own pages look foreign too: they are copied, which is
 * always correct, only slower.
 */
static bool page_is_foreign(struct page *page)
{
	return !PageCompound(page) && xen_page_foreign(page);
}

/*
 * Grant every data segment of @sh (already mapped into sh->sg) and fill
 * sh->seg.  Bounce mode copies through pool pages, and so does any
 * segment in a foreign page (mapped from another domain: we may not grant
 * it); *@foreign counts the bytes of those.  -ENOSPC / -ENOMEM: out of
 * grants or memory for now, -EINVAL: a segment the wire cannot carry.  On
 * error what was granted stays recorded in @sh for release.
 */
static int grant_segs(struct pvblkfront_ring *ring,
		      struct pvblkfront_shadow *sh, unsigned int n, bool write,
		      u64 *foreign)
{
	struct pvblkfront_device *dev = ring->dev;
	struct scatterlist *sg;
	unsigned int i;
	int ref, err;

	*foreign = 0;
	for_each_sg(sh->sg, sg, n, i) {
		struct pvblk_seg *seg = &sh->seg[i];
		bool alien = !sh->bounce && page_is_foreign(sg_page(sg));

		err = pvblk_front_seg(sg->offset, sg->length, &seg->first_sect,
				      &seg->last_sect);
		if (err)
			return err;
		if (sh->bounce || alien) {
			struct pvblkfront_gpage *gp;

			gp = pvblkfront_gpage_get(ring, !dev->trusted);
			if (!gp)
				return -ENOMEM;
			sh->gp[i] = gp;
			sh->nr_segs = i + 1;
			err = pvblkfront_gpage_grant(ring, gp, write);
			if (err)
				return err;
			if (alien)
				*foreign += sg->length;
			if (write) {
				pvblkfront_bounce_fill(gp, sg);
				atomic64_add(sg->length, &dev->stats.bounce_bytes);
			}
			seg->gref = gp->gref;
		} else {
			ref = gnttab_grant_foreign_access(dev->backend_id,
							  xen_page_to_gfn(sg_page(sg)),
							  write);
			if (ref < 0)
				return ref;
			sh->gref[i] = ref;
			sh->nr_segs = i + 1;
			seg->gref = ref;
		}
	}
	return 0;
}

/* Pack the segments into granted indirect pages; fills @grefs. */
static int fill_indirect(struct pvblkfront_ring *ring,
			 struct pvblkfront_shadow *sh, unsigned int n,
			 u32 *grefs)
{
	unsigned int i, pages = pvblk_front_indirect_pages(n);
	int err;

	for (i = 0; i < pages; i++) {
		struct pvblkfront_gpage *gp = pvblkfront_gpage_get(ring, false);

		if (!gp)
			return -ENOMEM;
		sh->ind[i] = gp;
		sh->nr_ind = i + 1;
		err = pvblkfront_gpage_grant(ring, gp, true);
		if (err)
			return err;
		pvblk_front_pack_indirect(page_address(gp->page), i, sh->seg, n);
		grefs[i] = gp->gref;
	}
	return 0;
}

static void count(struct pvblkfront_device *dev, struct request *rq,
		  enum pvblk_front_kind kind)
{
	struct pvblkfront_stats *s = &dev->stats;

	switch (kind) {
	case PVBLK_FK_READ:
		atomic64_inc(&s->rd_req);
		atomic64_add(blk_rq_sectors(rq), &s->rd_sect);
		break;
	case PVBLK_FK_WRITE:
		atomic64_inc(&s->wr_req);
		atomic64_add(blk_rq_sectors(rq), &s->wr_sect);
		if (rq->cmd_flags & REQ_FUA)
			atomic64_inc(&s->f_req);
		break;
	case PVBLK_FK_FLUSH:
		atomic64_inc(&s->f_req);
		break;
	default:
		atomic64_inc(&s->ds_req);
		break;
	}
}

/* Build and post one request; ring->lock held. */
static blk_status_t post(struct pvblkfront_ring *ring, struct request *rq,
			 enum pvblk_front_kind kind)
{
	struct pvblkfront_device *dev = ring->dev;
	bool write = kind == PVBLK_FK_WRITE;
	u32 grefs[PVBLK_MAX_INDIRECT_PAGES] = { 0 };
	struct pvblkfront_shadow *sh;
	enum pvblk_front_action act;
	unsigned int n = 0, mapped;
	struct pvblk_req req;
	u64 foreign = 0;
	u8 op, iop;
	int id, err;

	if (ring->req_prod_pvt - ring->rsp_cons >= ring->nr_slots)
		return BLK_STS_RESOURCE;
	id = pvblk_fshadow_get(&ring->ids, 0, 0);
	if (id < 0)
		return BLK_STS_RESOURCE;
	sh = &ring->shadow[id];

	if (kind == PVBLK_FK_READ || kind == PVBLK_FK_WRITE) {
		unsigned int nsegs = blk_rq_nr_phys_segments(rq);

		if (nsegs > dev->max_segs) {
			err = -EINVAL;
			goto out_put;
		}
		/*
		 * Reset only the entries this request can use (the mapping
		 * never yields more than nsegs): the whole table is max_segs
		 * entries, 8 KiB at 256, too much to clear per request.
		 */
		if (nsegs) {
			sg_init_table(sh->sg, nsegs);
			n = blk_rq_map_sg(rq->q, rq, sh->sg);
		}
	}
	act = pvblk_front_map(READ_ONCE(dev->cache), kind,
			      rq->cmd_flags & REQ_FUA, n,
			      dev->conn.max_indirect_segs,
			      READ_ONCE(dev->discard), READ_ONCE(dev->secure),
			      &op, &iop);
	if (act == PVBLK_FA_DONE) {
		pvblk_fshadow_put(&ring->ids, id);
		pvblkfront_complete(rq, BLK_STS_OK);
		return BLK_STS_OK;
	}
	if (act != PVBLK_FA_SEND) {
		err = -EOPNOTSUPP;
		goto out_put;
	}

	sh->bounce = false;
	if (op == PVBLK_OP_DISCARD) {
		pvblk_front_build_discard(&req, id, blk_rq_pos(rq),
					  blk_rq_sectors(rq),
					  kind == PVBLK_FK_SECURE_ERASE);
	} else {
		/*
		 * Pool pages, never the request's own, while the disk is
		 * being added (dev->adding): a partition read whose page a
		 * closing backend kept mapped would be held (held.c), and
		 * with it the add - and the device's removal, which waits
		 * for the add in xenwatch.  A pool page still mapped is
		 * left to the grant table instead, and the read fails.
		 */
		sh->bounce = dev->conn.persistent || !dev->trusted ||
			     READ_ONCE(dev->adding);
		err = grant_segs(ring, sh, n, write, &foreign);
		if (!err && op == PVBLK_OP_INDIRECT)
			err = fill_indirect(ring, sh, n, grefs);
		if (!err)
			err = pvblk_front_build_rw(&req, id, dev->handle, op, iop,
						   blk_rq_pos(rq), sh->seg, n,
						   grefs);
		if (err)
			goto out_release;
	}
	pvblk_fshadow_set_op(&ring->ids, id, op, iop);
	sh->req = req;
	sh->rq = rq;
	pvblk_encode_req(pvblk_ring_entry(ring->sring, PVBLK_ABI_X86_64,
					  ring->nr_slots, ring->req_prod_pvt),
			 &req, PVBLK_ABI_X86_64);
	ring->req_prod_pvt++;
	trace_pvblkfront_submit(dev->vdevice, ring->index, &req, sh->bounce);
	count(dev, rq, kind);
	if (foreign) {
		atomic64_inc(&dev->stats.foreign_bounced);
		atomic64_add(foreign, &dev->stats.foreign_bytes);
	}
	return BLK_STS_OK;

out_release:
	mapped = pvblkfront_shadow_release(ring, sh, false);
	if (mapped) {
		/* Ours now: completed once the backend lets go (held.c). */
		sh->rq = rq;
		pvblkfront_hold(ring, id, mapped);
		pvblkfront_mark_broken(dev, "backend mapped a grant never sent");
		return BLK_STS_OK;
	}
out_put:
	pvblk_fshadow_put(&ring->ids, id);
	if (err == -ENOMEM || err == -ENOSPC)
		return BLK_STS_RESOURCE;
	atomic64_inc(&dev->stats.errors);
	return err == -EOPNOTSUPP ? BLK_STS_NOTSUPP : BLK_STS_IOERR;
}

static blk_status_t pvblkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
					const struct blk_mq_queue_data *bd)
{
	struct pvblkfront_device *dev = hctx->queue->queuedata;
	struct pvblkfront_ring *ring;
	struct request *rq = bd->rq;
	enum pvblk_front_kind kind;
	unsigned long flags;
	blk_status_t st;
	bool ok;

	kind = rq_kind(rq, &ok);
	if (!ok)
		return BLK_STS_NOTSUPP;
	blk_mq_start_request(rq);
	/*
	 * A dead or half-reconnected device fails I/O here already: the
	 * stale check below must not hand bios back to a queue whose limits
	 * will never be lowered for them (they would come back for ever).
	 */
	if (READ_ONCE(dev->broken) || !READ_ONCE(dev->connected))
		return BLK_STS_IOERR;
	if ((kind == PVBLK_FK_READ || kind == PVBLK_FK_WRITE) &&
	    rq_stale(dev, rq, kind)) {
		if (resubmit_bios(dev, rq))
			return BLK_STS_OK;
		/* Neither sendable nor divisible (see resubmit_bios()). */
		dev_warn_ratelimited(&dev->xdev->dev,
				     "a request built for the previous connection does not fit this one and cannot be split: failed\n");
		atomic64_inc(&dev->stats.errors);
		return BLK_STS_IOERR;
	}

	/*
	 * The rings are only replaced while the queue is quiesced (resume)
	 * or drained (removal).  After a reconnect with fewer rings than
	 * hardware queues, queues share rings.
	 */
	if (!READ_ONCE(dev->nr_rings))
		return BLK_STS_IOERR;
	ring = &dev->rings[hctx->queue_num % dev->nr_rings];
	spin_lock_irqsave(&ring->lock, flags);
	if (READ_ONCE(dev->broken) || !READ_ONCE(dev->connected) ||
	    !ring->sring) {
		st = BLK_STS_IOERR;
	} else {
		st = post(ring, rq, kind);
		if (st == BLK_STS_OK)
			pvblkfront_ring_push(ring);
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	return st;
}

const struct blk_mq_ops pvblkfront_mq_ops = {
	.queue_rq = pvblkfront_queue_rq,
	.complete = pvblkfront_complete_rq,
};

size_t pvblkfront_rq_size(void)
{
	return sizeof(struct pvblkfront_rq);
}
