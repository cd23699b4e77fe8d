// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkfront: Xen paravirtual block device frontend (blkif) for guests.
 * Module entry points.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/module.h>
#include <xen/xen.h>

#include "pvblk/version.h"
#include "common.h"

static int __init pvblkfront_init(void)
{
	int err;

	if (!xen_domain()) {
		pr_err("not running in a Xen domain\n");
		return -ENODEV;
	}
	/* Held requests and device frees (held.c); may run under writeback. */
	pvblkfront_wq = alloc_workqueue("pvblkfront", WQ_MEM_RECLAIM, 0);
	if (!pvblkfront_wq)
		return -ENOMEM;
	err = pvblkfront_major_register();
	if (err)
		goto out_wq;
	err = pvblkfront_xenbus_register();
	if (err)
		goto out_major;
	return 0;

out_major:
	pvblkfront_major_unregister();
out_wq:
	destroy_workqueue(pvblkfront_wq);
	return err;
}
module_init(pvblkfront_init);

static void __exit pvblkfront_exit(void)
{
	pvblkfront_xenbus_unregister();
	/*
	 * Idle: anything held pins the module.  Before the major goes: the
	 * held work's last run deletes a disk.
	 */
	destroy_workqueue(pvblkfront_wq);
	pvblkfront_major_unregister();
}
module_exit(pvblkfront_exit);

MODULE_DESCRIPTION("Xen paravirtual block device frontend (blkif), pvblk");
MODULE_AUTHOR("The pvblk authors");
MODULE_LICENSE("GPL v2");
MODULE_VERSION(PVBLK_VERSION);
/*
 * The stock xen-blkfront's aliases: "xen:vbd" for xenbus autoloading,
 * "xenblk" for configurations that name the driver that way, and
 * block-major-202 for the kernel's request_module() on the xvd major.
 */
MODULE_ALIAS("xen:vbd");
MODULE_ALIAS("xenblk");
MODULE_ALIAS_BLOCKDEV_MAJOR(PVBLK_XVD_MAJOR);
