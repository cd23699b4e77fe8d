// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback sysfs: per-device statistics and the negotiated mode, under
 * the xenbus device (/sys/bus/xen-backend/devices/vbd-<dom>-<handle>/).
 *
 *   statistics/   oo_req rd_req wr_req f_req ds_req rd_sect wr_sect
 *                 err_req pgnt_hits pgnt_misses pgnt_evictions
 *                 pgnt_mapped grants_mapped np_maps unmap_batches
 *                 unmaps np_unmaps pgnt_unmaps unmaps_per_1k_req
 *                 unmap_deferred
 *   connection/   persistent ring_page_order nr_queues abi
 *                 max_indirect_segments (all -1 while not connected)
 *
 *   physical_device  the backing device as major:minor in hex, like the
 *                    toolstack's physical-device key ("0:0" before open)
 *   mode             "r" or "w": how the device is served (read-only when
 *                    the toolstack asked for it or the device is); empty
 *                    before the device is open
 *
 * and for the driver (/sys/bus/xen-backend/drivers/pvblkback/):
 *   grants_mapped  grant mappings held by all devices together
 *   pages          pages held from the grant-page allocator (pvblkback_pages)
 */
#include <linux/device.h>
#include <linux/math64.h>
#include <linux/sysfs.h>

#include "common.h"

static ssize_t pvblkback_stat_show(struct device *d,
				   struct device_attribute *attr, char *buf)
{
	struct pvblkback_device *dev = dev_get_drvdata(d);
	size_t off = (size_t)container_of(attr, struct dev_ext_attribute,
					  attr)->var;

	if (!dev)
		return -ENODEV;
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read((atomic64_t *)((char *)&dev->stats +
						       off)));
}

/* statistics/<field>: the counter pvblkback_stats.<field> */
#define PVBLKBACK_STAT(field)						\
static struct dev_ext_attribute dev_attr_##field = {			\
	.attr = { .attr = { .name = #field, .mode = 0444 },		\
		  .show = pvblkback_stat_show },			\
	.var = (void *)offsetof(struct pvblkback_stats, field),		\
}

PVBLKBACK_STAT(oo_req);
PVBLKBACK_STAT(rd_req);
PVBLKBACK_STAT(wr_req);
PVBLKBACK_STAT(f_req);
PVBLKBACK_STAT(ds_req);
PVBLKBACK_STAT(rd_sect);
PVBLKBACK_STAT(wr_sect);
PVBLKBACK_STAT(err_req);
PVBLKBACK_STAT(pgnt_hits);
PVBLKBACK_STAT(pgnt_misses);
PVBLKBACK_STAT(pgnt_evictions);
PVBLKBACK_STAT(pgnt_mapped);
PVBLKBACK_STAT(grants_mapped);
PVBLKBACK_STAT(np_maps);
PVBLKBACK_STAT(unmap_batches);
PVBLKBACK_STAT(unmaps);
PVBLKBACK_STAT(np_unmaps);
PVBLKBACK_STAT(pgnt_unmaps);

/* statistics/unmaps_per_1k_req: unmaps per 1000 requests, 0 before any */
static ssize_t unmaps_per_1k_req_show(struct device *d,
				      struct device_attribute *attr, char *buf)
{
	struct pvblkback_device *dev = dev_get_drvdata(d);
	struct pvblkback_stats *st;
	u64 reqs;

	if (!dev)
		return -ENODEV;
	st = &dev->stats;
	reqs = atomic64_read(&st->rd_req) + atomic64_read(&st->wr_req) +
	       atomic64_read(&st->f_req) + atomic64_read(&st->ds_req);
	if (!reqs)
		return sysfs_emit(buf, "0\n");
	return sysfs_emit(buf, "%llu\n",
			  div64_u64(atomic64_read(&st->unmaps) * 1000ULL, reqs));
}
static DEVICE_ATTR_RO(unmaps_per_1k_req);
PVBLKBACK_STAT(unmap_deferred);

static struct attribute *pvblkback_stat_attrs[] = {
	&dev_attr_oo_req.attr.attr,
	&dev_attr_rd_req.attr.attr,
	&dev_attr_wr_req.attr.attr,
	&dev_attr_f_req.attr.attr,
	&dev_attr_ds_req.attr.attr,
	&dev_attr_rd_sect.attr.attr,
	&dev_attr_wr_sect.attr.attr,
	&dev_attr_err_req.attr.attr,
	&dev_attr_pgnt_hits.attr.attr,
	&dev_attr_pgnt_misses.attr.attr,
	&dev_attr_pgnt_evictions.attr.attr,
	&dev_attr_pgnt_mapped.attr.attr,
	&dev_attr_grants_mapped.attr.attr,
	&dev_attr_np_maps.attr.attr,
	&dev_attr_unmap_batches.attr.attr,
	&dev_attr_unmaps.attr.attr,
	&dev_attr_np_unmaps.attr.attr,
	&dev_attr_pgnt_unmaps.attr.attr,
	&dev_attr_unmaps_per_1k_req.attr,
	&dev_attr_unmap_deferred.attr.attr,
	NULL
};

