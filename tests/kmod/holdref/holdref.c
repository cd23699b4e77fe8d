// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_holdref: a test fixture of the rig, never shipped to users. One
 * bio-based disk, /dev/holdref0, backed by its own memory (size_mb MiB,
 * allocated at load), that behaves like a storage stack whose lower layer
 * keeps a reference to the data pages after the I/O completed - as a NIC's
 * zero-copy send may do. For every bio it copies the data, takes a page
 * reference (get_page()) on each bio segment's page, completes the bio at
 * once and drops those references hold_ms milliseconds later, from a
 * delayed work item.
 *
 * sysfs, /sys/block/holdref0/holdref/ (read-only):
 *   held_pages          page references held now
 *   held_total          page references taken since load
 *   hold_failed         bios completed without holding (no memory)
 *   changed_while_held  held segments whose bytes differed when released
 *
 * A segment's bytes are checksummed when the reference is taken and when
 * it is dropped, so changed_while_held counts pages that someone wrote
 * while this module still "used" them: with per-request grants pvblkback
 * must keep that at 0 (it neither answers nor unmaps a request whose page
 * is held); with persistent grants the frontend legitimately reuses its
 * pages once answered. Unloading drops every reference still held at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/crc32.h>
#include <linux/device.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#define HOLDREF_SIZE_MB_MAX	1024
#define HOLDREF_HOLD_MS_MAX	600000

static unsigned int size_mb = 64;
static unsigned int hold_ms = 2000;

static int holdref_set_size(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, HOLDREF_SIZE_MB_MAX);
}

static const struct kernel_param_ops holdref_size_ops = {
	.set = holdref_set_size,
	.get = param_get_uint,
};

module_param_cb(size_mb, &holdref_size_ops, &size_mb, 0444);
MODULE_PARM_DESC(size_mb,
		 "Size of /dev/holdref0 in MiB, allocated at load [1..1024] (default 64)");

static int holdref_set_hold(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, HOLDREF_HOLD_MS_MAX);
}

static const struct kernel_param_ops holdref_hold_ops = {
	.set = holdref_set_hold,
	.get = param_get_uint,
};

module_param_cb(hold_ms, &holdref_hold_ops, &hold_ms, 0644);
MODULE_PARM_DESC(hold_ms,
		 "Milliseconds each bio page stays referenced after its bio completed; 0: not held; a change applies to later bios [0..600000] (default 2000)");

/* One referenced bio segment. */
struct holdref_seg {
	struct page *page;
	unsigned int off;
	unsigned int len;
	u32 crc;
};

/* The references one bio left behind, dropped at @expires. */
struct holdref_hold {
	struct list_head node;
	unsigned long expires;
	unsigned int nr;
	struct holdref_seg seg[];
};

struct holdref {
	struct gendisk *disk;
	struct page **pages;		/* the disk's contents */
	unsigned long nr_pages;
	spinlock_t lock;		/* holds, armed, next_run, stopping */
	struct list_head holds;
	struct delayed_work reaper;
	unsigned long next_run;		/* when the reaper is due, if armed */
	bool armed;
	bool stopping;
	atomic64_t held_pages;
	atomic64_t held_total;
	atomic64_t hold_failed;
	atomic64_t changed;
};

static struct holdref holdref;

static u32 holdref_seg_crc(const struct holdref_seg *s)
{
	void *p = kmap_local_page(s->page);
	u32 crc = crc32_le(~0U, p + s->off, s->len);

	kunmap_local(p);
	return crc;
}

/* Drop the references of @h (its node already off the list) and free it. */
static void holdref_release(struct holdref *hr, struct holdref_hold *h)
{
	unsigned int i;

	for (i = 0; i < h->nr; i++) {
		if (holdref_seg_crc(&h->seg[i]) != h->seg[i].crc)
			atomic64_inc(&hr->changed);
		put_page(h->seg[i].page);
	}
	atomic64_sub(h->nr, &hr->held_pages);
	kfree(h);
}

