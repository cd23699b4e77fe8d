// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: the shared rings - setup and teardown, pushing requests,
 * and the response path.
 *
 * Every response is copied out of the shared ring once
 * (pvblk_fetch_rsp()) and checked against our private shadow
 * (pvblk_fshadow_take()): producer not beyond what we sent, id in range,
 * request outstanding, operation as sent.  A violation marks the device
 * broken: one log line, every outstanding and future request fails, the
 * ring is not read again.  No response can complete a request twice: the
 * shadow id is freed exactly once, under ring->lock.
 *
 * Event channels are bound "lateeoi": the EOI is sent after the ring has
 * been drained, and flagged spurious when there was nothing to do, so a
 * backend that storms us with events gets throttled by Xen (XSA-391).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/page.h>

#include "common.h"
#include "trace.h"

static struct pvblk_sring_hdr *hdr(struct pvblkfront_ring *ring)
{
	return ring->sring;
}

/* Publish req_prod_pvt and notify the backend if it asked for it. */
void pvblkfront_ring_push(struct pvblkfront_ring *ring)
{
	struct pvblk_sring_hdr *h = hdr(ring);
	u32 old = READ_ONCE(h->req_prod), new = ring->req_prod_pvt;

	if (old == new)
		return;
	virt_wmb();		/* requests visible before the index */
	WRITE_ONCE(h->req_prod, new);
	virt_mb();		/* index visible before reading req_event */
	if ((u32)(new - READ_ONCE(h->req_event)) < (u32)(new - old))
		notify_remote_via_irq(ring->irq);
}

void pvblkfront_broken_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(work, struct pvblkfront_device, broken_work);

	/* Under the mutex: the rings may be torn down concurrently. */
	mutex_lock(&dev->mutex);
	if (READ_ONCE(dev->broken))
		pvblkfront_fail_all(dev, BLK_STS_IOERR, false);
	mutex_unlock(&dev->mutex);
}

/* Mark the device broken (once) and fail all I/O from process context. */
void pvblkfront_mark_broken(struct pvblkfront_device *dev, const char *why)
{
	if (xchg(&dev->broken, true))
		return;
	dev_err(&dev->xdev->dev, "backend %u: %s: device marked broken, all I/O fails\n",
		dev->backend_id, why);
	schedule_work(&dev->broken_work);
}

/* Status of a finished request from the backend's status. */
static blk_status_t rsp_status(struct pvblkfront_ring *ring,
			       struct pvblkfront_shadow *sh, s16 status,
			       bool *retry)
{
	struct pvblkfront_device *dev = ring->dev;
	u8 op = sh->req.operation;

	if (status == PVBLK_RSP_OKAY)
		return BLK_STS_OK;
	if (status == PVBLK_RSP_EOPNOTSUPP &&
	    (op == PVBLK_OP_FLUSH_DISKCACHE || op == PVBLK_OP_WRITE_BARRIER)) {
		/*
		 * Stop claiming a write cache from now on.  The data of a
		 * barrier write was not written: send it again as a plain
		 * write.  An empty flush has nothing left to do.
		 */
		if (xchg(&dev->cache, PVBLK_FC_NONE) != PVBLK_FC_NONE) {
			dev_warn(&dev->xdev->dev, "backend refused %s: no longer flushing\n",
				 op == PVBLK_OP_WRITE_BARRIER ? "barrier" : "flush");
			schedule_work(&dev->cache_work);
		}
		if (sh->req.nr_segments)
			*retry = true;
		return BLK_STS_OK;
	}
	if (status == PVBLK_RSP_EOPNOTSUPP && op == PVBLK_OP_DISCARD) {
		/* Stop offering what was refused from now on. */
		bool *what = sh->req.discard_flag ? &dev->secure : &dev->discard;

		if (xchg(what, false)) {
			dev_warn(&dev->xdev->dev, "backend refused a %s: no longer offered\n",
				 sh->req.discard_flag ? "secure erase" : "discard");
			if (what == &dev->discard)
				WRITE_ONCE(dev->secure, false);
			schedule_work(&dev->cache_work);
		}
		return BLK_STS_NOTSUPP;
	}
	atomic64_inc(&dev->stats.errors);
	if (status == PVBLK_RSP_EOPNOTSUPP)
		return BLK_STS_NOTSUPP;
	return BLK_STS_IOERR;
}

