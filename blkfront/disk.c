// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: the block device - major 202 ("xvd"), one gendisk per vbd
 * named and numbered from its virtual-device (core/front_vdev.c), queue
 * limits from the negotiated features.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/hdreg.h>
#include <linux/module.h>

#include "common.h"
#include "compat/queue.h"

static int pvblkfront_getgeo(struct block_device *bdev,
			     struct hd_geometry *hg)
{
	sector_t n = get_capacity(bdev->bd_disk);

	/* A made-up CHS geometry, as partitioning tools want one. */
	hg->heads = 0xff;
	hg->sectors = 0x3f;
	hg->cylinders = min_t(sector_t, n / (0xff * 0x3f), 0xffff);
	return 0;
}

/*
 * No open/release: nothing here dereferences disk->private_data, so a
 * disk still open after its device was removed is harmless.
 */
static const struct block_device_operations pvblkfront_fops = {
	.owner = THIS_MODULE,
	.getgeo = pvblkfront_getgeo,
};

int pvblkfront_major_register(void)
{
	int err = register_blkdev(PVBLK_XVD_MAJOR, "xvd");

	if (err)
		pr_err("cannot register major %d (is xen-blkfront loaded?): %d\n",
		       PVBLK_XVD_MAJOR, err);
	return err;
}

void pvblkfront_major_unregister(void)
{
	unregister_blkdev(PVBLK_XVD_MAJOR, "xvd");
}

static void fill_limits(struct pvblkfront_device *dev, struct pvblk_qlimits *l)
{
	struct pvblk_front_caps caps = pvblk_front_cache_caps(READ_ONCE(dev->cache));

	memset(l, 0, sizeof(*l));
	l->logical_block_size = dev->sector_size;
	l->physical_block_size = dev->physical_sector_size;
	l->max_segments = dev->max_segs;
	l->max_hw_sectors = dev->max_segs * PVBLK_SECTORS_PER_PAGE;
	/* Each segment is at most one page and never crosses one. */
	l->max_segment_size = PAGE_SIZE;
	l->seg_boundary_mask = PAGE_SIZE - 1;
	l->dma_alignment = 511;
	if (dev->discard) {
		l->max_discard_sectors = UINT_MAX >> SECTOR_SHIFT;
		l->discard_granularity = dev->discard_granularity ?:
					 dev->physical_sector_size;
		l->discard_alignment = dev->discard_alignment;
		if (dev->secure)
			l->max_secure_erase_sectors = UINT_MAX >> SECTOR_SHIFT;
	}
	l->write_cache = caps.write_cache;
	l->fua = caps.fua;
}

/*
 * Queue limits of a live disk.
 *
 * The lifecycle (under dev->mutex) computes the limits and queues
 * dev->limits_work, which commits them without dev->mutex and without
 * freezing the queue.  Why neither:
 *
 *  - A freeze waits until no request holds a reference on the queue.
 *    Requests are held by the driver for as long as the queue is quiesced
 *    (from resume until the reconnect unquiesces it) and for as long as
 *    a backend withholds a response (until a close or the broken work
 *    fails it).  Those paths run under dev->mutex, in xenwatch, so a
 *    freeze there, or a wait for one under dev->mutex, hangs the device
 *    and with it every xenbus device of the guest.
 *  - On 6.12 the commit takes q->limits_lock, which a limit written
 *    through sysfs holds across a freeze of its own: waiting for it has
 *    the same dependency on our requests, so it is never done under
 *    dev->mutex or before the queue is unquiesced either.
 *
 * No freeze is needed for correctness: every request is checked against
 * its connection in ->queue_rq() (mq.c, rq_stale()), and one built
 * against older limits is handed back to the block layer, so requests
 * that meet the new limits late, or a concurrent split that reads a
 * mixture of old and new values, can only cost a resubmission.  The
 * segment size, boundary and DMA alignment never change.
 *
 * Ordering: the limits are made pending, under dev->pending_lock, before
 * any request can be dispatched to the connection they describe (a
 * reconnect unquiesces the queue only afterwards), and the work takes
 * the pending limits and the bios to resubmit in one critical section,
 * committing before it submits.  A bio handed back by a request that met
 * a connection is therefore submitted only once that connection's
 * limits are in force: split to its segment limit, and a FUA write given
 * the post-flush its cache mode needs.
 *
 * Lifetime: dev->disk is set before the work can be queued (the limits
 * are made pending only with a disk, bios come from its requests).
 * pvblkfront_disk_destroy() drops pending limits and flushes the work
 * before del_gendisk(), so no commit races the teardown, and again after
 * it, when every request has ended and before the queue is freed; a
 * request queues the work before it ends, so the second flush cannot
 * miss it, and nothing queues it after that (no request is dispatched,
 * and the cache work finds no disk under dev->mutex).  The work runs on
 * kblockd, which has a rescuer for writeback under memory pressure, and
 * is never concurrent with itself.
 */
