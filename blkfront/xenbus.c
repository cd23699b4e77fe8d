// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: the xenbus frontend driver for device type "vbd" -
 * negotiation with the backend and the device lifecycle.
 *
 *   backend InitWait   read its features, negotiate (core/negotiate.c),
 *                      share the rings, write our keys in one transaction,
 *                      go Initialised
 *   backend Connected  read the disk's geometry and features; a new disk
 *                      is created and added by connect_work, outside
 *                      xenwatch, which then goes Connected; after resume
 *                      re-issue what was in flight and go Connected
 *   backend Closing    the disk is dead (new I/O fails), go Closed and
 *                      let the backend finish what it has in flight: its
 *                      answers still complete requests, the rings stay
 *   backend Closed/    or CLOSE_GRACE later: fail what is left, free the
 *   Unknown            rings, remove the disk even if it is open (it then
 *                      fails every access)
 *   resume             requests in flight go back to blk-mq, rings are
 *                      rebuilt against the (maybe different) backend and
 *                      the requests re-issued once it is Connected
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/xenbus.h>

#include "common.h"

/* How long a closing backend may take to finish its requests. */
#define CLOSE_GRACE	(5 * HZ)
/* How long I/O is held for a backend that closed without Closing. */
#define RETURN_GRACE	(30 * HZ)

/* Read a backend key as a string; NULL when absent. Free with kfree(). */
static char *read_key(struct pvblkfront_device *dev, const char *key)
{
	char *s = xenbus_read(XBT_NIL, dev->xdev->otherend, key, NULL);

	return IS_ERR(s) ? NULL : s;
}

static int read_back_offer(struct pvblkfront_device *dev,
			   struct pvblk_back_offer *offer)
{
	static const char *const keys[] = {
		"feature-persistent", "max-ring-page-order",
		"multi-queue-max-queues", "feature-max-indirect-segments",
	};
	char *v[ARRAY_SIZE(keys)];
	enum pvblk_neg_err err;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		v[i] = read_key(dev, keys[i]);
	err = pvblk_parse_back_offer(offer, v[0], v[1], v[2], v[3]);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		kfree(v[i]);
	if (err) {
		xenbus_dev_fatal(dev->xdev, -EINVAL, "backend features unusable: %s",
				 pvblk_neg_reason(err));
		return -EINVAL;
	}
	return 0;
}

/* Write one ring's keys under @dir ("" or "queue-N/"). */
static int write_ring_keys(struct xenbus_transaction xbt,
			   struct pvblkfront_device *dev,
			   struct pvblkfront_ring *ring, const char *dir)
{
	const char *node = dev->xdev->nodename;
	char key[32];
	unsigned int i;
	int err;

	if (dev->conn.ring_order == 0) {
		snprintf(key, sizeof(key), "%sring-ref", dir);
		err = xenbus_printf(xbt, node, key, "%u", ring->ring_ref[0]);
		if (err)
			return err;
	} else {
		for (i = 0; i < ring->nr_pages; i++) {
			snprintf(key, sizeof(key), "%sring-ref%u", dir, i);
			err = xenbus_printf(xbt, node, key, "%u",
					    ring->ring_ref[i]);
			if (err)
				return err;
		}
	}
	snprintf(key, sizeof(key), "%sevent-channel", dir);
	return xenbus_printf(xbt, node, key, "%u", ring->evtchn);
}

/*
 * Remove the ring keys an earlier connection left in our directory - after
 * a rebind, or another driver's connection - so that none describes rings
 * this one does not have (the backend would map stale grants).
 */
static int remove_ring_keys(struct xenbus_transaction xbt, const char *node)
{
	unsigned int i, n;
	char **names;
	int err = 0;

	names = xenbus_directory(xbt, node, "", &n);
	if (IS_ERR(names))
		return PTR_ERR(names);
	for (i = 0; i < n && !err; i++)
		if (pvblk_front_ring_key(names[i]))
			err = xenbus_rm(xbt, node, names[i]);
	kfree(names);
	return err;
}