/*
 * Consume every response; ring->lock held.  Returns the number handled,
 * or -EPROTO after marking the device broken.
 */
static int ring_consume(struct pvblkfront_ring *ring)
{
	struct pvblkfront_device *dev = ring->dev;
	struct pvblk_sring_hdr *h = hdr(ring);
	enum pvblk_rsp_err err;
	int done = 0;
	u32 rp, idx;
	u64 id;
	s16 status;
	u8 op;

again:
	rp = READ_ONCE(h->rsp_prod);
	virt_rmb();		/* responses read after the index */
	if (!pvblk_front_rsp_prod_ok(rp, ring->rsp_cons, ring->req_prod_pvt)) {
		pvblkfront_mark_broken(dev, pvblk_rsp_reason(PVBLK_RSPC_PROD));
		return -EPROTO;
	}
	while (ring->rsp_cons != rp) {
		struct pvblkfront_shadow *sh;
		struct request *rq;
		bool retry = false, read;
		unsigned int mapped;
		blk_status_t st;

		pvblk_fetch_rsp(pvblk_ring_entry(ring->sring, PVBLK_ABI_X86_64,
						 ring->nr_slots, ring->rsp_cons),
				PVBLK_ABI_X86_64, &id, &op, &status);
		err = pvblk_fshadow_check(&ring->ids, id, op);
		if (err) {
			pvblkfront_mark_broken(dev, pvblk_rsp_reason(err));
			return -EPROTO;
		}
		ring->rsp_cons++;
		done++;
		trace_pvblkfront_complete(dev->vdevice, ring->index, id, op,
					  status);
		sh = &ring->shadow[id];
		rq = sh->rq;
		if (sh->held) {
			/*
			 * The answer to a request failed while the backend
			 * still mapped its pages (held.c): it may have let
			 * go now.  The request has failed already.
			 */
			if (!pvblkfront_held_retry(sh)) {
				pvblkfront_mark_broken(dev,
						       "answered a request whose pages it still maps");
				return -EPROTO;
			}
			pvblk_fshadow_take(&ring->ids, id, op, &idx);
			sh->rq = NULL;
			pvblkfront_held_end(dev, rq);
			continue;
		}
		st = rsp_status(ring, sh, status, &retry);
		read = sh->req.operation == PVBLK_OP_READ ||
		       (sh->req.operation == PVBLK_OP_INDIRECT &&
			sh->req.indirect_op == PVBLK_OP_READ);
		mapped = pvblkfront_shadow_release(ring, sh,
						   st == BLK_STS_OK && read);
		if (mapped) {
			/*
			 * Its id stays busy; a later answer to it is taken
			 * as the backend letting go (the held branch above).
			 */
			pvblkfront_hold(ring, id, mapped);
			pvblkfront_mark_broken(dev, "grant still mapped after response");
			return -EPROTO;
		}
		pvblk_fshadow_take(&ring->ids, id, op, &idx);
		sh->rq = NULL;
		if (!rq)
			continue;
		if (retry)
			blk_mq_requeue_request(rq, true);
		else
			pvblkfront_complete(rq, st);
	}
	/* Ask for an event at the next response, then look once more. */
	WRITE_ONCE(h->rsp_event, ring->rsp_cons + 1);
	virt_mb();		/* rsp_event visible before rsp_prod is re-read */
	if (READ_ONCE(h->rsp_prod) != ring->rsp_cons)
		goto again;
	return done;
}

static irqreturn_t pvblkfront_interrupt(int irq, void *data)
{
	struct pvblkfront_ring *ring = data;
	unsigned int eoi = XEN_EOI_FLAG_SPURIOUS;
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (!READ_ONCE(ring->dev->broken) && ring->sring &&
	    ring_consume(ring) > 0)
		eoi = 0;
	spin_unlock_irqrestore(&ring->lock, flags);
	xen_irq_lateeoi(irq, eoi);
	return IRQ_HANDLED;
}

/*
 * Fail (or, with @requeue, hand back to blk-mq for re-issue) every
 * request in flight and release its grants.  A request whose own pages
 * the backend still maps is held instead (held.c): it completes once the
 * backend lets go.
 */
