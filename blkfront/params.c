// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront module parameters, all in one place. Each is checked when it
 * is set - on the insmod/modprobe command line and through
 * /sys/module/pvblkfront/parameters - so an out-of-range value is refused
 * with -EINVAL and never reaches the driver. The defaults are those of
 * Documentation/parameters.rst and of each MODULE_PARM_DESC below.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>

#include "pvblk/wire.h"
#include "common.h"

/* Sanity cap (the protocol itself sets no bound on it). */
#define PVBLKFRONT_QUEUES_CAP	256

/* max_indirect_segments: 256 (1 MiB) was measured, see Documentation/ */
struct pvblkfront_params pvblkfront_params = {
	.max_indirect_segments = 256,
	.max_queues = 4,
	.max_ring_page_order = 0,
	.trusted = true,
	.feature_persistent = true,
};

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
		&pvblkfront_params.max_indirect_segments, 0444);
MODULE_PARM_DESC(max_indirect_segments,
		 "Most segments per indirect request; the backend's limit also applies; 0 disables indirect requests [0, 11..4096] (default 256)");

static int set_queues(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, PVBLKFRONT_QUEUES_CAP);
}

static const struct kernel_param_ops queues_ops = {
	.set = set_queues,
	.get = param_get_uint,
};

module_param_cb(max_queues, &queues_ops, &pvblkfront_params.max_queues, 0444);
MODULE_PARM_DESC(max_queues,
		 "Most rings (queues) per disk; also bounded by online CPUs and the backend's limit [1..256] (default 4)");

static int set_ring_order(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PVBLK_MAX_RING_ORDER);
}

static const struct kernel_param_ops ring_order_ops = {
	.set = set_ring_order,
	.get = param_get_uint,
};

module_param_cb(max_ring_page_order, &ring_order_ops,
		&pvblkfront_params.max_ring_page_order, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest shared ring to use, as log2 of its pages; the backend's limit also applies [0..4] (default 0)");

module_param_named(trusted, pvblkfront_params.trusted, bool, 0644);
MODULE_PARM_DESC(trusted,
		 "Trust the backend with guest pages; 0 copies all data through dedicated pages [0/1] (default 1)");

module_param_named(feature_persistent, pvblkfront_params.feature_persistent,
		   bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Advertise persistent grants to backends [0/1] (default 1)");