static int write_keys(struct pvblkfront_device *dev)
{
	const char *node = dev->xdev->nodename;
	struct xenbus_transaction xbt;
	char dir[24];
	unsigned int i;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	err = remove_ring_keys(xbt, node);
	if (err)
		goto abort;
	if (dev->conn.ring_order) {
		err = xenbus_printf(xbt, node, "ring-page-order", "%u",
				    dev->conn.ring_order);
		if (err)
			goto abort;
	}
	if (dev->nr_rings == 1) {
		err = write_ring_keys(xbt, dev, &dev->rings[0], "");
	} else {
		err = xenbus_printf(xbt, node, "multi-queue-num-queues", "%u",
				    dev->nr_rings);
		for (i = 0; !err && i < dev->nr_rings; i++) {
			snprintf(dir, sizeof(dir), "queue-%u/", i);
			err = write_ring_keys(xbt, dev, &dev->rings[i], dir);
		}
	}
	if (err)
		goto abort;
	err = xenbus_printf(xbt, node, "protocol", "%s", "x86_64-abi");
	if (err)
		goto abort;
	/* Our own cached parameter, never the negotiated value. */
	err = xenbus_printf(xbt, node, "feature-persistent", "%u",
			    pvblk_advertise_persistent(dev->cfg.persistent));
	if (err)
		goto abort;
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;

abort:
	xenbus_transaction_end(xbt, 1);
	return err;
}

/*
 * Fit the negotiated limits into this guest's memory (core/front_mem.c):
 * what the rings allocate at connect, and the bound of each ring's pool.
 * One line when anything had to be lowered.
 */
static void fit_memory(struct pvblkfront_device *dev)
{
	static const struct pvblk_front_mem_sizes sz = {
		.slot_fixed = sizeof(struct pvblkfront_shadow),
		.slot_per_seg = PVBLKFRONT_SLOT_PER_SEG,
		.pool_cap = PVBLKFRONT_POOL_MAX,
	};
	struct pvblk_conn want = dev->conn;
	struct pvblk_front_mem_plan plan;

	pvblk_front_mem_clamp(&dev->conn,
			      pvblk_front_mem_budget(totalram_pages()), &sz,
			      &plan);
	dev->pool_max = plan.pool_pages;
	dev->shadow_bytes = plan.shadow_bytes;
	dev->budget_bytes = plan.budget_bytes;
	if (plan.clamped)
		dev_info(&dev->xdev->dev, "memory: budget %llu KiB per disk: queues %u->%u, ring order %u->%u, indirect segments %u->%u; %llu KiB at connect, pool %u pages per ring\n",
			 plan.budget_bytes >> 10, want.nr_queues,
			 dev->conn.nr_queues, want.ring_order,
			 dev->conn.ring_order, want.max_indirect_segs,
			 dev->conn.max_indirect_segs, plan.shadow_bytes >> 10,
			 plan.pool_pages);
}

/* Negotiate, share the rings and tell the backend; dev->mutex held. */
static int talk_to_backend(struct pvblkfront_device *dev)
{
	struct pvblk_back_offer offer;
	unsigned int i;
	int err;

	dev->closing = false;
	dev->cfg.persistent = READ_ONCE(pvblkfront_params.feature_persistent);
	dev->cfg.max_ring_order = READ_ONCE(pvblkfront_params.max_ring_page_order);
	dev->cfg.max_queues = READ_ONCE(pvblkfront_params.max_queues);
	dev->cfg.max_indirect_segs =
		READ_ONCE(pvblkfront_params.max_indirect_segments);
	/* The toolstack may mark a backend untrusted in our own directory. */
	dev->trusted = READ_ONCE(pvblkfront_params.trusted) &&
		       xenbus_read_unsigned(dev->xdev->nodename, "trusted", 1);

	err = read_back_offer(dev, &offer);
	if (err)
		return err;
	pvblk_negotiate_front(&dev->cfg, &offer, num_online_cpus(), &dev->conn);
	fit_memory(dev);

	err = pvblkfront_rings_alloc(dev);
	if (err)
		return err;
	/* Segment limit before the shadows are sized; cache mode comes later. */
	dev->max_segs = pvblk_front_max_segs(dev->conn.max_indirect_segs,
					     PVBLK_FC_NONE);
	for (i = 0; i < dev->nr_rings; i++) {
		err = pvblkfront_ring_setup(&dev->rings[i]);
		if (err)
			goto out_rings;
	}
	err = write_keys(dev);
	if (err) {
		xenbus_dev_fatal(dev->xdev, err, "writing frontend keys");
		goto out_rings;
	}
	return xenbus_switch_state(dev->xdev, XenbusStateInitialised);

out_rings:
	pvblkfront_rings_free(dev);
	return err;
}