void pvblkfront_limits_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(work, struct pvblkfront_device, limits_work);
	struct pvblk_qlimits l;
	struct bio_list bios;
	struct bio *bio;
	bool commit;

	spin_lock_irq(&dev->pending_lock);
	commit = dev->limits_pending;
	if (commit)
		l = dev->pending_limits;
	dev->limits_pending = false;
	bios = dev->resubmit;
	bio_list_init(&dev->resubmit);
	spin_unlock_irq(&dev->pending_lock);

	if (commit && pvblk_update_limits(dev->disk->queue, &l)) {
		/* Bios split by the old limits would only come back. */
		pvblkfront_mark_broken(dev, "cannot update the queue limits");
		while ((bio = bio_list_pop(&bios)))
			bio_io_error(bio);
		return;
	}
	pvblkfront_resubmit(&bios);
}

/*
 * Make the limits of the current connection and cache mode pending on a
 * live disk and queue dev->limits_work to commit them; dev->mutex held.
 * Never sleeps: the commit waits for nobody under dev->mutex.
 */
void pvblkfront_update_limits(struct pvblkfront_device *dev)
{
	struct pvblk_qlimits l;

	fill_limits(dev, &l);
	spin_lock_irq(&dev->pending_lock);
	dev->pending_limits = l;
	dev->limits_pending = true;
	spin_unlock_irq(&dev->pending_lock);
	kblockd_schedule_work(&dev->limits_work);
}

/*
 * The backend refused a flush (dev->cache turned off) or a discard
 * (dev->discard or dev->secure turned off) (ring.c): stop claiming it.
 * dev->mutex only keeps the disk and the fields fill_limits() reads
 * stable for the moment it takes; the commit
 * happens in dev->limits_work, so a close or the broken work never waits
 * behind this for a request the backend withholds.
 */
void pvblkfront_cache_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(work, struct pvblkfront_device, cache_work);

	mutex_lock(&dev->mutex);
	if (dev->disk)
		pvblkfront_update_limits(dev);
	mutex_unlock(&dev->mutex);
}

static const char *cache_name(enum pvblk_front_cache c)
{
	return c == PVBLK_FC_FLUSH ? "flush-cache" :
	       c == PVBLK_FC_BARRIER ? "barrier+fua" : "write-through";
}

/* Let held requests run again (they fail if the device is broken). */
void pvblkfront_unquiesce(struct pvblkfront_device *dev)
{
	if (!dev->disk || !dev->quiesced)
		return;
	dev->quiesced = false;
	blk_mq_unquiesce_queue(dev->disk->queue);
	blk_mq_kick_requeue_list(dev->disk->queue);
}

/*
 * The minors of the disks that exist.  Two vbds whose virtual-devices
 * name overlapping minors (a whole disk and one of its partitions, or one
 * disk under two encodings) cannot both have a disk: the second is
 * refused with a clear error instead of colliding in sysfs.
 */
static DEFINE_MUTEX(minors_lock);	/* minors_in_use, minors_dying */
static LIST_HEAD(minors_in_use);	/* of pvblkfront_device.minors_node */

static int claim_minors(struct pvblkfront_device *dev)
{
	u32 first = dev->vd.first_minor, last = first + dev->vd.nr_minors;
	struct pvblkfront_device *o;
	int err = 0;

	mutex_lock(&minors_lock);
	list_for_each_entry(o, &minors_in_use, minors_node) {
		if (first < o->vd.first_minor + o->vd.nr_minors &&
		    o->vd.first_minor < last) {
			if (o->minors_dying) {
				/* It goes once the backend lets go: retry. */
				err = -EAGAIN;
				break;
			}
			dev_err(&dev->xdev->dev, "%s (minors %u-%u) overlaps %s of %s: not created\n",
				dev->vd.name, first, last - 1, o->vd.name,
				dev_name(&o->xdev->dev));
			err = -EBUSY;
			break;
		}
	}
	if (!err) {
		dev->minors_dying = false;
		list_add(&dev->minors_node, &minors_in_use);
	}
	mutex_unlock(&minors_lock);
	return err;
}

/* The disk only waits for held requests before it goes (held.c). */
void pvblkfront_minors_dying(struct pvblkfront_device *dev)
{
	mutex_lock(&minors_lock);
	dev->minors_dying = true;
	mutex_unlock(&minors_lock);
}

static void release_minors(struct pvblkfront_device *dev)
{
	mutex_lock(&minors_lock);
	list_del(&dev->minors_node);
	mutex_unlock(&minors_lock);
}

/*
 * Allocate the disk of a connected device and claim its minors; dev->mutex
 * held.  It is added by pvblkfront_disk_add(), outside dev->mutex, and
 * dev->adding is set until then: nothing but the caller may delete or free
 * it meanwhile.  -EAGAIN: an earlier disk of these minors is still going.
 */
