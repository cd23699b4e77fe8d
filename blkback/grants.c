// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: a request's grants. Mapping them in batches of hypercalls,
 * giving them back when the request is done, batched unmapping, and
 * eviction from the persistent-grant cache. Everything here runs in the
 * ring's worker thread (or in teardown, once the worker has stopped) and
 * takes no lock: that state is the worker's alone.
 *
 * In persistent mode each segment is first looked up in the ring's
 * cache; misses are mapped (read-write, so they can serve later reads
 * too) and entered into the cache while it has room. A mapping the cache
 * refuses, and every mapping in non-persistent mode, belongs to the
 * request and is unmapped - in batches across requests - before the
 * request is answered. The unmap of a page the storage stack still
 * references is put off to ring->held_unmap, retried by the worker's
 * housekeeping.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/mm.h>
#include <xen/grant_table.h>

#include "common.h"

/*
 * A page for a mapping: from the ring's pool, or newly allocated when the
 * pool is empty (gnttab_page_cache_get() allocates then), which the
 * module-wide pvblkback_pages counts.
 */
int pvblkback_page_get(struct pvblkback_ring *ring, struct page **page)
{
	bool fresh = !ring->pool.num_pages;
	int err = gnttab_page_cache_get(&ring->pool, page);

	if (!err && fresh)
		atomic64_inc(&pvblkback_pages);
	return err;
}

/* Free pooled pages beyond @keep, and count them out of pvblkback_pages. */
void pvblkback_pool_shrink(struct pvblkback_ring *ring, unsigned int keep)
{
	unsigned int before = ring->pool.num_pages;

	gnttab_page_cache_shrink(&ring->pool, keep);
	atomic64_sub(before - ring->pool.num_pages, &pvblkback_pages);
}

/* Unmap the batch as it is and recycle its pages. */
void pvblkback_unmap_batch(struct pvblkback_ring *ring)
{
	struct pvblkback_stats *st = &ring->dev->stats;
	struct gntab_unmap_queue_data q = {
		.unmap_ops = ring->unmap_ops,
		.kunmap_ops = NULL,
		.pages = ring->unmap_pages,
		.count = ring->nr_unmap,
	};
	unsigned int i, good = 0;
	int err;

	if (!ring->nr_unmap)
		return;
	/*
	 * The _sync variant checks the pages' references once more and, in
	 * the unlikely case one was taken since our check, waits for it.
	 */
	err = gnttab_unmap_refs_sync(&q);
	atomic64_inc(&st->unmap_batches);
	atomic64_add(ring->nr_unmap, &st->unmaps);
	for (i = 0; i < ring->nr_unmap; i++) {
		/*
		 * A page whose unmap failed may still show the frontend's
		 * frame: it is never reused, and counted as still mapped.
		 */
		if (err || ring->unmap_ops[i].status != GNTST_okay)
			continue;
		ring->unmap_pages[good++] = ring->unmap_pages[i];
	}
	if (good != ring->nr_unmap)
		dev_err_ratelimited(&ring->dev->xdev->dev,
				    "ring %u: %u grant unmaps failed (%d), pages leaked\n",
				    ring->index, ring->nr_unmap - good, err);
	atomic64_sub(good, &st->grants_mapped);
	atomic64_sub(good, &pvblkback_grants_mapped);
	gnttab_page_cache_put(&ring->pool, ring->unmap_pages, good);
	ring->nr_unmap = 0;
}

/*
 * Unmap the queued mappings and recycle their pages, except those the
 * storage stack still references: they move to ring->held_unmap while it
 * has room (else the grant core's wait in pvblkback_unmap_batch() applies).
 */
void pvblkback_unmap_flush(struct pvblkback_ring *ring)
{
	unsigned int i, keep = 0;

	for (i = 0; i < ring->nr_unmap; i++) {
		struct page *page = ring->unmap_pages[i];
		struct pvblk_gc_unmap *u;

		if (!pvblkback_page_busy(ring, page)) {
			/* free: unmap it now */
		} else if (ring->nr_held_unmap < ring->max_held_unmap) {
			u = &ring->held_unmap[ring->nr_held_unmap++];
			u->page = page;
			u->handle = ring->unmap_ops[i].handle;
			atomic64_inc(&ring->dev->stats.unmap_deferred);
			continue;
		} else {
			atomic64_inc(&ring->dev->stats.unmap_deferred);
			dev_warn_ratelimited(&ring->dev->xdev->dev,
					     "ring %u: deferred unmaps full, waiting for a page still in use\n",
					     ring->index);
		}
		ring->unmap_ops[keep] = ring->unmap_ops[i];
		ring->unmap_pages[keep++] = page;
	}
	ring->nr_unmap = keep;
	pvblkback_unmap_batch(ring);
}

static void pvblkback_unmap_queue(struct pvblkback_ring *ring,
				  struct page *page, u32 handle)
{
	gnttab_set_unmap_op(&ring->unmap_ops[ring->nr_unmap],
			    pvblkback_kaddr(page), GNTMAP_host_map, handle);
	ring->unmap_pages[ring->nr_unmap++] = page;
	if (ring->nr_unmap == PVBLKBACK_BATCH)
		pvblkback_unmap_flush(ring);
}

