/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam: the only header the pvblk protocol core (core/ *.c) includes
 * besides other include/pvblk headers.
 *
 * Inside the kernel it pulls the kernel headers the core needs.  In
 * userspace (the unit tests, benchmarks and fuzzers under harness/) it pulls
 * pvblk_seam_user.h from the include path instead: a small emulation of
 * the same kernel API built on libc.  The core .c files are compiled
 * unchanged in both worlds.
 *
 * What the core may use, and therefore what the userspace fake provides:
 *   types      u8 u16 u32 u64 s16 s32 bool size_t, struct page (opaque)
 *   attributes __packed __aligned() likely() unlikely() static_assert()
 *              offsetof()
 *   strings    memcpy() memset() memcmp()
 *   errors     EINVAL ERANGE ENOMEM ENOSPC EPROTO ENOENT
 *   ordering   READ_ONCE() WRITE_ONCE() barrier() virt_mb() virt_rmb()
 *              virt_wmb()
 *   helpers    min() max() min3() min_t() max_t() clamp_val()
 *              DIV_ROUND_UP() ARRAY_SIZE()
 *              is_power_of_2() roundup_pow_of_two()
 *   memory     kvcalloc(n, size, GFP_KERNEL) kvfree()
 *
 * Anything else added to the core must be added to both sides here.
 */
#ifndef PVBLK_SEAM_H
#define PVBLK_SEAM_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/barrier.h>

struct page;

#else /* !__KERNEL__ */

#include "pvblk_seam_user.h"

#endif /* __KERNEL__ */

#endif /* PVBLK_SEAM_H */