void pvblkfront_fail_all(struct pvblkfront_device *dev, blk_status_t st,
			 bool requeue)
{
	unsigned int r, i;

	for (r = 0; r < dev->nr_rings; r++) {
		struct pvblkfront_ring *ring = &dev->rings[r];
		unsigned long flags;

		spin_lock_irqsave(&ring->lock, flags);
		for (i = 0; ring->shadow && i < ring->nr_slots; i++) {
			struct pvblkfront_shadow *sh = &ring->shadow[i];
			struct request *rq = sh->rq;
			unsigned int mapped;

			if (!pvblk_fshadow_busy(&ring->ids, i) || sh->held)
				continue;
			mapped = pvblkfront_shadow_release(ring, sh, false);
			if (mapped) {
				pvblkfront_hold(ring, i, mapped);
				continue;
			}
			sh->rq = NULL;
			pvblk_fshadow_put(&ring->ids, i);
			if (!rq)
				continue;
			if (requeue)
				blk_mq_requeue_request(rq, false);
			else
				pvblkfront_complete(rq, st);
		}
		spin_unlock_irqrestore(&ring->lock, flags);
	}
}

static void ring_free_shadow(struct pvblkfront_ring *ring)
{
	unsigned int i;

	if (ring->shadow) {
		for (i = 0; i < ring->nr_slots; i++) {
			kvfree(ring->shadow[i].gref);
			kvfree(ring->shadow[i].gp);
			kvfree(ring->shadow[i].seg);
			kvfree(ring->shadow[i].sg);
		}
	}
	kvfree(ring->shadow);
	ring->shadow = NULL;
	pvblk_fshadow_destroy(&ring->ids);
}

static int ring_alloc_shadow(struct pvblkfront_ring *ring)
{
	unsigned int i, j, n = ring->dev->max_segs;
	int err;

	err = pvblk_fshadow_init(&ring->ids, ring->nr_slots);
	if (err)
		return err;
	ring->shadow = kvcalloc(ring->nr_slots, sizeof(*ring->shadow),
				GFP_KERNEL);
	if (!ring->shadow)
		goto nomem;
	for (i = 0; i < ring->nr_slots; i++) {
		struct pvblkfront_shadow *sh = &ring->shadow[i];

		sh->gref = kvcalloc(n, sizeof(*sh->gref), GFP_KERNEL);
		sh->gp = kvcalloc(n, sizeof(*sh->gp), GFP_KERNEL);
		sh->seg = kvcalloc(n, sizeof(*sh->seg), GFP_KERNEL);
		sh->sg = kvcalloc(n, sizeof(*sh->sg), GFP_KERNEL);
		if (!sh->gref || !sh->gp || !sh->seg || !sh->sg)
			goto nomem;
		for (j = 0; j < n; j++)
			sh->gref[j] = INVALID_GRANT_REF;
		sg_init_table(sh->sg, n);
	}
	return 0;

nomem:
	ring_free_shadow(ring);
	return -ENOMEM;
}

/*
 * The shared ring pages.  Not xenbus_setup_ring()/xenbus_teardown_ring():
 * the latter frees the pages even when the backend still maps them, and
 * a backend that is slow to let go (still finishing I/O) or never does
 * would then write its responses into pages the guest reuses.  Here each
 * page goes to the grant table's deferred freeing with its grant.
 */
static void ring_pages_free(struct pvblkfront_ring *ring)
{
	unsigned int i;

	if (!ring->sring)
		return;
	for (i = 0; i < ring->nr_pages; i++) {
		struct page *page = virt_to_page(ring->sring + i * PAGE_SIZE);

		if (ring->ring_ref[i] == INVALID_GRANT_REF) {
			__free_page(page);
			continue;
		}
		/* Frees the page now, or once the backend unmaps it. */
		gnttab_end_foreign_access(ring->ring_ref[i], page);
		ring->ring_ref[i] = INVALID_GRANT_REF;
	}
	ring->sring = NULL;
}

