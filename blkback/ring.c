// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: the rings of a connection. Reading the frontend's keys and
 * negotiating, mapping each shared ring, binding its lateeoi event
 * channel, and the per-ring worker that fetches requests (each slot
 * copied once into private memory), answers finished ones and keeps the
 * grant cache and page pool trimmed. Disconnecting (in xenwatch) only
 * tells the workers to stop and hands the rings to a reaper on
 * pvblkback_wq, which waits for every bio, answers, unmaps every grant
 * and frees: no wait the frontend or the storage controls runs in
 * xenwatch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>

#include "common.h"
#include "trace.h"

/* ---- xenstore ---------------------------------------------------------- */

/* The frontend's key @dir/@key, or NULL when absent; ERR_PTR on error. */
static char *pvblkback_read_opt(const char *dir, const char *key)
{
	char *s = xenbus_read(XBT_NIL, dir, key, NULL);

	if (IS_ERR(s) && PTR_ERR(s) == -ENOENT)
		return NULL;
	return s;
}

/* A mandatory decimal key of the frontend, in [0, U32_MAX]. */
static int pvblkback_read_u32(struct pvblkback_device *dev, const char *dir,
			      const char *key, u32 *out)
{
	enum pvblk_neg_err nerr;
	char *s;

	s = xenbus_read(XBT_NIL, dir, key, NULL);
	if (IS_ERR(s)) {
		xenbus_dev_fatal(dev->xdev, PTR_ERR(s), "reading %s/%s", dir,
				 key);
		return PTR_ERR(s);
	}
	nerr = pvblk_parse_u32(s, 0, U32_MAX, out);
	kfree(s);
	if (nerr) {
		xenbus_dev_fatal(dev->xdev, -EINVAL, "%s/%s: %s", dir, key,
				 pvblk_neg_reason(nerr));
		return -EINVAL;
	}
	return 0;
}

/* Read and negotiate the frontend's connection keys into dev->conn. */
static int pvblkback_negotiate(struct pvblkback_device *dev)
{
	const char *fe = dev->xdev->otherend;
	static const char * const keys[] = {
		"feature-persistent", "ring-page-order",
		"multi-queue-num-queues", "protocol",
	};
	char *val[ARRAY_SIZE(keys)] = { NULL };
	struct pvblk_front_offer offer;
	enum pvblk_neg_err nerr;
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		val[i] = pvblkback_read_opt(fe, keys[i]);
		if (IS_ERR(val[i])) {
			err = PTR_ERR(val[i]);
			val[i] = NULL;
			xenbus_dev_fatal(dev->xdev, err, "reading %s/%s", fe,
					 keys[i]);
			goto out;
		}
	}
	nerr = pvblk_parse_front_offer(&offer, val[0], val[1], val[2], val[3]);
	if (!nerr)
		nerr = pvblk_negotiate_back(&dev->cfg, &offer, &dev->conn);
	if (nerr) {
		err = -EINVAL;
		xenbus_dev_fatal(dev->xdev, err, "frontend %s: %s", fe,
				 pvblk_neg_reason(nerr));
	}
out:
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		kfree(val[i]);
	return err;
}

/* ---- ring setup -------------------------------------------------------- */

static irqreturn_t pvblkback_irq(int irq, void *arg)
{
	struct pvblkback_ring *ring = arg;

	set_bit(PVBLKBACK_RING_KICK, &ring->flags);
	wake_up(&ring->wq);
	return IRQ_HANDLED;
}

/* Map ring @ring->index (keys under @dir) and bind its event channel. */
static int pvblkback_ring_map(struct pvblkback_ring *ring, const char *dir)
{
	struct pvblkback_device *dev = ring->dev;
	unsigned int nr_pages = 1U << dev->conn.ring_order;
	grant_ref_t refs[1U << PVBLK_MAX_RING_ORDER];
	char key[16];
	unsigned int i;
	u32 evtchn, ref;
	int err;

	err = pvblkback_read_u32(dev, dir, "event-channel", &evtchn);
	if (err)
		return err;
	for (i = 0; i < nr_pages; i++) {
		if (dev->conn.ring_order)
			snprintf(key, sizeof(key), "ring-ref%u", i);
		else
			snprintf(key, sizeof(key), "ring-ref");
		err = pvblkback_read_u32(dev, dir, key, &ref);
		if (err)
			return err;
		refs[i] = ref;
	}
	err = xenbus_map_ring_valloc(dev->xdev, refs, nr_pages, &ring->sring);
	if (err) {
		ring->sring = NULL;
		return err;
	}
	ring->hdr = ring->sring;
	/* attach where the frontend's responses stand (0 on a fresh ring) */
	ring->rsp_prod_pvt = READ_ONCE(ring->hdr->rsp_prod);
	ring->req_cons = ring->rsp_prod_pvt;

	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev->xdev, evtchn,
							    pvblkback_irq, 0,
							    "pvblkback", ring);
	if (err < 0) {
		xenbus_dev_fatal(dev->xdev, err, "binding event channel %u",
				 evtchn);
		return err;
	}
	ring->irq = err;
	return 0;
}