int pvblkfront_disk_alloc(struct pvblkfront_device *dev)
{
	struct blk_mq_tag_set *set = &dev->tag_set;
	struct pvblk_qlimits l;
	struct gendisk *disk;
	int err;

	err = claim_minors(dev);
	if (err)
		return err;
	memset(set, 0, sizeof(*set));
	set->ops = &pvblkfront_mq_ops;
	set->nr_hw_queues = dev->nr_rings;
	set->queue_depth = dev->rings[0].nr_slots;
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->cmd_size = pvblkfront_rq_size();
	set->driver_data = dev;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		goto out_minors;

	fill_limits(dev, &l);
	disk = pvblk_alloc_disk(set, &l, dev);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_tags;
	}
	strscpy(disk->disk_name, dev->vd.name, sizeof(disk->disk_name));
	disk->major = PVBLK_XVD_MAJOR;
	disk->first_minor = dev->vd.first_minor;
	disk->minors = dev->vd.nr_minors;
	disk->fops = &pvblkfront_fops;
	disk->private_data = dev;
	set_capacity(disk, dev->sectors);
	if (dev->info & PVBLK_VDISK_READONLY)
		set_disk_ro(disk, true);
	if (dev->info & (PVBLK_VDISK_REMOVABLE | PVBLK_VDISK_CDROM))
		disk->flags |= GENHD_FL_REMOVABLE;
	dev->disk = disk;
	WRITE_ONCE(dev->adding, true);
	return 0;

out_tags:
	blk_mq_free_tag_set(set);
out_minors:
	release_minors(dev);
	return err;
}

/*
 * Add the disk allocated by pvblkfront_disk_alloc(); dev->mutex NOT held.
 * device_add_disk() reads the partition table and waits for those reads:
 * only a backend that answers them, or a close that fails them, lets it
 * return.  Holding dev->mutex here would keep that close from running.
 */
int pvblkfront_disk_add(struct pvblkfront_device *dev)
{
	return device_add_disk(&dev->xdev->dev, dev->disk,
			       pvblkfront_disk_groups);
}

/*
 * Free a disk whose device_add_disk() failed; dev->mutex held, dev->adding
 * cleared.  No request can have been queued: the disk never went live.
 */
void pvblkfront_disk_free(struct pvblkfront_device *dev)
{
	spin_lock_irq(&dev->pending_lock);
	dev->limits_pending = false;
	spin_unlock_irq(&dev->pending_lock);
	flush_work(&dev->limits_work);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
	dev->disk = NULL;
	dev->quiesced = false;
	dev->destroy_pending = false;
	release_minors(dev);
}

/* The disk is added and connected: one line for the log. */
void pvblkfront_disk_announce(struct pvblkfront_device *dev)
{
	dev_info(&dev->xdev->dev,
		 "%s: %llu sectors, %u/%u bytes, %u queue(s) of %u, ring order %u, cache %s, persistent %s, indirect %u, %s\n",
		 dev->disk->disk_name, dev->sectors, dev->sector_size,
		 dev->physical_sector_size, dev->nr_rings,
		 dev->rings[0].nr_slots, dev->conn.ring_order,
		 cache_name(dev->cache), dev->conn.persistent ? "on" : "off",
		 dev->conn.max_indirect_segs,
		 dev->trusted ? "trusted" : "untrusted (bounce)");
}

/* Remove the disk, failing whatever is still queued; dev->mutex held. */
void pvblkfront_disk_destroy(struct pvblkfront_device *dev)
{
	if (!dev->disk)
		return;
	if (dev->adding) {
		/*
		 * device_add_disk() has not returned: the connect work
		 * deletes the disk once it has (xenbus.c).  Its minors are
		 * going, as for a disk that waits for held requests.
		 */
		dev->destroy_pending = true;
		pvblkfront_minors_dying(dev);
		return;
	}
	/* Requeued requests must not wait for a reconnect that never comes. */
	pvblkfront_unquiesce(dev);
	/*
	 * No limits are committed once the teardown starts: del_gendisk()
	 * frees what a commit updates (6.1: the write-back throttling the
	 * cache setter reaches).  Wait for a commit under way; bios the work
	 * resubmits meanwhile go to the live queue and complete or fail.
	 */
	spin_lock_irq(&dev->pending_lock);
	dev->limits_pending = false;
	spin_unlock_irq(&dev->pending_lock);
	flush_work(&dev->limits_work);
	del_gendisk(dev->disk);
	/*
	 * No request is left and none is dispatched again: the limits work
	 * cannot be queued any more.  Let it finish before the queue is
	 * freed; bios it still resubmits fail, the disk is dead.  It takes
	 * no dev->mutex, and whatever its commit may wait for (a sysfs
	 * writer's freeze) ended with the requests.
	 */
	flush_work(&dev->limits_work);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->tag_set);
	dev->disk = NULL;
	release_minors(dev);
}