/* Read the disk's description once the backend is Connected. */
static int read_disk(struct pvblkfront_device *dev)
{
	const char *be = dev->xdev->otherend;
	unsigned long long sectors;
	unsigned int info, ssize, flush, barrier;
	struct pvblk_back_offer offer;
	struct pvblk_conn now;
	int err;

	err = xenbus_gather(XBT_NIL, be, "sectors", "%llu", &sectors,
			    "info", "%u", &info, "sector-size", "%u", &ssize,
			    NULL);
	if (err) {
		xenbus_dev_fatal(dev->xdev, err, "reading backend %s", be);
		return err;
	}
	if (ssize < 512 || ssize > PAGE_SIZE || !is_power_of_2(ssize)) {
		xenbus_dev_fatal(dev->xdev, -EINVAL,
				 "backend sector-size %u unusable", ssize);
		return -EINVAL;
	}
	/* Bios already aligned to the old size may be in flight. */
	if (dev->disk && ssize != dev->sector_size) {
		xenbus_dev_fatal(dev->xdev, -EINVAL,
				 "backend sector-size changed from %u to %u across a reconnect",
				 dev->sector_size, ssize);
		return -EINVAL;
	}
	dev->sectors = sectors;
	dev->info = info;
	dev->sector_size = ssize;
	dev->physical_sector_size =
		xenbus_read_unsigned(be, "physical-sector-size", ssize);
	if (dev->physical_sector_size < ssize ||
	    !is_power_of_2(dev->physical_sector_size))
		dev->physical_sector_size = ssize;

	flush = xenbus_read_unsigned(be, "feature-flush-cache", 0);
	barrier = xenbus_read_unsigned(be, "feature-barrier", 0);
	dev->cache = pvblk_front_cache_mode(flush, barrier);
	/*
	 * Backends write feature-persistent only when they connect: decide
	 * persistent grants now (the rings carry no I/O yet).  The other
	 * limits were fixed when the rings were sized and may only shrink.
	 */
	err = read_back_offer(dev, &offer);
	if (err)
		return err;
	pvblk_negotiate_front(&dev->cfg, &offer, num_online_cpus(), &now);
	dev->conn.persistent = now.persistent;
	dev->conn.max_indirect_segs = min(dev->conn.max_indirect_segs,
					  now.max_indirect_segs);
	dev->max_segs = pvblk_front_max_segs(dev->conn.max_indirect_segs,
					     PVBLK_FC_NONE);

	dev->discard = xenbus_read_unsigned(be, "feature-discard", 0);
	dev->secure = dev->discard &&
		      xenbus_read_unsigned(be, "discard-secure", 0);
	dev->discard_granularity =
		xenbus_read_unsigned(be, "discard-granularity", 0);
	dev->discard_alignment =
		xenbus_read_unsigned(be, "discard-alignment", 0);
	if (dev->discard_granularity &&
	    !is_power_of_2(dev->discard_granularity))
		dev->discard_granularity = 0;
	/* Barrier mode cannot send big FUA writes: no indirect requests. */
	dev->max_segs = min(dev->max_segs,
			    pvblk_front_max_segs(dev->conn.max_indirect_segs,
						 dev->cache));
	return 0;
}