static int ring_pages_alloc(struct pvblkfront_ring *ring)
{
	domid_t be = ring->dev->backend_id;
	unsigned int i;
	int ref;

	/* Order-0 pages (split), so that each can be freed on its own. */
	ring->sring = alloc_pages_exact(ring->nr_pages * PAGE_SIZE,
					GFP_NOIO | __GFP_ZERO);
	if (!ring->sring)
		return -ENOMEM;
	for (i = 0; i < ring->nr_pages; i++)
		ring->ring_ref[i] = INVALID_GRANT_REF;
	for (i = 0; i < ring->nr_pages; i++) {
		ref = gnttab_grant_foreign_access(be, virt_to_gfn(ring->sring +
								  i * PAGE_SIZE),
						  0);
		if (ref < 0) {
			ring_pages_free(ring);
			return ref;
		}
		ring->ring_ref[i] = ref;
	}
	return 0;
}

/* Share one ring with the backend: pages, grants, event channel, irq. */
int pvblkfront_ring_setup(struct pvblkfront_ring *ring)
{
	struct pvblkfront_device *dev = ring->dev;
	struct xenbus_device *xdev = dev->xdev;
	struct pvblk_sring_hdr *h;
	int err;

	ring->nr_pages = 1u << dev->conn.ring_order;
	ring->nr_slots = pvblk_ring_slots(PVBLK_ABI_X86_64, dev->conn.ring_order);
	/*
	 * Pool bound from the memory plan (core/front_mem.c): at most a full
	 * ring of full-size requests, PVBLKFRONT_POOL_MAX pages and the
	 * disk's budget; pages are added only when used.
	 */
	ring->pool_max = dev->pool_max;
	ring->req_prod_pvt = 0;
	ring->rsp_cons = 0;
	ring->irq = -1;

	err = ring_alloc_shadow(ring);
	if (err)
		return err;
	err = ring_pages_alloc(ring);
	if (err) {
		xenbus_dev_fatal(xdev, err, "sharing %u ring page(s)",
				 ring->nr_pages);
		goto out_shadow;
	}
	h = ring->sring;
	WRITE_ONCE(h->req_event, 1);
	WRITE_ONCE(h->rsp_event, 1);

	err = xenbus_alloc_evtchn(xdev, &ring->evtchn);
	if (err)
		goto out_ring;
	snprintf(ring->irq_name, sizeof(ring->irq_name), "%.16s-q%u",
		 dev->vd.name, ring->index);
	err = bind_evtchn_to_irqhandler_lateeoi(ring->evtchn,
						pvblkfront_interrupt, 0,
						ring->irq_name, ring);
	if (err < 0)
		goto out_evtchn;
	ring->irq = err;
	return 0;

out_evtchn:
	xenbus_free_evtchn(xdev, ring->evtchn);
	ring->evtchn = 0;
out_ring:
	ring_pages_free(ring);
out_shadow:
	ring_free_shadow(ring);
	return err;
}

static void ring_teardown(struct pvblkfront_ring *ring)
{
	struct xenbus_device *xdev = ring->dev->xdev;

	if (ring->irq >= 0) {
		unbind_from_irqhandler(ring->irq, ring);
		ring->irq = -1;
		ring->evtchn = 0;
	} else if (ring->evtchn) {
		xenbus_free_evtchn(xdev, ring->evtchn);
		ring->evtchn = 0;
	}
	/* No interrupt any more: the held requests can leave the slots. */
	pvblkfront_held_adopt(ring);
	ring_pages_free(ring);
	pvblkfront_pool_drain(ring);
	ring_free_shadow(ring);
}

int pvblkfront_rings_alloc(struct pvblkfront_device *dev)
{
	unsigned int i;

	dev->rings = kcalloc(dev->conn.nr_queues, sizeof(*dev->rings),
			     GFP_KERNEL);
	if (!dev->rings)
		return -ENOMEM;
	dev->nr_rings = dev->conn.nr_queues;
	for (i = 0; i < dev->nr_rings; i++) {
		struct pvblkfront_ring *ring = &dev->rings[i];

		ring->dev = dev;
		ring->index = i;
		ring->irq = -1;
		spin_lock_init(&ring->lock);
		INIT_LIST_HEAD(&ring->pool);
	}
	return 0;
}

/* Tear every ring down; requests in flight must have been dealt with. */
void pvblkfront_rings_free(struct pvblkfront_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_rings; i++)
		ring_teardown(&dev->rings[i]);
	kfree(dev->rings);
	dev->rings = NULL;
	dev->nr_rings = 0;
}
