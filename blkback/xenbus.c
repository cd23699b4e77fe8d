// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: the xenbus backend driver for device type "vbd", the type
 * xl and the hotplug scripts create, so the stock toolstack works as is.
 *
 * Life of a device:
 *   probe          cache the parameters, advertise, InitWait
 *   physical-device (watched; written by the hotplug script as
 *                  "major:minor" in hex) -> open the block device
 *   frontend Initialised/Connected, device open -> connect the rings,
 *                  write the disk's keys, Connected
 *   frontend Closing/Closed -> stop the rings (the reaper drains and
 *                  frees them later: Closed may be reported before their
 *                  last bio completes); a fresh Initialising starts over
 *                  from InitWait (resume, migration), and its connect
 *                  waits until the reaper is done
 *   remove         stop the rings; the last reference (remove's, or a
 *                  reaper's) closes the device and frees
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/cpumask.h>
#include <linux/kdev_t.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xenbus.h>

#include "common.h"

/*
 * Cache this connection's parameters and advertise them. Each is read
 * once here, so a parameter changed later applies to the next connection
 * only - and feature-persistent is always our own parameter, never a
 * value negotiated before.
 */
static void pvblkback_advertise(struct pvblkback_device *dev)
{
	struct xenbus_device *xdev = dev->xdev;
	unsigned int queues = READ_ONCE(pvblkback_params.max_queues);
	int err;

	if (!queues)
		queues = num_online_cpus();
	dev->cfg.persistent = READ_ONCE(pvblkback_params.feature_persistent);
	dev->cfg.max_ring_order =
		READ_ONCE(pvblkback_params.max_ring_page_order);
	dev->cfg.max_queues = min_t(unsigned int, queues, PVBLK_MAX_QUEUES);
	dev->cfg.max_indirect_segs =
		READ_ONCE(pvblkback_params.max_indirect_segments);
	dev->flush_mode = READ_ONCE(pvblkback_params.flush_mode);

	err = xenbus_printf(XBT_NIL, xdev->nodename, "feature-persistent",
			    "%u", pvblk_advertise_persistent(dev->cfg.persistent));
	if (!err)
		err = xenbus_printf(XBT_NIL, xdev->nodename,
				    "max-ring-page-order", "%u",
				    dev->cfg.max_ring_order);
	if (!err)
		err = xenbus_printf(XBT_NIL, xdev->nodename,
				    "multi-queue-max-queues", "%u",
				    dev->cfg.max_queues);
	if (!err && dev->cfg.max_indirect_segs)
		err = xenbus_printf(XBT_NIL, xdev->nodename,
				    "feature-max-indirect-segments", "%u",
				    dev->cfg.max_indirect_segs);
	else if (!err)
		xenbus_rm(XBT_NIL, xdev->nodename,
			  "feature-max-indirect-segments");
	if (err)
		dev_warn(&xdev->dev, "writing features failed (%d)\n", err);
}

/* The block device's keys; in @xbt, so the frontend sees all or none. */
static int pvblkback_write_disk(struct pvblkback_device *dev,
				struct xenbus_transaction xbt)
{
	struct block_device *bdev = dev->bdev.bdev;
	const char *node = dev->xdev->nodename;
	bool wc = bdev_write_cache(bdev) && !dev->flush_off;
	bool discard = bdev_max_discard_sectors(bdev) > 0 && !dev->discard_off;
	unsigned int info = 0;
	u64 sectors = bdev_nr_sectors(bdev);
	int err;

	if (dev->readonly)
		info |= PVBLK_VDISK_READONLY;
	if (bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		info |= PVBLK_VDISK_REMOVABLE;
	atomic64_set(&dev->sectors, sectors);

	err = xenbus_printf(xbt, node, "sectors", "%llu", sectors);
	if (!err)
		err = xenbus_printf(xbt, node, "info", "%u", info);
	if (!err)
		err = xenbus_printf(xbt, node, "sector-size", "%u",
				    bdev_logical_block_size(bdev));
	if (!err)
		err = xenbus_printf(xbt, node, "physical-sector-size", "%u",
				    bdev_physical_block_size(bdev));
	if (!err)
		err = xenbus_printf(xbt, node, "feature-flush-cache", "%d",
				    pvblkback_offers_flush(dev, wc));
	if (!err)
		err = xenbus_printf(xbt, node, "feature-barrier", "%d",
				    pvblkback_offers_barrier(dev, wc));
	if (!err)
		err = xenbus_printf(xbt, node, "feature-discard", "%d",
				    discard);
	if (!err && discard)
		err = xenbus_printf(xbt, node, "discard-granularity", "%u",
				    bdev_discard_granularity(bdev));
	if (!err && discard)
		err = xenbus_printf(xbt, node, "discard-alignment", "%u",
				    bdev_discard_alignment(bdev));
	if (!err && discard)
		err = xenbus_printf(xbt, node, "discard-secure", "%d",
				    bdev_max_secure_erase_sectors(bdev) > 0);
	return err;
}

/*
 * Connect if everything is ready: device open, frontend initialised, and
 * the previous connection's rings reaped - if they are still draining,
 * the reaper calls this again when it is done. dev->lock held.
 */
void pvblkback_try_connect(struct pvblkback_device *dev)
{
	struct xenbus_device *xdev = dev->xdev;
	struct xenbus_transaction xbt;
	enum xenbus_state fe;
	int err;

	if (xdev->state == XenbusStateConnected || !dev->bdev.bdev)
		return;
	fe = xenbus_read_driver_state(xdev->otherend);
	if (fe != XenbusStateInitialised && fe != XenbusStateConnected)
		return;

	pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_KEEP);
	if (dev->dead_rings) {
		if (!dev->connect_deferred)
			dev_info(&xdev->dev,
				 "connect waits for the previous connection's requests to finish\n");
		dev->connect_deferred = true;
		return;
	}
	/*
	 * Our bios bypass dom0's page cache of the device. Write back what
	 * dom0 wrote through it, so that the frontend reads it, and drop the
	 * clean pages, so that dom0 does not keep serving them after the
	 * frontend wrote the blocks (pvblkback_rings_disconnect() drops them
	 * again once the connection is over).
	 */
	err = sync_blockdev(dev->bdev.bdev);
	if (err) {
		xenbus_dev_fatal(xdev, err, "writing back dom0's cache of %pg",
				 dev->bdev.bdev);
		return;
	}
	invalidate_bdev(dev->bdev.bdev);
	/* the size about to be written: the workers compare against it */
	atomic64_set(&dev->sectors, bdev_nr_sectors(dev->bdev.bdev));
	err = pvblkback_rings_connect(dev);
	if (err)
		return;	/* xenbus_dev_fatal() said why */
	do {
		err = xenbus_transaction_start(&xbt);
		if (err)
			break;
		err = pvblkback_write_disk(dev, xbt);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			break;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	if (err) {
		xenbus_dev_fatal(xdev, err, "writing the disk's keys");
		pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_KEEP);
		return;
	}
	err = xenbus_switch_state(xdev, XenbusStateConnected);
	if (err)
		xenbus_dev_fatal(xdev, err, "switching to Connected");
}

/* Open the device named by physical-device/mode; dev->lock held. */
static int pvblkback_open(struct pvblkback_device *dev, dev_t pdev)
{
	struct xenbus_device *xdev = dev->xdev;
	bool readonly;
	char *mode;
	int err;

	mode = xenbus_read(XBT_NIL, xdev->nodename, "mode", NULL);
	if (IS_ERR(mode)) {
		xenbus_dev_fatal(xdev, PTR_ERR(mode), "reading mode");
		return PTR_ERR(mode);
	}
	readonly = !strchr(mode, 'w');
	kfree(mode);

	err = pvblk_bdev_open(&dev->bdev, pdev, !readonly);
	if (err) {
		xenbus_dev_fatal(xdev, err, "opening device %x:%x",
				 MAJOR(pdev), MINOR(pdev));
		return err;
	}
	dev->pdev = pdev;
	dev->readonly = readonly || bdev_read_only(dev->bdev.bdev);
	/* the toolstack may turn discard off for this disk */
	dev->discard_off = !xenbus_read_unsigned(xdev->nodename,
						 "discard-enable", 1);
	dev_info(&xdev->dev, "serving %x:%x (%pg) %s to domain %u\n",
		 MAJOR(pdev), MINOR(pdev), dev->bdev.bdev,
		 dev->readonly ? "read-only" : "read-write", dev->frontend_id);
	return 0;
}

/* Drop a queued physical-device event while another one is queued. */
static bool pvblkback_watch_will_handle(struct xenbus_watch *watch,
					const char *path, const char *token)
{
	return READ_ONCE(watch->nr_pending) == 0;
}

static void pvblkback_backend_changed(struct xenbus_watch *watch,
				      const char *path, const char *token)
{
	struct pvblkback_device *dev =
		container_of(watch, struct pvblkback_device, be_watch);
	struct xenbus_device *xdev = dev->xdev;
	unsigned int major, minor;
	dev_t pdev;
	int n;

	n = xenbus_scanf(XBT_NIL, xdev->nodename, "physical-device", "%x:%x",
			 &major, &minor);
	if (n == -ENOENT)
		return;	/* the hotplug script has not run yet */
	if (n != 2) {
		xenbus_dev_fatal(xdev, n < 0 ? n : -EINVAL,
				 "reading physical-device");
		return;
	}
	pdev = MKDEV(major, minor);
	if (MAJOR(pdev) != major || MINOR(pdev) != minor) {
		xenbus_dev_fatal(xdev, -EINVAL, "physical-device %x:%x",
				 major, minor);
		return;
	}

	mutex_lock(&dev->lock);
	if (dev->bdev.bdev) {
		if (pdev != dev->pdev)
			dev_warn(&xdev->dev,
				 "physical-device changed to %x:%x while serving %x:%x: ignored\n",
				 major, minor, MAJOR(dev->pdev),
				 MINOR(dev->pdev));
	} else if (!pvblkback_open(dev, pdev)) {
		pvblkback_try_connect(dev);
	}
	mutex_unlock(&dev->lock);
}

static void pvblkback_frontend_changed(struct xenbus_device *xdev,
				       enum xenbus_state fe)
{
	struct pvblkback_device *dev = dev_get_drvdata(&xdev->dev);

	mutex_lock(&dev->lock);
	switch (fe) {
	case XenbusStateInitialising:
		if (xdev->state == XenbusStateClosed) {
			/* a fresh connection: re-read our parameters */
			dev_info(&xdev->dev, "frontend reconnecting\n");
			pvblkback_advertise(dev);
			xenbus_switch_state(xdev, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		pvblkback_try_connect(dev);
		break;
	case XenbusStateClosing:
		pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_REFUSE);
		xenbus_switch_state(xdev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_REFUSE);
		xenbus_switch_state(xdev, XenbusStateClosed);
		if (xenbus_dev_is_online(xdev))
			break;
		mutex_unlock(&dev->lock);
		/* the toolstack removed the device: remove() runs now */
		device_unregister(&xdev->dev);
		return;
	case XenbusStateUnknown:
		pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_REFUSE);
		mutex_unlock(&dev->lock);
		device_unregister(&xdev->dev);
		return;
	default:
		xenbus_dev_fatal(xdev, -EINVAL, "frontend in unknown state %d",
				 fe);
		break;
	}
	mutex_unlock(&dev->lock);
}

/* Workers' xenstore writes: a new size, flush no longer offered. */
static void pvblkback_update_work(struct work_struct *work)
{
	struct pvblkback_device *dev =
		container_of(work, struct pvblkback_device, update_work);
	struct xenbus_device *xdev = dev->xdev;
	struct xenbus_transaction xbt;
	int err;

	/* removed: the toolstack owns (or has removed) the nodes now */
	if (test_bit(PVBLKBACK_DEV_GONE, &dev->flags))
		return;
	if (test_and_clear_bit(PVBLKBACK_DEV_NO_FLUSH, &dev->flags)) {
		dev_warn(&xdev->dev,
			 "device refused a flush: feature-flush-cache and feature-barrier off\n");
		xenbus_printf(XBT_NIL, xdev->nodename, "feature-flush-cache",
			      "%d", 0);
		xenbus_printf(XBT_NIL, xdev->nodename, "feature-barrier", "%d",
			      0);
		WRITE_ONCE(dev->flush_off, true);
	}
	if (!test_and_clear_bit(PVBLKBACK_DEV_RESIZED, &dev->flags))
		return;
	if (!dev->bdev.bdev)
		return;
	do {
		u64 sectors = bdev_nr_sectors(dev->bdev.bdev);

		err = xenbus_transaction_start(&xbt);
		if (err)
			break;
		err = xenbus_printf(xbt, xdev->nodename, "sectors", "%llu",
				    sectors);
		/* rewriting our state makes the frontend re-read the size */
		if (!err)
			err = xenbus_printf(xbt, xdev->nodename, "state", "%d",
					    xdev->state);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			break;
		}
		err = xenbus_transaction_end(xbt, 0);
		if (!err) {
			atomic64_set(&dev->sectors, sectors);
			dev_info(&xdev->dev, "size changed to %llu sectors\n",
				 sectors);
		}
	} while (err == -EAGAIN);
	if (err)
		dev_warn(&xdev->dev, "writing the new size failed (%d)\n", err);
}