/*
 * Fill each ring's pool with the pages of one largest request
 * (grants.c): its data pages when they go through pool pages (persistent
 * grants, an untrusted backend), and its indirect pages.  A disk yet to
 * be added gets the data pages of one direct request as well: its
 * partition reads, single pages, go through pool pages too (mq.c).
 */
static int reserve_pools(struct pvblkfront_device *dev)
{
	unsigned int i, pages = pvblk_front_indirect_pages(dev->max_segs);
	int err;

	if (dev->conn.persistent || !dev->trusted)
		pages += dev->max_segs;
	else if (!dev->disk)
		pages += PVBLK_MAX_SEGS_DIRECT;
	for (i = 0; i < dev->nr_rings; i++) {
		err = pvblkfront_pool_reserve(&dev->rings[i], pages);
		if (err) {
			xenbus_dev_fatal(dev->xdev, err, "reserving %u pool pages per ring",
					 pages);
			return err;
		}
	}
	return 0;
}

static void do_connect(struct pvblkfront_device *dev)
{
	int err;

	if (dev->connected) {
		/*
		 * A second Connected: the backend resized the disk.  One the
		 * connect work has not created yet gets the new size.
		 */
		unsigned long long sectors;

		if (xenbus_scanf(XBT_NIL, dev->xdev->otherend, "sectors",
				 "%llu", &sectors) == 1 &&
		    sectors != dev->sectors) {
			dev->sectors = sectors;
			if (dev->disk)
				set_capacity_and_notify(dev->disk, sectors);
		}
		return;
	}
	if (!dev->nr_rings)
		return;		/* not set up by us: nothing to connect */
	err = read_disk(dev);
	if (!err)
		err = reserve_pools(dev);
	if (err) {
		/* A disk whose reconnect failed: its held I/O fails now. */
		if (dev->disk) {
			pvblkfront_mark_broken(dev, "reconnect refused");
			pvblkfront_unquiesce(dev);
		}
		return;
	}
	dev->awaiting = false;
	WRITE_ONCE(dev->broken, false);
	WRITE_ONCE(dev->connected, true);
	if (!dev->disk) {
		/*
		 * A new disk: dev->connect_work creates and adds it, and goes
		 * Connected.  Adding reads the partition table from this
		 * backend; here, in xenwatch, that wait would stop every
		 * xenbus device of the guest, this one's close included.
		 */
		queue_delayed_work(system_unbound_wq, &dev->connect_work, 0);
		return;
	}
	/*
	 * Reconnected after resume or a restart of the backend.  The
	 * requests requeued then (and any built since) hold references on
	 * the queue until they are dispatched, which the quiesce prevents:
	 * nothing here may wait for them, so the new limits are only made
	 * pending - committed by dev->limits_work, no freeze (disk.c) -
	 * before the queue is let go.  A request that does not fit this
	 * connection goes back to the block layer at dispatch.  A disk
	 * still being added gets the same: its partition scan's reads are
	 * among the requests held.
	 */
	pvblkfront_update_limits(dev);
	set_capacity_and_notify(dev->disk, dev->sectors);
	pvblkfront_unquiesce(dev);
	xenbus_switch_state(dev->xdev, XenbusStateConnected);
}

/*
 * Requests in flight have been failed (or held): free the rings and
 * remove the disk; dev->mutex held.  While requests are held the disk
 * cannot be deleted (that waits for every request): the held work does it
 * once they are done (held.c).
 */
static void teardown(struct pvblkfront_device *dev)
{
	/* No dispatch may look at the rings while they go. */
	if (dev->disk && !dev->quiesced) {
		blk_mq_quiesce_queue(dev->disk->queue);
		dev->quiesced = true;
	}
	pvblkfront_rings_free(dev);
	dev->closing = false;
	if (!dev->disk)
		return;
	/* Not connected: whatever is queued, or comes, fails at once. */
	set_capacity(dev->disk, 0);
	pvblkfront_unquiesce(dev);
	if (atomic_read(&dev->nr_held)) {
		dev->destroy_pending = true;
		pvblkfront_minors_dying(dev);
	} else {
		dev->destroy_pending = false;
		pvblkfront_disk_destroy(dev);
	}
}