/* Drop the expired holds; re-arm for the earliest one left. */
static void holdref_reap(struct work_struct *work)
{
	struct holdref *hr = container_of(to_delayed_work(work),
					  struct holdref, reaper);
	unsigned long flags, now = jiffies, next = 0;
	struct holdref_hold *h, *tmp;
	LIST_HEAD(expired);
	bool more = false;

	spin_lock_irqsave(&hr->lock, flags);
	list_for_each_entry_safe(h, tmp, &hr->holds, node) {
		if (time_after_eq(now, h->expires)) {
			list_move_tail(&h->node, &expired);
		} else if (!more || time_before(h->expires, next)) {
			next = h->expires;
			more = true;
		}
	}
	hr->armed = more && !hr->stopping;
	if (hr->armed) {
		hr->next_run = next;
		mod_delayed_work(system_wq, &hr->reaper, next - now);
	}
	spin_unlock_irqrestore(&hr->lock, flags);

	list_for_each_entry_safe(h, tmp, &expired, node) {
		list_del(&h->node);
		holdref_release(hr, h);
	}
}

/* Reference every segment page of @bio for hold_ms. */
static void holdref_hold(struct holdref *hr, struct bio *bio)
{
	unsigned int ms = READ_ONCE(hold_ms), nr, n = 0;
	unsigned long flags, delay;
	struct holdref_hold *h;
	struct bvec_iter iter;
	struct bio_vec bv;

	nr = bio_segments(bio);
	if (!ms || !nr)
		return;
	h = kmalloc(struct_size(h, seg, nr), GFP_NOIO | __GFP_NOWARN);
	if (!h) {
		atomic64_inc(&hr->hold_failed);
		return;
	}
	bio_for_each_segment(bv, bio, iter) {
		struct holdref_seg *s = &h->seg[n++];

		get_page(bv.bv_page);
		s->page = bv.bv_page;
		s->off = bv.bv_offset;
		s->len = bv.bv_len;
		s->crc = holdref_seg_crc(s);
	}
	h->nr = n;
	delay = msecs_to_jiffies(ms);
	h->expires = jiffies + delay;
	atomic64_add(n, &hr->held_pages);
	atomic64_add(n, &hr->held_total);

	spin_lock_irqsave(&hr->lock, flags);
	list_add_tail(&h->node, &hr->holds);
	if (!hr->armed || time_before(h->expires, hr->next_run)) {
		hr->armed = true;
		hr->next_run = h->expires;
		mod_delayed_work(system_wq, &hr->reaper, delay);
	}
	spin_unlock_irqrestore(&hr->lock, flags);
}

/* Copy @bio's data to or from the disk's pages. */
static void holdref_copy(struct holdref *hr, struct bio *bio, bool write)
{
	u64 pos = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;

	bio_for_each_segment(bv, bio, iter) {
		char *buf = bvec_kmap_local(&bv);
		unsigned int done = 0;

		while (done < bv.bv_len) {
			unsigned int off = offset_in_page(pos);
			unsigned int n = min_t(unsigned int, bv.bv_len - done,
					       PAGE_SIZE - off);
			char *mem = kmap_local_page(hr->pages[pos >> PAGE_SHIFT]);

			if (write)
				memcpy(mem + off, buf + done, n);
			else
				memcpy(buf + done, mem + off, n);
			kunmap_local(mem);
			pos += n;
			done += n;
		}
		kunmap_local(buf);
		if (!write)
			flush_dcache_page(bv.bv_page);
	}
}

static void holdref_submit_bio(struct bio *bio)
{
	struct holdref *hr = bio->bi_bdev->bd_disk->private_data;
	bool write;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		write = false;
		break;
	case REQ_OP_WRITE:
		write = true;
		break;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return;
	}
	if (bio_end_sector(bio) > get_capacity(hr->disk)) {
		bio_io_error(bio);
		return;
	}
	holdref_copy(hr, bio, write);
	holdref_hold(hr, bio);
	bio_endio(bio);
}

static const struct block_device_operations holdref_fops = {
	.owner = THIS_MODULE,
	.submit_bio = holdref_submit_bio,
};

static struct holdref *holdref_of(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t held_pages_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&holdref_of(dev)->held_pages));
}
static DEVICE_ATTR_RO(held_pages);

static ssize_t held_total_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&holdref_of(dev)->held_total));
}
static DEVICE_ATTR_RO(held_total);

