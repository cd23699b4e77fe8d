// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: pages the storage stack still references after their I/O.
 * Held requests, deferred unmaps of evicted persistent grants, their
 * retry in the worker's housekeeping and teardown's bounded wait.
 * Everything here runs in the ring's worker thread (teardown: once the
 * worker has stopped; pvblkback_held_init(): before it starts). The only
 * state it shares with other contexts is the ring's done list, taken
 * under done_lock, and the statistics (atomics).
 *
 * Stray references: a completed bio does not prove that the storage
 * stack below has let go of its pages (a network block device or the
 * TCP stack under it may still hold an skb fragment of one). A page with
 * more references than the pool gave it is never unmapped - that would
 * hand the frontend its page back while dom0 still uses it - nor returned
 * to the pool. A request with such a page is parked on ring->held and
 * answered once its pages are free; an evicted persistent grant with such
 * a page waits on ring->held_unmap. The worker's housekeeping retries
 * both; statistics/unmap_deferred counts every page that had to wait.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/grant_table.h>

#include "common.h"

/*
 * How many pages of @preq the storage stack still holds: per-request
 * mappings and persistent grants alike. Answering would let the frontend
 * reuse a persistent grant's page (new data under a retransmission of
 * the old), so a request with any busy page waits.
 */
static unsigned int pvblkback_req_busy(const struct pvblkback_req *preq)
{
	unsigned int i, n = 0;

	for (i = 0; i < preq->nr_gnts; i++) {
		const struct pvblkback_gnt *g = &preq->gnt[i];

		if (g->page && (g->mapped || g->pent) &&
		    pvblkback_page_busy(preq->ring, g->page))
			n++;
	}
	return n;
}

/*
 * Move the held requests whose pages are free now to @list, and log once
 * per ring when one has waited PVBLKBACK_HELD_LOG_SECS.
 */
static void pvblkback_held_collect(struct pvblkback_ring *ring,
				   struct list_head *list)
{
	struct pvblkback_req *preq, *tmp;

	list_for_each_entry_safe(preq, tmp, &ring->held, node) {
		if (pvblkback_req_busy(preq)) {
			if (!ring->held_logged &&
			    time_after(jiffies, preq->held_since +
					PVBLKBACK_HELD_LOG_SECS * HZ)) {
				ring->held_logged = true;
				dev_info(&ring->dev->xdev->dev,
					 "ring %u: the storage stack still holds a page of a finished request after %u s; its answer waits\n",
					 ring->index, PVBLKBACK_HELD_LOG_SECS);
			}
			continue;
		}
		list_move_tail(&preq->node, list);
		ring->nr_held--;
	}
	if (!ring->nr_held)
		ring->held_logged = false;
}

/*
 * Release the grants of the finished requests on @done and unmap the
 * per-request ones. Held requests whose pages are free now join @done
 * first; a request whose pages the storage stack still holds moves from
 * @done to ring->held, to be answered once they are free. What stays on
 * @done may be answered now.
 */
void pvblkback_release_done(struct pvblkback_ring *ring,
			    struct list_head *done)
{
	struct pvblkback_req *preq, *tmp;
	unsigned int busy;

	if (ring->nr_held)
		pvblkback_held_collect(ring, done);
	list_for_each_entry_safe(preq, tmp, done, node) {
		busy = pvblkback_req_busy(preq);
		if (busy) {
			if (!preq->held) {
				preq->held = true;
				preq->held_since = jiffies;
				atomic64_add(busy,
					     &ring->dev->stats.unmap_deferred);
			}
			list_move_tail(&preq->node, &ring->held);
			ring->nr_held++;
			continue;
		}
		preq->held = false;
		pvblkback_release_grants(preq);
	}
	pvblkback_unmap_flush(ring);
}

/* Unmap the deferred evictions whose pages are free now. */
static void pvblkback_held_unmap_retry(struct pvblkback_ring *ring)
{
	unsigned int i, n = 0;

	pvblkback_unmap_flush(ring);
	for (i = 0; i < ring->nr_held_unmap; i++) {
		struct pvblk_gc_unmap u = ring->held_unmap[i];

		if (pvblkback_page_busy(ring, u.page)) {
			ring->held_unmap[n++] = u;
			continue;
		}
		gnttab_set_unmap_op(&ring->unmap_ops[ring->nr_unmap],
				    pvblkback_kaddr(u.page), GNTMAP_host_map,
				    u.handle);
		ring->unmap_pages[ring->nr_unmap++] = u.page;
		if (ring->nr_unmap == PVBLKBACK_BATCH)
			pvblkback_unmap_batch(ring);
	}
	ring->nr_held_unmap = n;
	pvblkback_unmap_batch(ring);
}