/* Stop waiting for a closing backend: what it did not answer fails. */
static void close_now(struct pvblkfront_device *dev)
{
	cancel_delayed_work(&dev->close_work);
	WRITE_ONCE(dev->broken, true);
	pvblkfront_fail_all(dev, BLK_STS_IOERR, false);
	teardown(dev);
}

/*
 * The backend is going (@gone: gone) - the disk dies; dev->mutex held.
 * A backend that is only Closing still maps the rings and the pages of
 * the requests it has in flight, and finishes them once it sees us
 * Closed (the stock one waits for its I/O, then unmaps): freeing them
 * now would let it write into pages the guest reuses.  So new I/O fails
 * (capacity 0, not connected), we go Closed and keep consuming answers
 * until the backend is Closed too, or CLOSE_GRACE has passed.  Nothing
 * here may wait for I/O: on 6.12 blk_mark_disk_dead() syncs the device
 * and evicts a mounted filesystem's inodes, waiting on writeback that
 * only this backend or the held work can end; del_gendisk() in the
 * teardown marks the disk dead once nothing is outstanding.
 */
static void do_close(struct pvblkfront_device *dev, bool gone)
{
	struct xenbus_device *xdev = dev->xdev;

	if (dev->nr_rings || dev->disk) {
		bool first = !dev->closing;

		if (first) {
			dev->closing = true;
			if (dev->connected && !READ_ONCE(dev->broken))
				dev_warn(&xdev->dev, "backend closing: %s removed, its I/O fails\n",
					 dev->vd.name);
			WRITE_ONCE(dev->connected, false);
			if (dev->disk)
				set_capacity(dev->disk, 0);
		}
		/*
		 * The grace starts at the first Closing - replacing what is
		 * left of a RETURN_GRACE - and a backend writing Closing
		 * again does not extend it.
		 */
		if (gone || READ_ONCE(dev->broken) || !dev->nr_rings)
			close_now(dev);
		else if (first)
			mod_delayed_work(pvblkfront_wq, &dev->close_work,
					 CLOSE_GRACE);
	}
	xenbus_frontend_closed(xdev);
}

/*
 * The backend went Closed while connected, without Closing first: its
 * driver was unloaded or restarted in its domain, not a detach (the
 * toolstack closes a backend through Closing, and then removes our
 * device).  Like a resume, the disk stays: what is in flight goes back to
 * blk-mq (held, if the backend still maps its pages), the queue is held,
 * the rings go, and we start over from Initialising, so a backend that
 * comes back (InitWait) is reconnected and the held I/O re-issued.  If it
 * does not come back within RETURN_GRACE the held I/O fails; the disk
 * stays until the device is removed, and a later return still connects
 * it.  A disk the connect work is adding is treated alike (its partition
 * reads are held); one it has not created yet is created once the
 * backend returns.  dev->mutex held.
 */
static void await_return(struct pvblkfront_device *dev)
{
	dev_warn(&dev->xdev->dev, "backend %u closed without closing: %s's I/O is held for %u s for it to return\n",
		 dev->backend_id, dev->vd.name, RETURN_GRACE / HZ);
	if (dev->disk && !dev->quiesced) {
		blk_mq_quiesce_queue(dev->disk->queue);
		dev->quiesced = true;
	}
	WRITE_ONCE(dev->connected, false);
	pvblkfront_fail_all(dev, BLK_STS_OK, true);
	pvblkfront_rings_free(dev);
	dev->awaiting = true;
	/* From this restart on, not from an earlier one's. */
	mod_delayed_work(pvblkfront_wq, &dev->close_work, RETURN_GRACE);
	xenbus_switch_state(dev->xdev, XenbusStateInitialising);
}

