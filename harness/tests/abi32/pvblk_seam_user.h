/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam's userspace side for the compile-only x86_32 layout check
 * (wire_layout_x86_32.c, built with -m32 -ffreestanding): that unit only
 * needs the types and attributes wire.h uses, so it does not depend on a
 * 32-bit libc being installed.  Everything else lives in
 * harness/seam/pvblk_seam_user.h.
 */
#ifndef PVBLK_SEAM_USER_H
#define PVBLK_SEAM_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

struct page;

#define __packed	__attribute__((__packed__))
#define __aligned(x)	__attribute__((__aligned__(x)))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#endif