static int pvblkback_ring_alloc(struct pvblkback_ring *ring)
{
	struct pvblkback_device *dev = ring->dev;
	unsigned int i, gnts_per_req, grants, secs;
	int err;

	ring->nr_slots = pvblk_ring_slots(dev->conn.abi, dev->conn.ring_order);
	ring->max_segs = max_t(u32, PVBLK_MAX_SEGS_DIRECT,
			       dev->conn.max_indirect_segs);
	gnts_per_req = ring->max_segs + PVBLK_MAX_INDIRECT_PAGES;
	ring->reqs = kvcalloc(ring->nr_slots, sizeof(*ring->reqs), GFP_KERNEL);
	ring->segs = kvcalloc(ring->nr_slots * ring->max_segs,
			      sizeof(*ring->segs), GFP_KERNEL);
	ring->gnts = kvcalloc(ring->nr_slots * gnts_per_req,
			      sizeof(*ring->gnts), GFP_KERNEL);
	if (!ring->reqs || !ring->segs || !ring->gnts)
		return -ENOMEM;
	for (i = 0; i < ring->nr_slots; i++) {
		struct pvblkback_req *preq = &ring->reqs[i];

		preq->ring = ring;
		preq->seg = &ring->segs[i * ring->max_segs];
		preq->gnt = &ring->gnts[i * gnts_per_req];
		list_add_tail(&preq->node, &ring->free);
	}

	grants = ring->persistent ?
		 READ_ONCE(pvblkback_params.max_persistent_grants) : 0;
	secs = READ_ONCE(pvblkback_params.persistent_grant_unused_seconds);
	err = pvblk_gc_init(&ring->cache, grants, (u64)secs * HZ,
			    get_random_u32());
	if (err)
		return err;
	ring->max_pool = READ_ONCE(pvblkback_params.max_buffer_pages);
	return pvblkback_held_init(ring);
}

/* What this ring serves; refreshed by the worker (size changes). */
static void pvblkback_ring_limits(struct pvblkback_ring *ring)
{
	struct pvblkback_device *dev = ring->dev;
	struct block_device *bdev = dev->bdev.bdev;
	bool wc = bdev_write_cache(bdev) && !dev->flush_off;

	ring->lim.nr_sectors = bdev_nr_sectors(bdev);
	ring->lim.logical_block_size = bdev_logical_block_size(bdev);
	ring->lim.max_indirect_segs = dev->conn.max_indirect_segs;
	ring->lim.read_only = dev->readonly;
	ring->lim.flush = pvblkback_offers_flush(dev, wc);
	ring->lim.barrier = pvblkback_offers_barrier(dev, wc);
	ring->lim.discard = bdev_max_discard_sectors(bdev) > 0 &&
			    !dev->discard_off;
	ring->lim.secure_discard = bdev_max_secure_erase_sectors(bdev) > 0;
}

/* ---- the worker -------------------------------------------------------- */

/* Push the private response index; notify the frontend when it asked. */
static void pvblkback_push_responses(struct pvblkback_ring *ring)
{
	u32 old = READ_ONCE(ring->hdr->rsp_prod);
	u32 new = ring->rsp_prod_pvt;

	if (old == new)
		return;
	virt_wmb();	/* responses before the index */
	WRITE_ONCE(ring->hdr->rsp_prod, new);
	virt_mb();	/* index before reading rsp_event */
	if ((u32)(new - READ_ONCE(ring->hdr->rsp_event)) < (u32)(new - old))
		notify_remote_via_irq(ring->irq);
}

/*
 * Write and push the responses of the requests on @list, whose grants
 * are released, and free them. Returns true if the device refused a
 * flush or barrier among them.
 */
