// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: pages granted to the backend.
 *
 * Three ways a request's data reaches the backend:
 *  - trusted backend, no persistent grants: the request's own pages are
 *    granted (read-only for writes) and the grants ended at completion -
 *    except while the disk is being added, when its requests go through
 *    pool pages as below (mq.c);
 *  - persistent grants: the data is copied through pages of a per-ring
 *    pool that stay granted for the whole connection and are reused;
 *  - untrusted backend: the data is always copied through pool pages that
 *    hold nothing else, zeroed around the data.
 *
 * In the first mode a page that is not ours to grant - a foreign page,
 * mapped from another domain's grant (a backend in this domain serving a
 * guest from a disk that is itself one of our VBDs: stacked VBDs) - goes
 * through a pool page like in the other two: Xen refuses a grant of a
 * page we do not own, and every such request would fail.
 *
 * Every such page belongs to a per-ring pool of at most ring->pool_max
 * pages (core/front_mem.c), whatever the mode: beyond it a request waits
 * for pool pages (pvblkfront_gpage_get() fails, the request gives back
 * what it took and is retried when another completes), so the memory a
 * backend can make the frontend spend on bounce, indirect and foreign
 * pages is bounded by the memory plan.  At connect the pool is filled
 * with the pages of one largest request (pvblkfront_pool_reserve()), in
 * process context: with no request in flight a request always finds its
 * pages without allocating, so I/O makes progress even when atomic
 * allocations fail (writeback and swap to an xvd disk under memory
 * pressure).  Beyond the reserve the pool grows lazily, one page at a
 * time.  With persistent grants a pool page is granted read-write when
 * first used and stays granted for the whole connection: a backend may
 * keep any grant of a persistent connection mapped.
 *
 * No page is ever freed or reused while the backend may still map it: a
 * grant that cannot be ended is handed to the grant table's deferred
 * freeing (gnttab_end_foreign_access() with the page) and the page leaves
 * the pool for good.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/slab.h>
#include <xen/page.h>

#include "common.h"

static int grant_page(struct pvblkfront_ring *ring,
		      struct pvblkfront_gpage *gp, bool readonly)
{
	int ref;

	ref = gnttab_grant_foreign_access(ring->dev->backend_id,
					  xen_page_to_gfn(gp->page), readonly);
	if (ref < 0)
		return ref;
	gp->gref = ref;
	gp->granted = true;
	return 0;
}

static struct pvblkfront_gpage *gpage_alloc(struct pvblkfront_ring *ring,
					    gfp_t gfp)
{
	struct pvblkfront_gpage *gp;

	gp = kzalloc(sizeof(*gp), gfp | __GFP_NOWARN);
	if (!gp)
		return NULL;
	gp->page = alloc_page(gfp | __GFP_NOWARN);
	if (!gp->page) {
		kfree(gp);
		return NULL;
	}
	ring->pool_count++;
	atomic_inc(&ring->dev->pool_pages);
	return gp;
}

/*
 * Take an idle pool page, or a new one while the pool is below its
 * bound.  Called with ring->lock held, so allocations do not sleep.  In
 * persistent mode the page comes granted read-write.  @zero: clear the
 * page (untrusted backend).
 */
struct pvblkfront_gpage *pvblkfront_gpage_get(struct pvblkfront_ring *ring,
					      bool zero)
{
	struct pvblkfront_device *dev = ring->dev;
	struct pvblkfront_gpage *gp;

	gp = list_first_entry_or_null(&ring->pool, struct pvblkfront_gpage,
				      node);
	if (gp) {
		list_del(&gp->node);
		if (dev->conn.persistent && gp->granted)
			atomic64_inc(&dev->stats.pgrant_reuse);
		if (zero)
			clear_highpage(gp->page);
	} else {
		if (ring->pool_count >= ring->pool_max)
			return NULL;	/* wait for a pool page (see above) */
		gp = gpage_alloc(ring, GFP_ATOMIC | (zero ? __GFP_ZERO : 0));
		if (!gp)
			return NULL;
	}
	if (dev->conn.persistent && !gp->granted &&
	    grant_page(ring, gp, false)) {
		list_add(&gp->node, &ring->pool);
		return NULL;
	}
	return gp;
}

/*
 * Fill the pool up to @pages idle pages (at most its bound) at connect;
 * process context, ring quiet.  -ENOMEM when it cannot.
 */
int pvblkfront_pool_reserve(struct pvblkfront_ring *ring, unsigned int pages)
{
	struct pvblkfront_gpage *gp;

	pages = min(pages, ring->pool_max);
	while (ring->pool_count < pages) {
		gp = gpage_alloc(ring, GFP_NOIO);
		if (!gp)
			return -ENOMEM;
		list_add(&gp->node, &ring->pool);
	}
	return 0;
}