/*
 * Give back every grant @preq holds: persistent ones to the cache, the
 * others to the unmap batch (the caller flushes it before answering).
 */
void pvblkback_release_grants(struct pvblkback_req *preq)
{
	struct pvblkback_ring *ring = preq->ring;
	u64 now = get_jiffies_64();
	unsigned int i;

	for (i = 0; i < preq->nr_gnts; i++) {
		struct pvblkback_gnt *g = &preq->gnt[i];

		if (g->pent) {
			pvblk_gc_put(&ring->cache, g->pent, now);
		} else if (g->mapped) {
			pvblkback_unmap_queue(ring, g->page, g->handle);
			atomic64_inc(&ring->dev->stats.np_unmaps);
		}
		g->pent = NULL;
		g->mapped = false;
		g->page = NULL;
	}
	preq->nr_gnts = 0;
}

/*
 * Evict persistent grants: the aged ones and, after an overflow, enough
 * least recently used idle ones to make room; with @all, every grant
 * (teardown: nothing may be in flight).
 */
void pvblkback_purge(struct pvblkback_ring *ring, bool all)
{
	struct pvblkback_stats *st = &ring->dev->stats;
	u64 now = get_jiffies_64();
	unsigned int i, n;

	if (!ring->cache.ent)
		return;
	do {
		if (all)
			n = pvblk_gc_drain(&ring->cache, ring->evict,
					   PVBLKBACK_BATCH);
		else
			n = pvblk_gc_shrink(&ring->cache, now, ring->evict,
					    PVBLKBACK_BATCH);
		for (i = 0; i < n; i++)
			pvblkback_unmap_queue(ring, ring->evict[i].page,
					      ring->evict[i].handle);
		atomic64_sub(n, &st->pgnt_mapped);
		atomic64_add(n, &st->pgnt_unmaps);
		if (!all)
			atomic64_add(n, &st->pgnt_evictions);
	} while (n == PVBLKBACK_BATCH);
	pvblkback_unmap_flush(ring);
}

/* Map the batch of misses; 0, or -EIO when any map failed. */
static int pvblkback_map_flush(struct pvblkback_ring *ring)
{
	struct pvblkback_stats *st = &ring->dev->stats;
	struct pvblk_gc_entry *e;
	unsigned int i;
	int ret = 0;

	if (!ring->nr_map)
		return 0;
	if (gnttab_map_refs(ring->map_ops, NULL, ring->map_pages, ring->nr_map))
		ret = -EIO;
	for (i = 0; i < ring->nr_map; i++) {
		struct gnttab_map_grant_ref *op = &ring->map_ops[i];
		struct pvblkback_gnt *g = ring->map_gnt[i];

		if (op->status != GNTST_okay) {
			gnttab_page_cache_put(&ring->pool, &ring->map_pages[i], 1);
			g->page = NULL;
			ret = -EIO;
			continue;
		}
		atomic64_inc(&st->grants_mapped);
		atomic64_inc(&pvblkback_grants_mapped);
		g->handle = op->handle;
		if (ring->persistent &&
		    !pvblk_gc_add(&ring->cache, g->gref, op->handle, g->page,
				  &e)) {
			g->pent = e;
			atomic64_inc(&st->pgnt_mapped);
		} else {
			g->mapped = true;
			atomic64_inc(&st->np_maps);
		}
	}
	ring->nr_map = 0;
	return ret;
}

/*
 * Make gnt[@first .. @first + @n) of @preq usable: cached ones by lookup,
 * the rest mapped (read-only when @ro and not persistent). On failure
 * what was mapped stays recorded in gnt[] for pvblkback_release_grants().
 */
int pvblkback_map(struct pvblkback_req *preq, unsigned int first,
		  unsigned int n, bool ro)
{
	struct pvblkback_ring *ring = preq->ring;
	struct pvblkback_stats *st = &ring->dev->stats;
	u32 flags = GNTMAP_host_map;
	unsigned int i;
	int ret = 0;

	if (ro && !ring->persistent)
		flags |= GNTMAP_readonly;
	for (i = first; i < first + n; i++) {
		struct pvblkback_gnt *g = &preq->gnt[i];
		struct gnttab_map_grant_ref *op;
		struct pvblk_gc_entry *e;

		if (ring->persistent) {
			e = pvblk_gc_get(&ring->cache, g->gref);
			if (e) {
				atomic64_inc(&st->pgnt_hits);
				g->pent = e;
				g->page = e->page;
				continue;
			}
			atomic64_inc(&st->pgnt_misses);
		}
		if (pvblkback_page_get(ring, &g->page)) {
			g->page = NULL;
			ret = -ENOMEM;
			break;
		}
		op = &ring->map_ops[ring->nr_map];
		gnttab_set_map_op(op, pvblkback_kaddr(g->page), flags, g->gref,
				  ring->dev->frontend_id);
		op->status = GNTST_general_error;
		ring->map_pages[ring->nr_map] = g->page;
		ring->map_gnt[ring->nr_map++] = g;
		if (ring->nr_map == PVBLKBACK_BATCH) {
			ret = pvblkback_map_flush(ring);
			if (ret)
				break;
		}
	}
	if (!ret)
		ret = pvblkback_map_flush(ring);
	else
		pvblkback_map_flush(ring);
	return ret;
}