static bool pvblkback_respond(struct pvblkback_ring *ring,
			      struct list_head *list)
{
	struct pvblkback_req *preq, *tmp;
	bool notsupp = false;

	list_for_each_entry_safe(preq, tmp, list, node) {
		u8 op = preq->req.operation;

		if (preq->status == PVBLK_RSP_EOPNOTSUPP &&
		    (op == PVBLK_OP_FLUSH_DISKCACHE ||
		     op == PVBLK_OP_WRITE_BARRIER))
			notsupp = true;
		if (preq->status != PVBLK_RSP_OKAY)
			atomic64_inc(&ring->dev->stats.err_req);
		trace_pvblkback_req_done(ring, preq);
		pvblk_put_rsp(pvblk_ring_entry(ring->sring, ring->abi,
					       ring->nr_slots,
					       ring->rsp_prod_pvt),
			      ring->abi, preq->req.id, preq->rsp_op,
			      preq->status);
		ring->rsp_prod_pvt++;
		ring->inflight--;
		list_move_tail(&preq->node, &ring->free);
	}
	pvblkback_push_responses(ring);
	return notsupp;
}

/*
 * Answer every finished request: release their grants (unmapping the
 * per-request ones in batches), then write the responses and push them.
 */
static void pvblkback_reap(struct pvblkback_ring *ring)
{
	struct pvblkback_device *dev = ring->dev;
	unsigned long flags;
	bool notsupp;
	LIST_HEAD(done);

	spin_lock_irqsave(&ring->done_lock, flags);
	list_splice_init(&ring->done, &done);
	spin_unlock_irqrestore(&ring->done_lock, flags);
	if (list_empty(&done))
		return;

	/* requests whose pages are still in use move to ring->held */
	pvblkback_release_done(ring, &done);
	notsupp = pvblkback_respond(ring, &done);

	if (notsupp && ring->lim.flush) {
		/* the device refused a flush: stop offering flush and barrier */
		ring->lim.flush = false;
		ring->lim.barrier = false;
		if (!test_and_set_bit(PVBLKBACK_DEV_NO_FLUSH, &dev->flags))
			schedule_work(&dev->update_work);
	}
	pvblkback_barrier_resume(ring);
}

/* The frontend broke the ring protocol: stop serving this ring. */
static void pvblkback_ring_break(struct pvblkback_ring *ring, u32 prod)
{
	ring->broken = true;
	dev_err_ratelimited(&ring->dev->xdev->dev,
			    "ring %u of domain %u stopped: producer index %u is beyond the ring (consumer %u, %u slots)\n",
			    ring->index, ring->dev->frontend_id, prod,
			    ring->req_cons, ring->nr_slots);
}

/* Set by a disconnect (xenwatch), read by the worker: fetch no more. */
static bool pvblkback_ring_stopping(const struct pvblkback_ring *ring)
{
	return READ_ONCE(ring->stop);
}

/*
 * The number of requests posted and not fetched yet, or -1 (the ring is
 * then broken) when the frontend's index is beyond the ring.
 */
static int pvblkback_pending(struct pvblkback_ring *ring)
{
	int pending;
	u32 prod;

	prod = READ_ONCE(ring->hdr->req_prod);
	virt_rmb();	/* the index before the requests it covers */
	pending = pvblk_ring_pending(prod, ring->req_cons, ring->rsp_prod_pvt,
				     ring->nr_slots);
	if (pending < 0)
		pvblkback_ring_break(ring, prod);
	return pending;
}

/* Copy the next request off the ring into @preq. */
static void pvblkback_take(struct pvblkback_ring *ring,
			   struct pvblkback_req *preq)
{
	list_del(&preq->node);
	pvblk_fetch_req(&preq->req,
			pvblk_ring_entry(ring->sring, ring->abi, ring->nr_slots,
					 ring->req_cons),
			ring->abi);
	ring->req_cons++;
}

/*
 * The answer to a request a closing frontend will not have served. No
 * data is read or written: an error. But a flush - or an empty barrier -
 * is done for real, once per pass (*flush: 1 not yet, else its result),
 * after the writes it covers have completed: xen-blkfront takes an error
 * on an empty flush for "not supported" and completes it as done.
 */
