// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: Xen paravirtual block device backend (blkif) for dom0.
 * Module entry points.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>
#include <xen/xen.h>

#include "pvblk/version.h"
#include "common.h"

struct workqueue_struct *pvblkback_wq;

static int __init pvblkback_init(void)
{
	int err;

	if (!xen_domain()) {
		pr_err("not running on Xen: the backend needs a Xen dom0\n");
		return -ENODEV;
	}
	if (!xen_initial_domain()) {
		pr_err("not the initial domain: the backend runs in dom0 only\n");
		return -ENODEV;
	}
	pvblkback_wq = alloc_workqueue("pvblkback", WQ_UNBOUND, 0);
	if (!pvblkback_wq)
		return -ENOMEM;
	err = pvblkback_xenbus_register();
	if (err)
		goto fail;
	return 0;

fail:
	destroy_workqueue(pvblkback_wq);
	return err;
}
module_init(pvblkback_init);

static void __exit pvblkback_exit(void)
{
	pvblkback_xenbus_unregister();
	/* every reaper still draining: waits for it, and its device's free */
	destroy_workqueue(pvblkback_wq);
}
module_exit(pvblkback_exit);

MODULE_DESCRIPTION("Xen paravirtual block device backend (blkif), pvblk");
MODULE_AUTHOR("The pvblk authors");
MODULE_LICENSE("GPL v2");
MODULE_VERSION(PVBLK_VERSION);
MODULE_ALIAS("xen-backend:vbd");
