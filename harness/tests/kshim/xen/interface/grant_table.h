/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim for the kernel's xen/interface/grant_table.h: just enough
 * (grant_ref_t) for the kernel's own io/blkif.h and io/ring.h to compile in
 * the layout tests.  The real header needs the kernel's Xen arch headers.
 */
#ifndef PVBLK_KSHIM_GRANT_TABLE_H
#define PVBLK_KSHIM_GRANT_TABLE_H

#include <stdint.h>

typedef uint32_t grant_ref_t;

#endif