/* Grant @gp for one request unless it is already (persistently) granted. */
int pvblkfront_gpage_grant(struct pvblkfront_ring *ring,
			   struct pvblkfront_gpage *gp, bool readonly)
{
	if (gp->granted)
		return 0;
	return grant_page(ring, gp, readonly);
}

/*
 * End @gp's grant.  Returns false when the backend still maps the page:
 * the page then belongs to the grant table's deferred freeing and
 * gp->page is cleared.
 */
bool pvblkfront_gpage_ungrant(struct pvblkfront_gpage *gp)
{
	if (!gp->granted)
		return true;
	gp->granted = false;
	if (gnttab_try_end_foreign_access(gp->gref))
		return true;
	/* Still mapped: freed by the grant table once the backend lets go. */
	gnttab_end_foreign_access(gp->gref, gp->page);
	gp->page = NULL;
	return false;
}

static void gpage_free(struct pvblkfront_ring *ring,
		       struct pvblkfront_gpage *gp)
{
	ring->pool_count--;
	atomic_dec(&ring->dev->pool_pages);
	if (gp->page)
		__free_page(gp->page);
	kfree(gp);
}

/*
 * Give a page back after its request.  A persistent pool page goes back
 * to the pool still granted; any other is ungranted first, and a page the
 * backend still maps is never reused (see pvblkfront_gpage_ungrant()).
 * @failed: the connection is going away, do not keep the page.
 */
void pvblkfront_gpage_put(struct pvblkfront_ring *ring,
			  struct pvblkfront_gpage *gp, bool failed)
{
	bool keep = !failed;

	if (!ring->dev->conn.persistent || failed)
		keep = pvblkfront_gpage_ungrant(gp) && keep;
	if (keep)
		list_add(&gp->node, &ring->pool);
	else
		gpage_free(ring, gp);
}

/* Free every idle pool page: at disconnect, with the ring quiet. */
void pvblkfront_pool_drain(struct pvblkfront_ring *ring)
{
	struct pvblkfront_gpage *gp, *tmp;

	list_for_each_entry_safe(gp, tmp, &ring->pool, node) {
		list_del(&gp->node);
		pvblkfront_gpage_ungrant(gp);
		gpage_free(ring, gp);
	}
}

/* Copy between a bounce page and the request's data at the same offset. */
static void copy_seg(struct page *gpage, struct scatterlist *sg, bool to_req)
{
	void *src, *dst;

	if (to_req) {
		src = kmap_local_page(gpage);
		dst = kmap_local_page(sg_page(sg));
	} else {
		src = kmap_local_page(sg_page(sg));
		dst = kmap_local_page(gpage);
	}
	memcpy(dst + sg->offset, src + sg->offset, sg->length);
	kunmap_local(dst);
	kunmap_local(src);
}

/*
 * Release what a finished (or abandoned) request held: copy read data
 * back when @copy_back, end every grant, return pages.  Pool and bounce
 * pages are ours: one the backend still maps goes to the grant table's
 * deferred freeing.  The request's own pages are not: a grant of one
 * that cannot be ended (the backend still maps it, and may write it) is
 * kept, compacted into sh->gref[0..n), and n is returned - the request
 * must then not complete until those grants end (held.c).  sh->rq is
 * left for the caller.
 */
unsigned int pvblkfront_shadow_release(struct pvblkfront_ring *ring,
				       struct pvblkfront_shadow *sh,
				       bool copy_back)
{
	bool failed = READ_ONCE(ring->dev->broken) || !READ_ONCE(ring->dev->connected);
	unsigned int i, mapped = 0;

	for (i = 0; i < sh->nr_segs; i++) {
		grant_ref_t ref = sh->gref[i];

		if (sh->gp[i]) {
			if (copy_back && sh->gp[i]->page)
				copy_seg(sh->gp[i]->page, &sh->sg[i], true);
			pvblkfront_gpage_put(ring, sh->gp[i], failed);
			sh->gp[i] = NULL;
			continue;
		}
		if (ref == INVALID_GRANT_REF)
			continue;
		sh->gref[i] = INVALID_GRANT_REF;
		if (!gnttab_try_end_foreign_access(ref))
			sh->gref[mapped++] = ref;
	}
	for (i = 0; i < sh->nr_ind; i++) {
		pvblkfront_gpage_put(ring, sh->ind[i], failed);
		sh->ind[i] = NULL;
	}
	sh->nr_ind = 0;
	sh->nr_segs = 0;
	return mapped;
}

/* Copy one segment of a write's data into its bounce page. */
void pvblkfront_bounce_fill(struct pvblkfront_gpage *gp,
			    struct scatterlist *sg)
{
	copy_seg(gp->page, sg, false);
}