static void pvblkfront_close_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(to_delayed_work(work), struct pvblkfront_device,
			     close_work);

	mutex_lock(&dev->mutex);
	if (dev->closing) {
		dev_warn(&dev->xdev->dev, "backend %u did not finish within %u s of closing: what it has not answered fails\n",
			 dev->backend_id, CLOSE_GRACE / HZ);
		close_now(dev);
	} else if (dev->awaiting && !dev->connected) {
		dev_warn(&dev->xdev->dev, "backend %u did not return within %u s: %s's held I/O fails\n",
			 dev->backend_id, RETURN_GRACE / HZ, dev->vd.name);
		WRITE_ONCE(dev->broken, true);
		pvblkfront_unquiesce(dev);
	}
	mutex_unlock(&dev->mutex);
}

/*
 * Create and add the disk of a device do_connect() connected, then go
 * Connected.  Runs on system_unbound_wq, not in xenwatch nor on
 * pvblkfront_wq: device_add_disk() waits for the partition scan's reads,
 * which only the backend's answers or a close end, and the close paths
 * run in xenwatch and, after CLOSE_GRACE, in dev->close_work.
 *
 * dev->mutex is held to allocate the disk and after the add, never across
 * device_add_disk(): a Closing, Closed, resume or remove meanwhile takes
 * it as usual, fails (or holds) the scan's reads and tears the rings
 * down; dev->adding keeps the disk itself for this work, which deletes it
 * afterwards when the device was torn down meanwhile (destroy_pending).
 * The device was connected when the work was queued; if it is not any
 * more when the work runs, there is nothing to add.  Minors still taken
 * by a disk that is going: tried again a second later.
 */
static void pvblkfront_connect_work(struct work_struct *work)
{
	struct pvblkfront_device *dev =
		container_of(to_delayed_work(work), struct pvblkfront_device,
			     connect_work);
	int err;

	mutex_lock(&dev->mutex);
	if (dev->disk || !dev->connected || !dev->nr_rings)
		goto out;
	err = pvblkfront_disk_alloc(dev);
	if (err == -EAGAIN) {
		queue_delayed_work(system_unbound_wq, &dev->connect_work, HZ);
		goto out;
	}
	if (err)
		goto fail;
	mutex_unlock(&dev->mutex);

	err = pvblkfront_disk_add(dev);

	mutex_lock(&dev->mutex);
	WRITE_ONCE(dev->adding, false);
	if (err) {
		pvblkfront_disk_free(dev);
		goto fail;
	}
	if (dev->destroy_pending) {
		/*
		 * Torn down meanwhile.  The add's own reads are never held
		 * (pool pages), but any held request leaves it to held.c.
		 */
		if (!atomic_read(&dev->nr_held)) {
			dev->destroy_pending = false;
			pvblkfront_disk_destroy(dev);
		}
		goto out;
	}
	/* Not connected now: a resume or restart reconnects it later. */
	if (dev->connected) {
		pvblkfront_disk_announce(dev);
		xenbus_switch_state(dev->xdev, XenbusStateConnected);
	}
out:
	mutex_unlock(&dev->mutex);
	return;

fail:
	if (dev->connected) {
		WRITE_ONCE(dev->connected, false);
		xenbus_dev_fatal(dev->xdev, err, "creating the disk");
	}
	mutex_unlock(&dev->mutex);
}

static void pvblkfront_backend_changed(struct xenbus_device *xdev,
				       enum xenbus_state state)
{
	struct pvblkfront_device *dev = dev_get_drvdata(&xdev->dev);

