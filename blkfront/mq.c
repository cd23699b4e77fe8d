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
#include "pvblk/front_trace.h"

/* Per-request private data (tag_set.cmd_size). */
struct pvblkfront_rq {
	blk_status_t status;
};

void pvblkfront_complete(struct request *rq, blk_status_t st)
{
	struct pvblkfront_rq *p = blk_mq_rq_to_pdu(rq);

	p->status = st;
	blk_mq_complete_request(rq);
}

/*
 * A request built for an earlier connection may carry more segments than
 * the backend we reconnected to takes (resume or migration onto a backend
 * with fewer or no indirect segments).  Its bios go back to the block
 * layer, which splits them to the new queue limits, and the request ends
 * empty.  A request of a flush sequence belongs to the block layer's
 * flush machinery and cannot be taken apart: the caller fails it.
 */
static bool resubmit_bios(struct pvblkfront_device *dev, struct request *rq)
{
	struct bio_list bios;
	unsigned long flags;

	if (!rq->bio || (rq->rq_flags & RQF_FLUSH_SEQ))
		return false;
	bios.head = rq->bio;
	bios.tail = rq->biotail;
	rq->bio = NULL;
	rq->biotail = NULL;
	spin_lock_irqsave(&dev->resubmit_lock, flags);
	bio_list_merge(&dev->resubmit, &bios);
	spin_unlock_irqrestore(&dev->resubmit_lock, flags);
	/* No bio left: nothing completes but the request itself. */
	blk_mq_end_request(rq, BLK_STS_OK);
	atomic64_inc(&dev->stats.resubmitted);
	schedule_work(&dev->resubmit_work);
	return true;
}

/* Submit the bios resubmit_bios() took; process context, may sleep. */
void pvblkfront_resubmit_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(work, struct pvblkfront_device, resubmit_work);
	struct bio_list bios;
	struct bio *bio;

	spin_lock_irq(&dev->resubmit_lock);
	bios = dev->resubmit;
	bio_list_init(&dev->resubmit);
	spin_unlock_irq(&dev->resubmit_lock);
	/* Accounted when first submitted; only the splitting is new. */
	while ((bio = bio_list_pop(&bios)))
		submit_bio_noacct(bio);
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
	bool write = kind == PVBLK_FK_WRITE, leaked = false;
	u32 grefs[PVBLK_MAX_INDIRECT_PAGES] = { 0 };
	struct pvblkfront_shadow *sh;
	enum pvblk_front_action act;
	unsigned int n = 0;
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
			      dev->conn.max_indirect_segs, dev->discard,
			      dev->secure, &op, &iop);
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
		sh->bounce = dev->conn.persistent || !dev->trusted;
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
	pvblkfront_shadow_release(ring, sh, false, &leaked);
	if (leaked)
		pvblkfront_mark_broken(dev, "backend mapped a grant never sent");
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
	if ((kind == PVBLK_FK_READ || kind == PVBLK_FK_WRITE) &&
	    blk_rq_nr_phys_segments(rq) > READ_ONCE(dev->max_segs) &&
	    resubmit_bios(dev, rq))
		return BLK_STS_OK;

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