static s16 pvblkback_refusal(struct pvblkback_ring *ring,
			     const struct pvblk_req *r, int *flush)
{
	if (r->operation != PVBLK_OP_FLUSH_DISKCACHE &&
	    (r->operation != PVBLK_OP_WRITE_BARRIER || r->nr_segments))
		return PVBLK_RSP_ERROR;
	if (*flush == 1)
		*flush = blkdev_issue_flush(ring->dev->bdev.bdev);
	return *flush ? PVBLK_RSP_ERROR : PVBLK_RSP_OKAY;
}

/*
 * A closing frontend may have posted requests nobody fetched: answer
 * each (pvblkback_refusal()) so that it does not wait for them forever
 * (xen-blkfront's removal waits for every request it sent). What is on
 * the ring now, one ring's worth at most; returns how many. Until every
 * bio has completed (!@drained), a barrier is dispatched as usual - it
 * covers the requests still in flight - and what follows it is left for
 * the reaper.
 */
static unsigned int pvblkback_refuse_pending(struct pvblkback_ring *ring,
					     bool drained)
{
	struct pvblkback_req *preq;
	unsigned int n = 0;
	int pending, flush = 1;

	if (READ_ONCE(ring->stop) != PVBLKBACK_STOP_REFUSE || ring->broken)
		return 0;
	pending = pvblkback_pending(ring);
	while (pending-- > 0) {
		preq = list_first_entry_or_null(&ring->free,
						struct pvblkback_req, node);
		if (!preq)
			break;
		pvblkback_take(ring, preq);
		n++;
		if (!drained && preq->req.operation == PVBLK_OP_WRITE_BARRIER) {
			/* served, or parked until the reaper has drained */
			pvblkback_dispatch(ring, preq);
			break;
		}
		pvblkback_refuse(ring, preq,
				 pvblkback_refusal(ring, &preq->req, &flush));
	}
	pvblkback_reap(ring);
	return n;
}

/*
 * Answers can make a closing frontend post again: xen-blkfront restarts
 * its stopped queues on each response and sends what it had held back.
 * Refuse until the ring has stayed empty PVBLKBACK_REFUSE_QUIET_MS, for
 * PVBLKBACK_REFUSE_MAX_MS at most (a frontend that never stops posting
 * is not waited for). The reaper's last pass, just before the unmap.
 */
static void pvblkback_refuse_until_quiet(struct pvblkback_ring *ring)
{
	unsigned int ms, quiet = 0;

	if (READ_ONCE(ring->stop) != PVBLKBACK_STOP_REFUSE)
		return;
	for (ms = 0; ms < PVBLKBACK_REFUSE_MAX_MS; ms += 20) {
		if (pvblkback_refuse_pending(ring, true)) {
			quiet = 0;
		} else {
			if (quiet >= PVBLKBACK_REFUSE_QUIET_MS)
				break;
			quiet += 20;
		}
		msleep(20);
	}
}

/* Fetch and dispatch new requests; true when any was found. */
static bool pvblkback_fetch(struct pvblkback_ring *ring)
{
	struct pvblkback_req *preq;
	bool found = false;
	int pending;

again:
	if (ring->barrier || ring->broken)
		return found;
	pending = pvblkback_pending(ring);
	if (pending < 0)
		return found;
	while (pending--) {
		/*
		 * Checked per request: a request may take long to dispatch
		 * (discard and secure erase are synchronous), and a stopping
		 * ring must not serve the rest of a full ring first.
		 */
		if (pvblkback_ring_stopping(ring))
			return found;
		preq = list_first_entry_or_null(&ring->free,
						struct pvblkback_req, node);
		if (!preq) {
			atomic64_inc(&ring->dev->stats.oo_req);
			return found;
		}
		pvblkback_take(ring, preq);
		found = true;
		pvblkback_dispatch(ring, preq);
		if (ring->barrier)
			return found;
	}
	/* ask for an event at the next request, then look once more */
	WRITE_ONCE(ring->hdr->req_event, ring->req_cons + 1);
	virt_mb();	/* req_event before the final look at req_prod */
	if (READ_ONCE(ring->hdr->req_prod) != ring->req_cons)
		goto again;
	return found;
}