	mutex_lock(&dev->mutex);
	switch (state) {
	case XenbusStateInitWait:
		if (xdev->state != XenbusStateInitialising)
			break;
		if (talk_to_backend(dev))
			xenbus_switch_state(xdev, XenbusStateClosed);
		break;
	case XenbusStateConnected:
		if (xdev->state == XenbusStateInitialised ||
		    xdev->state == XenbusStateConnected)
			do_connect(dev);
		break;
	case XenbusStateClosed:
	case XenbusStateUnknown:
		/*
		 * Initialising: the device was just bound again, nothing is
		 * set up, and this is the backend's state from the last
		 * connection; it answers our Initialising with InitWait.
		 */
		if (xdev->state == XenbusStateInitialising)
			break;
		/*
		 * Closed without Closing while connected - also while the
		 * connect work creates or adds the disk (still Initialised
		 * here): the backend restarted, wait for it to return.
		 */
		if (state == XenbusStateClosed && !dev->closing &&
		    !READ_ONCE(dev->broken) &&
		    ((xdev->state == XenbusStateConnected && dev->disk) ||
		     (xdev->state == XenbusStateInitialised && dev->connected))) {
			await_return(dev);
			break;
		}
		do_close(dev, true);
		break;
	case XenbusStateClosing:
		do_close(dev, false);
		break;
	default:
		break;
	}
	mutex_unlock(&dev->mutex);
}

static int pvblkfront_probe(struct xenbus_device *xdev,
			    const struct xenbus_device_id *id)
{
	struct pvblkfront_device *dev;
	unsigned int vdevice, handle;
	int err;

	err = xenbus_scanf(XBT_NIL, xdev->nodename, "virtual-device", "%u",
			   &vdevice);
	if (err != 1) {
		err = xenbus_scanf(XBT_NIL, xdev->nodename,
				   "virtual-device-ext", "%u", &vdevice);
		if (err != 1) {
			xenbus_dev_fatal(xdev, -ENOENT, "reading virtual-device");
			return -ENOENT;
		}
	}
	if (kstrtouint(strrchr(xdev->nodename, '/') + 1, 0, &handle))
		handle = vdevice;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	if (pvblk_front_vdev(vdevice, &dev->vd)) {
		dev_err(&xdev->dev, "virtual-device %#x names no xvd disk; use an xvd name\n",
			vdevice);
		kfree(dev);
		return -ENODEV;
	}
	dev->xdev = xdev;
	dev->backend_id = xdev->otherend_id;
	dev->vdevice = vdevice;
	dev->handle = handle;
	mutex_init(&dev->mutex);
	INIT_WORK(&dev->broken_work, pvblkfront_broken_work);
	INIT_WORK(&dev->cache_work, pvblkfront_cache_work);
	spin_lock_init(&dev->pending_lock);
	bio_list_init(&dev->resubmit);
	INIT_WORK(&dev->limits_work, pvblkfront_limits_work);
	INIT_DELAYED_WORK(&dev->close_work, pvblkfront_close_work);
	INIT_DELAYED_WORK(&dev->connect_work, pvblkfront_connect_work);
	INIT_LIST_HEAD(&dev->held);
	INIT_DELAYED_WORK(&dev->held_work, pvblkfront_held_work);
	dev_set_drvdata(&xdev->dev, dev);
	/*
	 * Bound again after an unbind (or a reload of the module after one):
	 * the remove left the device Closed, and its backend with it. Going
	 * back to Initialising asks the backend for a new connection.
	 */
	if (xdev->state != XenbusStateInitialising) {
		err = xenbus_switch_state(xdev, XenbusStateInitialising);
		if (err) {
			dev_set_drvdata(&xdev->dev, NULL);
			kfree(dev);
			return err;
		}
	}
	return 0;
}

