/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace side of the seam (include/pvblk/seam.h): the small part of the
 * kernel API that the pvblk protocol core uses, emulated with libc so that
 * the very same core .c files build into the unit tests, the benchmarks and
 * the fuzzers.  Keep this list equal to the one documented in seam.h.
 *
 * Honesty rules: nothing here changes behaviour the tests assert on.  The
 * barriers are real fences, kvcalloc really zeroes, and the only test hook
 * (allocation failure injection) is explicit and off by default.
 */
#ifndef PVBLK_SEAM_USER_H
#define PVBLK_SEAM_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Opaque as in the core: only pointers to it are stored, never followed. */
struct page;

#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#ifndef __cplusplus
#undef static_assert
#define static_assert(expr, ...) _Static_assert(expr, "" __VA_ARGS__)
#endif

/* Ordering: the same guarantees as the kernel's, from C11 fences. */
#define barrier()		__asm__ __volatile__("" ::: "memory")
#define virt_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define virt_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virt_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

/*
 * Helpers whose names clash with C++ libraries (std::min, ...) exist only
 * for the C translation units, i.e. the core itself.
 */
#ifndef __cplusplus
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define min3(a, b, c)		min(min(a, b), c)
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp_val(v, lo, hi) \
	min_t(__typeof__(v), max_t(__typeof__(v), v, lo), hi)
#endif
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

/*
 * Memory.  GFP flags are accepted and ignored.  pvblk_fake_alloc_fail_in
 * is the fault-injection hook: when it is N > 0, the Nth following
 * allocation fails (returns NULL) and the counter disarms.
 */
typedef unsigned int gfp_t;
#define GFP_KERNEL	0u

extern int pvblk_fake_alloc_fail_in;

static inline void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	(void)flags;
	if (pvblk_fake_alloc_fail_in > 0 && --pvblk_fake_alloc_fail_in == 0)
		return NULL;
	return calloc(n, size);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#ifdef __cplusplus
}
#endif

#endif /* PVBLK_SEAM_USER_H */