static void pvblkback_log_stats(struct pvblkback_ring *ring)
{
	struct pvblkback_stats *st = &ring->dev->stats;

	dev_info(&ring->dev->xdev->dev,
		 "oo %lld rd %lld wr %lld f %lld ds %lld rd_sect %lld wr_sect %lld pgnt hit %lld miss %lld mapped %lld\n",
		 atomic64_read(&st->oo_req), atomic64_read(&st->rd_req),
		 atomic64_read(&st->wr_req), atomic64_read(&st->f_req),
		 atomic64_read(&st->ds_req), atomic64_read(&st->rd_sect),
		 atomic64_read(&st->wr_sect), atomic64_read(&st->pgnt_hits),
		 atomic64_read(&st->pgnt_misses),
		 atomic64_read(&st->pgnt_mapped));
}

/* Every PVBLKBACK_HOUSEKEEPING: ageing, pool trim, size, stats log. */
static void pvblkback_housekeeping(struct pvblkback_ring *ring)
{
	struct pvblkback_device *dev = ring->dev;
	u64 size;

	if (time_before(jiffies, ring->next_housekeeping) &&
	    !ring->cache.room_wanted)
		return;
	ring->next_housekeeping = jiffies + PVBLKBACK_HOUSEKEEPING;
	pvblkback_held_retry(ring);
	if (pvblk_gc_want_shrink(&ring->cache, get_jiffies_64()))
		pvblkback_purge(ring, false);
	pvblkback_pool_shrink(ring, ring->max_pool);

	size = bdev_nr_sectors(dev->bdev.bdev);
	ring->lim.nr_sectors = size;
	if (ring->index == 0 && size != atomic64_read(&dev->sectors) &&
	    !test_and_set_bit(PVBLKBACK_DEV_RESIZED, &dev->flags))
		schedule_work(&dev->update_work);

	if (ring->index == 0 && READ_ONCE(pvblkback_params.log_stats) &&
	    time_after_eq(jiffies, ring->next_log)) {
		ring->next_log = jiffies + 10 * HZ;
		pvblkback_log_stats(ring);
	}
}

static bool pvblkback_has_work(struct pvblkback_ring *ring)
{
	return test_bit(PVBLKBACK_RING_KICK, &ring->flags) ||
	       !list_empty_careful(&ring->done) || kthread_should_stop();
}

static int pvblkback_worker(void *arg)
{
	struct pvblkback_ring *ring = arg;
	bool kicked;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(ring->wq,
						 pvblkback_has_work(ring),
						 PVBLKBACK_HOUSEKEEPING);
		if (kthread_should_stop())
			break;
		kicked = test_and_clear_bit(PVBLKBACK_RING_KICK, &ring->flags);
		pvblkback_reap(ring);
		/*
		 * Disconnected: dispatch nothing more. A closing frontend's
		 * unfetched requests are answered (pvblkback_refuse_pending())
		 * once; then only what completes, until the reaper stops the
		 * thread; tell the reaper once we are here. No EOI either:
		 * the event channel stays masked until the reaper unbinds it.
		 */
		if (pvblkback_ring_stopping(ring)) {
			if (!ring->parked) {
				pvblkback_refuse_pending(ring, false);
				WRITE_ONCE(ring->parked, true);
				wake_up(&ring->wq);
			}
			continue;
		}
		if (pvblkback_fetch(ring))
			ring->fetched_since_eoi = true;
		pvblkback_reap(ring);
		/*
		 * One late EOI per event. It is flagged spurious only when no
		 * request at all was fetched since the previous EOI, whatever
		 * woke the worker: requests are often fetched on a completion
		 * wake-up before their event is seen, and calling that event
		 * spurious would make Xen delay the next one (the throttling
		 * meant for a storming frontend). A broken ring gets no EOI:
		 * its event channel stays masked.
		 */
		if (kicked && !ring->broken) {
			xen_irq_lateeoi(ring->irq, ring->fetched_since_eoi ?
					0 : XEN_EOI_FLAG_SPURIOUS);
			ring->fetched_since_eoi = false;
		}
		pvblkback_housekeeping(ring);
		cond_resched();
	}
	return 0;
}

/* ---- connect / disconnect ---------------------------------------------- */

/*
 * Drain and free one ring whose worker has stopped: wait for every bio
 * still in flight (answering it), for held pages until @deadline (@secs
 * after the reaper began), then unmap everything. Runs in the reaper,
 * never in xenwatch.
 */