static const struct attribute_group pvblkback_stat_group = {
	.name = "statistics",
	.attrs = pvblkback_stat_attrs,
};

enum pvblkback_conn_value {
	PVBLKBACK_CONN_PERSISTENT,
	PVBLKBACK_CONN_RING_ORDER,
	PVBLKBACK_CONN_QUEUES,
	PVBLKBACK_CONN_ABI,
	PVBLKBACK_CONN_INDIRECT,
};

/* One value of the current connection, or -1 while not connected. */
static ssize_t pvblkback_conn_show(struct device *d,
				   struct device_attribute *attr, char *buf)
{
	struct pvblkback_device *dev = dev_get_drvdata(d);
	unsigned long which = (unsigned long)container_of(attr,
					struct dev_ext_attribute, attr)->var;
	long long v = -1;

	if (!dev)
		return -ENODEV;
	mutex_lock(&dev->lock);
	if (dev->nr_rings) {
		switch (which) {
		case PVBLKBACK_CONN_PERSISTENT:
			v = dev->conn.persistent;
			break;
		case PVBLKBACK_CONN_RING_ORDER:
			v = dev->conn.ring_order;
			break;
		case PVBLKBACK_CONN_QUEUES:
			v = dev->nr_rings;
			break;
		case PVBLKBACK_CONN_ABI:
			v = dev->conn.abi == PVBLK_ABI_X86_32 ? 32 : 64;
			break;
		case PVBLKBACK_CONN_INDIRECT:
			v = dev->conn.max_indirect_segs;
			break;
		}
	}
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%lld\n", v);
}

#define PVBLKBACK_CONN(field, which)					\
static struct dev_ext_attribute dev_attr_##field = {			\
	.attr = { .attr = { .name = #field, .mode = 0444 },		\
		  .show = pvblkback_conn_show },			\
	.var = (void *)(which),						\
}

PVBLKBACK_CONN(persistent, PVBLKBACK_CONN_PERSISTENT);
PVBLKBACK_CONN(ring_page_order, PVBLKBACK_CONN_RING_ORDER);
PVBLKBACK_CONN(nr_queues, PVBLKBACK_CONN_QUEUES);
PVBLKBACK_CONN(abi, PVBLKBACK_CONN_ABI);
PVBLKBACK_CONN(max_indirect_segments, PVBLKBACK_CONN_INDIRECT);

static struct attribute *pvblkback_conn_attrs[] = {
	&dev_attr_persistent.attr.attr,
	&dev_attr_ring_page_order.attr.attr,
	&dev_attr_nr_queues.attr.attr,
	&dev_attr_abi.attr.attr,
	&dev_attr_max_indirect_segments.attr.attr,
	NULL
};

static const struct attribute_group pvblkback_conn_group = {
	.name = "connection",
	.attrs = pvblkback_conn_attrs,
};

/* The stock backend's two device attributes, for tools that read them. */
static ssize_t physical_device_show(struct device *d,
				    struct device_attribute *attr, char *buf)
{
	struct pvblkback_device *dev = dev_get_drvdata(d);
	dev_t pdev;

	if (!dev)
		return -ENODEV;
	mutex_lock(&dev->lock);
	pdev = dev->bdev.bdev ? dev->pdev : 0;
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%x:%x\n", MAJOR(pdev), MINOR(pdev));
}
static DEVICE_ATTR_RO(physical_device);

static ssize_t mode_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct pvblkback_device *dev = dev_get_drvdata(d);
	const char *mode = "";

	if (!dev)
		return -ENODEV;
	mutex_lock(&dev->lock);
	if (dev->bdev.bdev)
		mode = dev->readonly ? "r" : "w";
	mutex_unlock(&dev->lock);
	return sysfs_emit(buf, "%s\n", mode);
}
static DEVICE_ATTR_RO(mode);

static struct attribute *pvblkback_dev_attrs[] = {
	&dev_attr_physical_device.attr,
	&dev_attr_mode.attr,
	NULL
};

static const struct attribute_group pvblkback_dev_group = {
	.attrs = pvblkback_dev_attrs,
};

const struct attribute_group *pvblkback_groups[] = {
	&pvblkback_dev_group,
	&pvblkback_stat_group,
	&pvblkback_conn_group,
	NULL
};

atomic64_t pvblkback_grants_mapped = ATOMIC64_INIT(0);

static ssize_t grants_mapped_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&pvblkback_grants_mapped));
}
static DRIVER_ATTR_RO(grants_mapped);

atomic64_t pvblkback_pages = ATOMIC64_INIT(0);

static ssize_t pages_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&pvblkback_pages));
}
static DRIVER_ATTR_RO(pages);

static struct attribute *pvblkback_driver_attrs[] = {
	&driver_attr_grants_mapped.attr,
	&driver_attr_pages.attr,
	NULL
};

static const struct attribute_group pvblkback_driver_group = {
	.attrs = pvblkback_driver_attrs,
};

const struct attribute_group *pvblkback_driver_groups[] = {
	&pvblkback_driver_group,
	NULL
};