/* The last reference: every reaper is done, remove() has run. */
static void pvblkback_device_release(struct kref *kref)
{
	struct pvblkback_device *dev =
		container_of(kref, struct pvblkback_device, kref);

	/* no worker is left to queue it again */
	cancel_work_sync(&dev->update_work);
	pvblk_bdev_close(&dev->bdev);
	put_device(&dev->xdev->dev);
	kfree(dev);
}

void pvblkback_device_put(struct pvblkback_device *dev)
{
	kref_put(&dev->kref, pvblkback_device_release);
}

/*
 * remove(), or a failed probe: stop the watch and the rings and drop the
 * xenbus device's reference. Waits for no ring: a reaper still draining
 * holds its own reference and frees the device when it is done.
 */
static void pvblkback_device_free(struct pvblkback_device *dev)
{
	if (dev->watching) {
		unregister_xenbus_watch(&dev->be_watch);
		kfree(dev->be_watch.node);
		dev->watching = false;
	}
	mutex_lock(&dev->lock);
	pvblkback_rings_disconnect(dev, PVBLKBACK_STOP_KEEP);
	dev->gone = true;
	dev->connect_deferred = false;
	set_bit(PVBLKBACK_DEV_GONE, &dev->flags);
	mutex_unlock(&dev->lock);
	/* a few xenstore writes at most; none after this */
	cancel_work_sync(&dev->update_work);
	dev_set_drvdata(&dev->xdev->dev, NULL);
	pvblkback_device_put(dev);
}