/*
 * Worker housekeeping: hand the held requests whose pages are free back
 * to the done list (the next reap answers them) and unmap the deferred
 * evictions that are free.
 */
void pvblkback_held_retry(struct pvblkback_ring *ring)
{
	unsigned long flags;
	LIST_HEAD(ready);

	if (ring->nr_held)
		pvblkback_held_collect(ring, &ready);
	if (!list_empty(&ready)) {
		spin_lock_irqsave(&ring->done_lock, flags);
		list_splice_tail_init(&ready, &ring->done);
		spin_unlock_irqrestore(&ring->done_lock, flags);
	}
	if (ring->nr_held_unmap)
		pvblkback_held_unmap_retry(ring);
}

/*
 * Teardown: release the held requests whose pages are free and move them
 * to @answer (the ring is still mapped: the frontend gets its answers);
 * with @force, every held request, leaving the per-request pages still
 * in use mapped and out of the pool (leaked, still counted in
 * grants_mapped; a busy persistent page is left to the purge's deferred
 * unmap). Answering then is safe: a page left mapped stays granted, so
 * the frontend cannot hand it back to its allocator. Returns how many
 * pages were leaked.
 */
static unsigned int pvblkback_held_release(struct pvblkback_ring *ring,
					   bool force,
					   struct list_head *answer)
{
	struct pvblkback_req *preq, *tmp;
	unsigned int leaked = 0, i;

	list_for_each_entry_safe(preq, tmp, &ring->held, node) {
		if (!force && pvblkback_req_busy(preq))
			continue;
		for (i = 0; i < preq->nr_gnts; i++) {
			struct pvblkback_gnt *g = &preq->gnt[i];

			if (g->mapped && !g->pent && g->page &&
			    pvblkback_page_busy(ring, g->page)) {
				g->mapped = false;
				leaked++;
			}
		}
		pvblkback_release_grants(preq);
		preq->held = false;
		list_move_tail(&preq->node, answer);
		ring->nr_held--;
	}
	pvblkback_unmap_flush(ring);
	return leaked;
}

/*
 * Teardown, once every bio has completed and only held requests remain in
 * flight: wait until @deadline (jiffies; one for all the device's rings)
 * for the storage stack to free their pages, drain the persistent cache
 * (its pages may be deferred the same way) and wait for those within the
 * same bound. A page still in use then is never unmapped under the stack:
 * it stays mapped, leaked, with one log line. The held requests,
 * released, are moved to @answer for the caller to answer. @secs: the
 * wait @deadline ends, for the log line.
 */
void pvblkback_held_teardown(struct pvblkback_ring *ring,
			     unsigned long deadline, unsigned int secs,
			     struct list_head *answer)
{
	unsigned int leaked;

	for (;;) {
		pvblkback_held_release(ring, false, answer);
		if (!ring->nr_held || time_after(jiffies, deadline))
			break;
		msleep(20);
	}
	leaked = pvblkback_held_release(ring, true, answer);
	pvblkback_purge(ring, true);
	while (ring->nr_held_unmap && time_before(jiffies, deadline)) {
		msleep(20);
		pvblkback_held_unmap_retry(ring);
	}
	leaked += ring->nr_held_unmap;
	ring->nr_held_unmap = 0;
	if (leaked)
		dev_err(&ring->dev->xdev->dev,
			"ring %u: %u page(s) still in use by the storage stack %u s after disconnect: left mapped (leaked), not unmapped\n",
			ring->index, leaked, secs);
}

/*
 * Measure the references a page of the pool carries (the baseline of
 * pvblkback_page_busy()) and size the deferred-eviction list: it holds
 * every persistent grant plus a batch. Before the worker starts.
 */
int pvblkback_held_init(struct pvblkback_ring *ring)
{
	struct page *page;

	ring->page_refs = 1;
	if (!pvblkback_page_get(ring, &page)) {
		ring->page_refs = page_ref_count(page);
		gnttab_page_cache_put(&ring->pool, &page, 1);
	}
	ring->max_held_unmap = ring->cache.max + PVBLKBACK_BATCH;
	ring->held_unmap = kvcalloc(ring->max_held_unmap,
				    sizeof(*ring->held_unmap), GFP_KERNEL);
	if (!ring->held_unmap) {
		ring->max_held_unmap = 0;
		return -ENOMEM;
	}
	return 0;
}