static ssize_t hold_failed_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&holdref_of(dev)->hold_failed));
}
static DEVICE_ATTR_RO(hold_failed);

static ssize_t changed_while_held_show(struct device *dev,
				       struct device_attribute *attr,
				       char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&holdref_of(dev)->changed));
}
static DEVICE_ATTR_RO(changed_while_held);

static struct attribute *holdref_attrs[] = {
	&dev_attr_held_pages.attr,
	&dev_attr_held_total.attr,
	&dev_attr_hold_failed.attr,
	&dev_attr_changed_while_held.attr,
	NULL
};

static const struct attribute_group holdref_group = {
	.name = "holdref",
	.attrs = holdref_attrs,
};

static const struct attribute_group *holdref_groups[] = {
	&holdref_group,
	NULL
};

static void holdref_free_pages(struct holdref *hr)
{
	unsigned long i;

	for (i = 0; i < hr->nr_pages; i++)
		if (hr->pages[i])
			__free_page(hr->pages[i]);
	kvfree(hr->pages);
	hr->pages = NULL;
}

static struct gendisk *holdref_alloc_disk(void)
{
#ifdef PVBLK_HAVE_BLK_ALLOC_DISK_LIMITS
	struct queue_limits lim = { 0 };

	return blk_alloc_disk(&lim, NUMA_NO_NODE);
#else
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);

	return disk ? disk : ERR_PTR(-ENOMEM);
#endif
}

static int __init holdref_init(void)
{
	struct holdref *hr = &holdref;
	struct gendisk *disk;
	unsigned long i;
	int err;

	spin_lock_init(&hr->lock);
	INIT_LIST_HEAD(&hr->holds);
	INIT_DELAYED_WORK(&hr->reaper, holdref_reap);
	hr->nr_pages = (unsigned long)size_mb << (20 - PAGE_SHIFT);
	hr->pages = kvcalloc(hr->nr_pages, sizeof(*hr->pages), GFP_KERNEL);
	if (!hr->pages)
		return -ENOMEM;
	for (i = 0; i < hr->nr_pages; i++) {
		hr->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!hr->pages[i]) {
			err = -ENOMEM;
			goto err_pages;
		}
		cond_resched();
	}

	disk = holdref_alloc_disk();
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto err_pages;
	}
	disk->fops = &holdref_fops;
	disk->private_data = hr;
	disk->flags |= GENHD_FL_NO_PART;
	strscpy(disk->disk_name, "holdref0", DISK_NAME_LEN);
	set_capacity(disk, (sector_t)hr->nr_pages << (PAGE_SHIFT - SECTOR_SHIFT));
	hr->disk = disk;
	err = device_add_disk(NULL, disk, holdref_groups);
	if (err)
		goto err_disk;
	pr_info("/dev/holdref0: %u MiB, bio pages held %u ms after completion\n",
		size_mb, READ_ONCE(hold_ms));
	return 0;

err_disk:
	put_disk(disk);
err_pages:
	holdref_free_pages(hr);
	return err;
}

static void __exit holdref_exit(void)
{
	struct holdref *hr = &holdref;
	struct holdref_hold *h, *tmp;
	unsigned long flags;
	LIST_HEAD(all);
	u64 left;

	/* No bio is submitted after this. */
	del_gendisk(hr->disk);
	spin_lock_irqsave(&hr->lock, flags);
	hr->stopping = true;
	spin_unlock_irqrestore(&hr->lock, flags);
	cancel_delayed_work_sync(&hr->reaper);

	left = atomic64_read(&hr->held_pages);
	spin_lock_irqsave(&hr->lock, flags);
	list_splice_init(&hr->holds, &all);
	spin_unlock_irqrestore(&hr->lock, flags);
	list_for_each_entry_safe(h, tmp, &all, node) {
		list_del(&h->node);
		holdref_release(hr, h);
	}
	put_disk(hr->disk);
	holdref_free_pages(hr);
	pr_info("unloaded: %llu page reference(s) still held were dropped\n",
		left);
}

module_init(holdref_init);
module_exit(holdref_exit);

MODULE_DESCRIPTION("pvblk test fixture: a RAM disk that keeps bio pages referenced after completion");
MODULE_AUTHOR("The pvblk authors");
MODULE_LICENSE("GPL v2");
