// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback module parameters, all in one place. Each is checked when it
 * is set - on the insmod/modprobe command line and through
 * /sys/module/pvblkback/parameters - so an out-of-range value is refused
 * with -EINVAL and never reaches the driver. The defaults are those of
 * Documentation/parameters.rst and of each MODULE_PARM_DESC below.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "pvblk/wire.h"
#include "common.h"

/* Sanity caps (the protocol itself sets no bound on these). */
#define PVBLKBACK_QUEUES_CAP		256
#define PVBLKBACK_PGRANTS_CAP		16384
#define PVBLKBACK_UNUSED_SECS_CAP	3600
#define PVBLKBACK_BUFFER_PAGES_CAP	65536
#define PVBLKBACK_HELD_WAIT_CAP		600

struct pvblkback_params pvblkback_params = {
	.max_ring_page_order = PVBLK_MAX_RING_ORDER,
	.max_queues = 0,
	.max_indirect_segments = 256,
	.feature_persistent = true,
	.max_persistent_grants = 1056,
	.persistent_grant_unused_seconds = 60,
	.held_pages_wait_seconds = 30,
	.max_buffer_pages = 1024,
	.log_stats = false,
	.flush_mode = PVBLKBACK_FLUSH_AUTO,
};

static int set_ring_order(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PVBLK_MAX_RING_ORDER);
}

static const struct kernel_param_ops ring_order_ops = {
	.set = set_ring_order,
	.get = param_get_uint,
};

module_param_cb(max_ring_page_order, &ring_order_ops,
		&pvblkback_params.max_ring_page_order, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest shared ring offered to a frontend, as log2 of its pages [0..4] (default 4)");

static int set_queues(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PVBLKBACK_QUEUES_CAP);
}

static const struct kernel_param_ops queues_ops = {
	.set = set_queues,
	.get = param_get_uint,
};

module_param_cb(max_queues, &queues_ops, &pvblkback_params.max_queues, 0644);
MODULE_PARM_DESC(max_queues,
		 "Most rings (queues) offered per device; 0 means one per online CPU [0..256] (default 0)");

/* 0 turns indirect requests off; a direct request already has 11 segments */
static int set_indirect_segments(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n && (n < PVBLK_MAX_SEGS_DIRECT || n > PVBLK_MAX_INDIRECT_SEGS))
		return -EINVAL;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops indirect_segments_ops = {
	.set = set_indirect_segments,
	.get = param_get_uint,
};

module_param_cb(max_indirect_segments, &indirect_segments_ops,
		&pvblkback_params.max_indirect_segments, 0644);
MODULE_PARM_DESC(max_indirect_segments,
		 "Most segments per indirect request offered to a frontend; 0 disables indirect requests [0, 11..4096] (default 256)");

module_param_named(feature_persistent, pvblkback_params.feature_persistent,
		   bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Advertise persistent grants to frontends [0/1] (default 1)");

static int set_persistent_grants(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PVBLKBACK_PGRANTS_CAP);
}

static const struct kernel_param_ops persistent_grants_ops = {
	.set = set_persistent_grants,
	.get = param_get_uint,
};

module_param_cb(max_persistent_grants, &persistent_grants_ops,
		&pvblkback_params.max_persistent_grants, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Most grants kept mapped persistently per ring [0..16384] (default 1056)");

static int set_unused_seconds(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, PVBLKBACK_UNUSED_SECS_CAP);
}

static const struct kernel_param_ops unused_seconds_ops = {
	.set = set_unused_seconds,
	.get = param_get_uint,
};

module_param_cb(persistent_grant_unused_seconds, &unused_seconds_ops,
		&pvblkback_params.persistent_grant_unused_seconds, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Seconds a persistent grant may stay mapped unused before it is unmapped [1..3600] (default 60)");

static int set_held_wait(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, PVBLKBACK_HELD_WAIT_CAP);
}

static const struct kernel_param_ops held_wait_ops = {
	.set = set_held_wait,
	.get = param_get_uint,
};

module_param_cb(held_pages_wait_seconds, &held_wait_ops,
		&pvblkback_params.held_pages_wait_seconds, 0644);
MODULE_PARM_DESC(held_pages_wait_seconds,
		 "Seconds a disconnect waits for pages the storage stack still holds before it leaves them mapped (leaked) [1..600] (default 30)");

static int set_buffer_pages(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PVBLKBACK_BUFFER_PAGES_CAP);
}

static const struct kernel_param_ops buffer_pages_ops = {
	.set = set_buffer_pages,
	.get = param_get_uint,
};

module_param_cb(max_buffer_pages, &buffer_pages_ops,
		&pvblkback_params.max_buffer_pages, 0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "Most free pages kept for reuse per ring [0..65536] (default 1024)");

module_param_named(log_stats, pvblkback_params.log_stats, bool, 0644);
MODULE_PARM_DESC(log_stats,
		 "Log each device's request statistics periodically [0/1] (default 0)");

/* Indexed by enum pvblkback_flush_mode. */
static const char * const flush_mode_names[] = {
	[PVBLKBACK_FLUSH_AUTO] = "auto",
	[PVBLKBACK_FLUSH_CACHE] = "flush",
	[PVBLKBACK_FLUSH_BARRIER] = "barrier",
};

static int set_flush_mode(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(flush_mode_names, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, i);
	return 0;
}

static int get_flush_mode(char *buf, const struct kernel_param *kp)
{
	unsigned int i = READ_ONCE(*(unsigned int *)kp->arg);

	if (i >= ARRAY_SIZE(flush_mode_names))
		return -EINVAL;
	return sysfs_emit(buf, "%s\n", flush_mode_names[i]);
}

static const struct kernel_param_ops flush_mode_ops = {
	.set = set_flush_mode,
	.get = get_flush_mode,
};

module_param_cb(flush_mode, &flush_mode_ops, &pvblkback_params.flush_mode,
		0644);
MODULE_PARM_DESC(flush_mode,
		 "Cache flush operation advertised when the device caches writes: auto (both), flush (feature-flush-cache only), barrier (feature-barrier only) (default auto)");