static void pvblkback_ring_drain(struct pvblkback_ring *ring,
				 unsigned long deadline, unsigned int secs)
{
	LIST_HEAD(answer);
	int flush = 1;

	/*
	 * A completion wakes wq under done_lock (pvblkback_finish()) and
	 * the reap takes done_lock: once the last request in flight has been
	 * reaped, no completion touches this ring any more, even when the
	 * list was found non-empty without sleeping here.
	 */
	while (ring->inflight > ring->nr_held) {
		/* in slices: a slow device is not a hung task */
		wait_event_timeout(ring->wq, !list_empty_careful(&ring->done),
				   HZ);
		pvblkback_reap(ring);
	}
	if (ring->barrier) {
		/*
		 * Parked behind requests that held pages keep in flight: no
		 * data is written, but everything before it has completed
		 * now, so an empty one can be done as a flush.
		 */
		ring->inflight++;
		pvblkback_finish(ring->barrier,
				 pvblkback_refusal(ring, &ring->barrier->req,
						   &flush));
		ring->barrier = NULL;
		pvblkback_reap(ring);
	}
	/* what a closing frontend posted after the worker parked */
	pvblkback_refuse_pending(ring, true);
	/*
	 * Every bio is done; wait (bounded) for pages the stack still holds,
	 * then answer the held requests while the ring is still mapped.
	 */
	pvblkback_held_teardown(ring, deadline, secs, &answer);
	if (!list_empty(&answer))
		pvblkback_respond(ring, &answer);
	pvblkback_refuse_until_quiet(ring);
	pvblk_gc_destroy(&ring->cache);
	if (ring->irq > 0)
		unbind_from_irqhandler(ring->irq, ring);
	ring->irq = 0;
	if (ring->sring)
		xenbus_unmap_ring_vfree(ring->dev->xdev, ring->sring);
	ring->sring = NULL;
	pvblkback_pool_shrink(ring, 0);
	kvfree(ring->held_unmap);
	kvfree(ring->gnts);
	kvfree(ring->segs);
	kvfree(ring->reqs);
}

/*
 * The reaper (dev->reap_work on pvblkback_wq): stop the workers of the
 * rings a disconnect handed over, drain and free them, then connect
 * again if a connection was asked for meanwhile. It holds a reference
 * on the device, dropped last, which may free the device.
 */
static void pvblkback_reap_work(struct work_struct *work)
{
	struct pvblkback_device *dev =
		container_of(work, struct pvblkback_device, reap_work);
	struct pvblkback_ring *rings;
	unsigned int i, n, secs;
	unsigned long deadline;

	/*
	 * Not under dev->lock: the disconnect that queued us may hold it
	 * while it gives us our grace time. It set these before queueing
	 * us (queue_work() orders that) and nobody changes them before we
	 * clear them below.
	 */
	rings = dev->dead_rings;
	n = dev->nr_dead_rings;

	/*
	 * Each worker parks after the request it is dispatching (one
	 * synchronous discard at most), waited for here in slices - a slow
	 * device is not a hung task - then stops at once.
	 */
	for (i = 0; i < n; i++) {
		struct pvblkback_ring *ring = &rings[i];

		if (!ring->task)
			continue;
		while (!wait_event_timeout(ring->wq, READ_ONCE(ring->parked),
					   HZ))
			;
		kthread_stop(ring->task);
		ring->task = NULL;
	}
	/* one bounded wait for held pages, whatever the number of rings */
	secs = READ_ONCE(pvblkback_params.held_pages_wait_seconds);
	deadline = jiffies + secs * HZ;
	for (i = 0; i < n; i++)
		pvblkback_ring_drain(&rings[i], deadline, secs);
	kfree(rings);
	/*
	 * Every bio of the connection has completed: drop the pages of
	 * dom0's page cache of the device that may predate what the frontend
	 * wrote, so that a read in dom0 after the connection sees its data.
	 */
	if (dev->bdev.bdev)
		invalidate_bdev(dev->bdev.bdev);
	complete_all(&dev->reaped);

	mutex_lock(&dev->lock);
	dev->dead_rings = NULL;
	dev->nr_dead_rings = 0;
	if (dev->connect_deferred && !dev->gone) {
		dev->connect_deferred = false;
		pvblkback_try_connect(dev);
	}
	mutex_unlock(&dev->lock);
	pvblkback_device_put(dev);
}

void pvblkback_reap_init(struct pvblkback_device *dev)
{
	INIT_WORK(&dev->reap_work, pvblkback_reap_work);
	init_completion(&dev->reaped);
}

