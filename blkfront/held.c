// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: requests whose pages the backend still maps.
 *
 * Without persistent grants a trusted backend is granted the request's
 * own pages - page cache pages, a user's direct-I/O buffer - and reads
 * are granted writable.  When a request finishes (answered, or failed
 * because the connection went away) and the grant of one of those pages
 * cannot be ended, the backend still maps the page and may still write
 * it.  Completing the request would hand the page back to its owner, who
 * frees or reuses it while the backend writes: corrupted memory in the
 * guest.  Such a request is held instead:
 *
 *  - its shadow keeps the grants still mapped (shadow->gref[0..nr_held))
 *    and its id stays busy, so the slot is not reused;
 *  - dev->held_work, on pvblkfront_wq, tries to end those grants every
 *    second and completes the request with an I/O error once all have
 *    ended - when the backend unmaps them, typically as it finishes the
 *    I/O it had in flight or sees us Closed;
 *  - when the rings are torn down, the held requests are adopted onto
 *    dev->held with their grant arrays (no allocation);
 *  - the disk cannot be deleted while a request is held (del_gendisk()
 *    waits for every request): its removal is left to the held work
 *    (dev->destroy_pending), and a device removed meanwhile is freed by
 *    it too (dev->removed);
 *  - the module is pinned while any request of a device is held, so it
 *    cannot be unloaded under the held work.
 *
 * Pages that are ours (pool, bounce, indirect and ring pages) never need
 * this: a grant of one that cannot be ended is handed to the grant
 * table's deferred freeing with the page.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "common.h"

/* How often held grants are tried again. */
#define HELD_RETRY	HZ

struct workqueue_struct *pvblkfront_wq;

/*
 * Hold request @id of @ring, whose release left @nr_mapped grants still
 * mapped (pvblkfront_shadow_release()); ring->lock held.  The id stays
 * busy and the request is not completed here.
 */
void pvblkfront_hold(struct pvblkfront_ring *ring, u32 id,
		     unsigned int nr_mapped)
{
	struct pvblkfront_device *dev = ring->dev;
	struct pvblkfront_shadow *sh = &ring->shadow[id];

	sh->held = true;
	sh->nr_held = nr_mapped;
	atomic64_inc(&dev->stats.held);
	if (atomic_inc_return(&dev->nr_held) == 1) {
		/* While unloading this changes nothing: see remove. */
		__module_get(THIS_MODULE);
		dev_info(&dev->xdev->dev, "backend %u still maps pages of finished requests: they are held until it lets go\n",
			 dev->backend_id);
	}
	queue_delayed_work(pvblkfront_wq, &dev->held_work, HELD_RETRY);
}

/*
 * End what grants of @refs[0..*n) can be ended, keeping the rest at the
 * front and every entry behind them invalid; true when none is left.
 */
static bool end_grants(grant_ref_t *refs, unsigned int *n)
{
	unsigned int i = 0;

	while (i < *n) {
		if (!gnttab_try_end_foreign_access(refs[i])) {
			i++;
			continue;
		}
		refs[i] = refs[--*n];
		refs[*n] = INVALID_GRANT_REF;
	}
	return *n == 0;
}

/*
 * Try once more to end a held shadow's grants; ring->lock held.  True when
 * all have ended: the shadow is no longer held, the caller completes its
 * request and frees its id.
 */
bool pvblkfront_held_retry(struct pvblkfront_shadow *sh)
{
	if (!end_grants(sh->gref, &sh->nr_held))
		return false;
	sh->held = false;
	return true;
}

/*
 * The ring is being torn down (its interrupt is gone): move its held
 * requests to dev->held, each with its shadow's grant array; dev->mutex
 * held.
 */
void pvblkfront_held_adopt(struct pvblkfront_ring *ring)
{
	struct pvblkfront_device *dev = ring->dev;
	unsigned int i;

	for (i = 0; ring->shadow && i < ring->nr_slots; i++) {
		struct pvblkfront_shadow *sh = &ring->shadow[i];
		struct pvblkfront_rq *p;

		if (!sh->held)
			continue;
		p = blk_mq_rq_to_pdu(sh->rq);
		p->held_refs = sh->gref;
		p->nr_held = sh->nr_held;
		list_add_tail(&p->held_node, &dev->held);
		sh->gref = NULL;
		sh->held = false;
		sh->rq = NULL;
	}
}

/* A held request may complete now: it fails (its I/O was given up). */
void pvblkfront_held_end(struct pvblkfront_device *dev, struct request *rq)
{
	pvblkfront_complete(rq, BLK_STS_IOERR);
	if (atomic_dec_and_test(&dev->nr_held))
		module_put(THIS_MODULE);
}

/* Retry the held requests still in ring slots; dev->mutex held. */
static void retry_rings(struct pvblkfront_device *dev)
{
	unsigned int r, i;

	for (r = 0; r < dev->nr_rings; r++) {
		struct pvblkfront_ring *ring = &dev->rings[r];

		spin_lock_irq(&ring->lock);
		for (i = 0; ring->shadow && i < ring->nr_slots; i++) {
			struct pvblkfront_shadow *sh = &ring->shadow[i];
			struct request *rq = sh->rq;

			if (!sh->held || !pvblkfront_held_retry(sh))
				continue;
			sh->rq = NULL;
			pvblk_fshadow_put(&ring->ids, i);
			pvblkfront_held_end(dev, rq);
		}
		spin_unlock_irq(&ring->lock);
	}
}

/* Retry the held requests adopted from torn-down rings; dev->mutex held. */
static void retry_adopted(struct pvblkfront_device *dev)
{
	struct pvblkfront_rq *p, *tmp;

	list_for_each_entry_safe(p, tmp, &dev->held, held_node) {
		if (!end_grants(p->held_refs, &p->nr_held))
			continue;
		list_del(&p->held_node);
		kvfree(p->held_refs);
		p->held_refs = NULL;
		pvblkfront_held_end(dev, blk_mq_rq_from_pdu(p));
	}
}

void pvblkfront_held_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(to_delayed_work(work), struct pvblkfront_device,
			     held_work);
	bool removed;

	mutex_lock(&dev->mutex);
	retry_rings(dev);
	retry_adopted(dev);
	if (atomic_read(&dev->nr_held)) {
		queue_delayed_work(pvblkfront_wq, &dev->held_work, HELD_RETRY);
		mutex_unlock(&dev->mutex);
		return;
	}
	if (dev->destroy_pending) {
		dev->destroy_pending = false;
		pvblkfront_disk_destroy(dev);
	}
	removed = dev->removed;
	mutex_unlock(&dev->mutex);
	if (!removed)
		return;
	/* pvblkfront_remove() left the device to us: nothing else uses it. */
	dev_info(&dev->xdev->dev, "backend let go of the last held page: device freed\n");
	put_device(&dev->xdev->dev);
	kfree(dev);
}