static int pvblkback_probe(struct xenbus_device *xdev,
			   const struct xenbus_device_id *id)
{
	struct pvblkback_device *dev;
	const char *handle;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		xenbus_dev_fatal(xdev, -ENOMEM, "allocating the device");
		return -ENOMEM;
	}
	kref_init(&dev->kref);
	dev->xdev = xdev;
	get_device(&xdev->dev);	/* put by pvblkback_device_release() */
	dev->frontend_id = xdev->otherend_id;
	handle = strrchr(xdev->nodename, '/');
	if (!handle || kstrtouint(handle + 1, 10, &dev->handle))
		dev->handle = 0;
	mutex_init(&dev->lock);
	INIT_WORK(&dev->update_work, pvblkback_update_work);
	pvblkback_reap_init(dev);
	dev_set_drvdata(&xdev->dev, dev);

	pvblkback_advertise(dev);
	err = xenbus_watch_pathfmt(xdev, &dev->be_watch,
				   pvblkback_watch_will_handle,
				   pvblkback_backend_changed, "%s/%s",
				   xdev->nodename, "physical-device");
	if (err)
		goto fail;
	dev->watching = true;
	err = xenbus_switch_state(xdev, XenbusStateInitWait);
	if (err)
		goto fail;
	return 0;

fail:
	pvblkback_device_free(dev);
	return err;
}

static void pvblkback_remove(struct xenbus_device *xdev)
{
	struct pvblkback_device *dev = dev_get_drvdata(&xdev->dev);

	if (dev)
		pvblkback_device_free(dev);
}

static const struct xenbus_device_id pvblkback_ids[] = {
	{ "vbd" },
	{ "" }
};

/*
 * Named after the module: the stock xen-blkback registers a driver named
 * "vbd" on the same bus, and two drivers of one name cannot coexist.
 */
static struct xenbus_driver pvblkback_driver = {
	.name = "pvblkback",
	.ids = pvblkback_ids,
	.probe = pvblkback_probe,
	.remove = pvblkback_remove,
	.otherend_changed = pvblkback_frontend_changed,
	.driver = {
		.dev_groups = pvblkback_groups,
		.groups = pvblkback_driver_groups,
	},
};

int pvblkback_xenbus_register(void)
{
	return xenbus_register_backend(&pvblkback_driver);
}

void pvblkback_xenbus_unregister(void)
{
	xenbus_unregister_driver(&pvblkback_driver);
}