static int pvblkfront_resume(struct xenbus_device *xdev)
{
	struct pvblkfront_device *dev = dev_get_drvdata(&xdev->dev);
	int err;

	mutex_lock(&dev->mutex);
	/* A disk that was going away goes: no reconnect for it. */
	if (dev->closing || dev->destroy_pending) {
		if (dev->closing)
			close_now(dev);
		mutex_unlock(&dev->mutex);
		return 0;
	}
	/* Held first, then disconnected: nothing dispatched between fails. */
	if (dev->disk && !dev->quiesced) {
		blk_mq_quiesce_queue(dev->disk->queue);
		dev->quiesced = true;
	}
	WRITE_ONCE(dev->connected, false);
	/* The old backend is gone: hand every request back for re-issue. */
	pvblkfront_fail_all(dev, BLK_STS_OK, true);
	pvblkfront_rings_free(dev);
	err = talk_to_backend(dev);
	if (err) {
		/* No way back: fail the held requests instead of hanging. */
		dev_err(&xdev->dev, "cannot reconnect after resume: %d\n", err);
		WRITE_ONCE(dev->broken, true);
		pvblkfront_unquiesce(dev);
	}
	mutex_unlock(&dev->mutex);
	return err;
}

static void pvblkfront_remove(struct xenbus_device *xdev)
{
	struct pvblkfront_device *dev = dev_get_drvdata(&xdev->dev);
	unsigned int held;
	int err;

	mutex_lock(&dev->mutex);
	WRITE_ONCE(dev->connected, false);
	if (dev->nr_rings || dev->disk)
		close_now(dev);
	mutex_unlock(&dev->mutex);
	/*
	 * The rings are gone, so nothing queues these again; each takes the
	 * mutex and finds nothing left to do - but the connect work may be
	 * in device_add_disk(): the disk under this device must be added and
	 * deleted before the device goes.  Its partition scan's reads have
	 * just failed and any more fail at once (not connected), so the wait
	 * ends as soon as the scan does: they went through pool pages, so
	 * none of them is held for a page the backend still maps (mq.c).
	 */
	cancel_work_sync(&dev->broken_work);
	cancel_work_sync(&dev->cache_work);
	cancel_delayed_work_sync(&dev->close_work);
	cancel_delayed_work_sync(&dev->connect_work);

	mutex_lock(&dev->mutex);
	held = atomic_read(&dev->nr_held);
	if (held) {
		/*
		 * The backend still maps pages of @held requests, which
		 * cannot complete before it lets go, nor the disk go before
		 * them: the held work frees the device then (and keeps this
		 * xenbus device, for its log lines, until).  The disk leaves
		 * the xenbus device, which may be unregistered meanwhile.
		 */
		dev->removed = true;
		get_device(&xdev->dev);
		if (dev->disk) {
			err = device_move(disk_to_dev(dev->disk), NULL,
					  DPM_ORDER_NONE);
			if (err)
				dev_warn(&xdev->dev, "cannot detach %s from the device: %d\n",
					 dev->vd.name, err);
		}
		dev_warn(&xdev->dev, "removed with %u request(s) held: freed once the backend lets go of their pages\n",
			 held);
	}
	dev_set_drvdata(&xdev->dev, NULL);
	mutex_unlock(&dev->mutex);
	if (held)
		return;
	/* Nothing is held, so nothing queues it again. */
	cancel_delayed_work_sync(&dev->held_work);
	mutex_lock(&dev->mutex);
	if (dev->destroy_pending)
		pvblkfront_disk_destroy(dev);
	mutex_unlock(&dev->mutex);
	/* The disk is gone: nothing can queue the limits work any more. */
	flush_work(&dev->limits_work);
	kfree(dev);
}

static const struct xenbus_device_id pvblkfront_ids[] = {
	{ "vbd" },
	{ "" }
};

/*
 * Named after the module: the stock xen-blkfront registers a driver named
 * "vbd" on the same bus, and two drivers of one name cannot coexist.
 */
static struct xenbus_driver pvblkfront_driver = {
	.name = "pvblkfront",
	.ids = pvblkfront_ids,
	.probe = pvblkfront_probe,
	.remove = pvblkfront_remove,
	.resume = pvblkfront_resume,
	.otherend_changed = pvblkfront_backend_changed,
};

int pvblkfront_xenbus_register(void)
{
	return xenbus_register_frontend(&pvblkfront_driver);
}

void pvblkfront_xenbus_unregister(void)
{
	xenbus_unregister_driver(&pvblkfront_driver);
}