/*
 * Disconnect: tell every worker to stop dispatching and hand the rings to
 * the reaper, giving it PVBLKBACK_REAP_GRACE_MS at most: a quick teardown
 * is finished on return, a slow one goes on after it. The rings stay
 * mapped, their event channels bound and their requests in flight until
 * the reaper is done with them; a new connection waits for the reaper
 * (dev->dead_rings). @how: what becomes of the requests nobody fetched.
 * dev->lock held.
 */
void pvblkback_rings_disconnect(struct pvblkback_device *dev,
				enum pvblkback_stop how)
{
	struct pvblkback_ring *rings = dev->rings;
	unsigned int i, n = dev->nr_rings;

	if (!rings)
		return;
	dev->rings = NULL;
	dev->nr_rings = 0;
	for (i = 0; i < n; i++) {
		WRITE_ONCE(rings[i].stop, how);
		wake_up(&rings[i].wq);
	}
	/* never two sets: a connect waits until the previous one is reaped */
	dev->dead_rings = rings;
	dev->nr_dead_rings = n;
	reinit_completion(&dev->reaped);
	kref_get(&dev->kref);
	queue_work(pvblkback_wq, &dev->reap_work);
	/* the reaper completes before it takes dev->lock */
	wait_for_completion_timeout(&dev->reaped,
				    msecs_to_jiffies(PVBLKBACK_REAP_GRACE_MS));
}

static int pvblkback_ring_start(struct pvblkback_ring *ring)
{
	struct pvblkback_device *dev = ring->dev;
	char *dir;
	int err;

	if (dev->conn.nr_queues > 1)
		dir = kasprintf(GFP_KERNEL, "%s/queue-%u", dev->xdev->otherend,
				ring->index);
	else
		dir = kstrdup(dev->xdev->otherend, GFP_KERNEL);
	if (!dir)
		return -ENOMEM;
	err = pvblkback_ring_map(ring, dir);
	kfree(dir);
	if (err)
		return err;
	err = pvblkback_ring_alloc(ring);
	if (err) {
		xenbus_dev_fatal(dev->xdev, err, "allocating ring %u",
				 ring->index);
		return err;
	}
	pvblkback_ring_limits(ring);
	ring->task = kthread_run(pvblkback_worker, ring, "pvblkb.%u.%u.%u",
				 dev->frontend_id, dev->handle, ring->index);
	if (IS_ERR(ring->task)) {
		err = PTR_ERR(ring->task);
		ring->task = NULL;
		xenbus_dev_fatal(dev->xdev, err, "starting ring %u worker",
				 ring->index);
		return err;
	}
	return 0;
}

/* Negotiate and start every ring; all or nothing. dev->lock held. */
int pvblkback_rings_connect(struct pvblkback_device *dev)
{
	struct pvblkback_ring *rings;
	unsigned int i;
	int err;

	err = pvblkback_negotiate(dev);
	if (err)
		return err;
	rings = kcalloc(dev->conn.nr_queues, sizeof(*rings), GFP_KERNEL);
	if (!rings)
		return -ENOMEM;
	for (i = 0; i < dev->conn.nr_queues; i++) {
		struct pvblkback_ring *ring = &rings[i];

		ring->dev = dev;
		ring->index = i;
		ring->abi = dev->conn.abi;
		ring->persistent = dev->conn.persistent;
		init_waitqueue_head(&ring->wq);
		spin_lock_init(&ring->done_lock);
		INIT_LIST_HEAD(&ring->done);
		INIT_LIST_HEAD(&ring->free);
		INIT_LIST_HEAD(&ring->held);
		gnttab_page_cache_init(&ring->pool);
	}
	dev->rings = rings;
	dev->nr_rings = dev->conn.nr_queues;
	for (i = 0; i < dev->nr_rings; i++) {
		err = pvblkback_ring_start(&rings[i]);
		if (err) {
			pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_KEEP);
			return err;
		}
	}
	dev_info(&dev->xdev->dev,
		 "domain %u connected: %u ring(s) of %u page(s), %s grants, %s ABI, %u indirect segments\n",
		 dev->frontend_id, dev->nr_rings, 1U << dev->conn.ring_order,
		 dev->conn.persistent ? "persistent" : "non-persistent",
		 dev->conn.abi == PVBLK_ABI_X86_32 ? "x86_32" : "x86_64",
		 dev->conn.max_indirect_segs);
	return 0;
}
