// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: per-device statistics in sysfs, under the disk:
 * /sys/block/xvdX/pvblkfront/<counter>.  Counters only grow.
 */
#include <linux/blkdev.h>
#include <linux/sysfs.h>

#include "common.h"

struct pvblkfront_stat_attr {
	struct device_attribute attr;
	size_t offset;			/* of the atomic64_t in the stats */
};

static struct pvblkfront_device *to_pdev(struct device *d)
{
	return dev_to_disk(d)->private_data;
}

static ssize_t stat_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct pvblkfront_stat_attr *sa =
		container_of(attr, struct pvblkfront_stat_attr, attr);
	atomic64_t *v = (void *)&to_pdev(d)->stats + sa->offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(v));
}

/* sysfs file @name shows struct pvblkfront_stats member @field */
#define STAT(name, field) { \
	.attr = __ATTR(name, 0444, stat_show, NULL), \
	.offset = offsetof(struct pvblkfront_stats, field) }

static struct pvblkfront_stat_attr pvblkfront_stats_attrs[] = {
	STAT(rd_req, rd_req), STAT(wr_req, wr_req), STAT(f_req, f_req),
	STAT(ds_req, ds_req), STAT(rd_sect, rd_sect), STAT(wr_sect, wr_sect),
	STAT(errors, errors), STAT(pgrant_reuse, pgrant_reuse),
	STAT(bounce_bytes, bounce_bytes),
	STAT(foreign_bounced, foreign_bounced),
	STAT(foreign_bytes, foreign_bytes),
	STAT(resubmitted, resubmitted), STAT(held, held),
};

static ssize_t features_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	struct pvblkfront_device *dev = to_pdev(d);

	return sysfs_emit(buf, "queues %u ring_order %u persistent %d indirect %u\n"
			  "cache %d trusted %d broken %d\n",
			  dev->conn.nr_queues, dev->conn.ring_order,
			  dev->conn.persistent, dev->conn.max_indirect_segs,
			  (int)READ_ONCE(dev->cache), dev->trusted,
			  READ_ONCE(dev->broken));
}
static DEVICE_ATTR_RO(features);

/* Granted pool pages now (all rings) and their bound (all rings). */
static ssize_t pool_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct pvblkfront_device *dev = to_pdev(d);

	return sysfs_emit(buf, "pages %d max %u\n",
			  atomic_read(&dev->pool_pages),
			  READ_ONCE(dev->pool_max) * READ_ONCE(dev->nr_rings));
}
static DEVICE_ATTR_RO(pool);

/* What the connection costs: shadow state allocated at connect, budget. */
static ssize_t memory_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct pvblkfront_device *dev = to_pdev(d);

	return sysfs_emit(buf, "connect_kib %llu budget_kib %llu\n",
			  READ_ONCE(dev->shadow_bytes) >> 10,
			  READ_ONCE(dev->budget_bytes) >> 10);
}
static DEVICE_ATTR_RO(memory);

static struct attribute *pvblkfront_stat_attrs[] = {
	&pvblkfront_stats_attrs[0].attr.attr,
	&pvblkfront_stats_attrs[1].attr.attr,
	&pvblkfront_stats_attrs[2].attr.attr,
	&pvblkfront_stats_attrs[3].attr.attr,
	&pvblkfront_stats_attrs[4].attr.attr,
	&pvblkfront_stats_attrs[5].attr.attr,
	&pvblkfront_stats_attrs[6].attr.attr,
	&pvblkfront_stats_attrs[7].attr.attr,
	&pvblkfront_stats_attrs[8].attr.attr,
	&pvblkfront_stats_attrs[9].attr.attr,
	&pvblkfront_stats_attrs[10].attr.attr,
	&pvblkfront_stats_attrs[11].attr.attr,
	&pvblkfront_stats_attrs[12].attr.attr,
	&dev_attr_features.attr,
	&dev_attr_pool.attr,
	&dev_attr_memory.attr,
	NULL,
};

/* Every statistic is listed above: a new one must be added there too. */
static_assert(ARRAY_SIZE(pvblkfront_stats_attrs) == 13);

static const struct attribute_group pvblkfront_stat_group = {
	.name = "pvblkfront",
	.attrs = pvblkfront_stat_attrs,
};

const struct attribute_group *pvblkfront_disk_groups[] = {
	&pvblkfront_stat_group,
	NULL,
};
