// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblkback: Xen paravirtual block device backend (blkif) for dom0.
 * Module entry points.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <xen/xen.h>

#include "pvblk/version.h"
#include "common.h"

static int __init pvblkback_init(void)
{
	if (!xen_domain()) {
		pr_err("not running on Xen: the backend needs a Xen dom0\n");
		return -ENODEV;
	}
	if (!xen_initial_domain()) {
		pr_err("not the initial domain: the backend runs in dom0 only\n");
		return -ENODEV;
	}
	return pvblkback_xenbus_register();
}
module_init(pvblkback_init);

static void __exit pvblkback_exit(void)
{
	pvblkback_xenbus_unregister();
}
module_exit(pvblkback_exit);

MODULE_DESCRIPTION("Xen paravirtual block device backend (blkif), pvblk");
MODULE_AUTHOR("The pvblk authors");
MODULE_LICENSE("GPL v2");
MODULE_VERSION(PVBLK_VERSION);
MODULE_ALIAS("xen-backend:vbd");
