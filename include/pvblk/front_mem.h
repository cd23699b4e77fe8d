/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frontend memory per virtual disk, as pure functions: how much a
 * connection costs and how to clamp its negotiated limits so that it fits
 * the guest.
 *
 * A frontend spends memory per disk in two ways:
 *
 *   shadow state   allocated at connect for every ring slot: a fixed
 *                  part plus per-segment arrays (grant refs, page
 *                  pointers, segments, scatterlist) sized for the
 *                  largest request.  queues x slots x (fixed + segments x
 *                  per-segment) bytes; with 4 queues, ring order 4 and
 *                  4096 segments that is hundreds of MiB.
 *   grant pool     pages granted to the backend (persistent grants,
 *                  bounce, indirect pages), added one at a time when a
 *                  request needs one and kept up to a bound per ring.
 *                  Nothing of it exists at connect.
 *
 * The budget per disk is 1/32 of the guest's RAM (PVBLK_FRONT_MEM_SHIFT):
 * half of it for the shadow state, half for the pools of all rings.  When
 * the shadow state of the negotiated limits does not fit its half, the
 * limits are lowered in this order, one step at a time, until it fits:
 * indirect segments halved down to PVBLK_FRONT_MEM_MIN_INDIRECT, then the
 * ring order lowered to 0, then the queues to 1, then indirect requests
 * off.  The smallest connection (1 queue, order 0, direct requests) is
 * always allowed.  The pool bound per ring is then the smallest of the
 * pool cap, a full ring of full requests (slots x pages of one request)
 * and the pool half of the budget split among the rings - but never below
 * the pages of one largest request, cap or not (with persistent grants a
 * request only ever uses pool pages, and waits for them).
 */
#ifndef PVBLK_FRONT_MEM_H
#define PVBLK_FRONT_MEM_H

#include "pvblk/seam.h"
#include "pvblk/negotiate.h"

/* Budget per disk: RAM >> this (1/32). */
#define PVBLK_FRONT_MEM_SHIFT		5
/* Indirect segments are not halved below this. */
#define PVBLK_FRONT_MEM_MIN_INDIRECT	32u

/* Sizes of the frontend's own structures, from the kernel glue. */
struct pvblk_front_mem_sizes {
	u32 slot_fixed;		/* bytes per ring slot, whatever the segments */
	u32 slot_per_seg;	/* bytes per ring slot and segment */
	u32 pool_cap;		/* most pool pages per ring, hard cap */
};

/* What pvblk_front_mem_clamp() decided. */
struct pvblk_front_mem_plan {
	u32 pool_pages;		/* pool bound per ring */
	u64 shadow_bytes;	/* shadow state of all rings */
	u64 budget_bytes;	/* the disk's whole budget */
	bool clamped;		/* @conn was lowered */
};

/* Budget in bytes for one disk of a guest with @ram_pages 4 KiB pages. */
u64 pvblk_front_mem_budget(u64 ram_pages);

/* Segments per request for @conn (indirect limit, or the 11 direct). */
u32 pvblk_front_mem_segs(const struct pvblk_conn *conn);

/*
 * Granted pages one largest request of @conn uses: its data segments and,
 * when it is indirect, its indirect descriptor pages.
 */
u32 pvblk_front_mem_req_pages(const struct pvblk_conn *conn);

/* Shadow bytes the rings of @conn allocate at connect. */
u64 pvblk_front_mem_shadow(const struct pvblk_conn *conn,
			   const struct pvblk_front_mem_sizes *sz);

/*
 * Lower @conn's nr_queues, ring_order and max_indirect_segs until its
 * shadow state fits half of @budget_bytes, and choose the pool bound (see
 * above).  @conn must come from pvblk_negotiate_front() (ring order within
 * PVBLK_MAX_RING_ORDER, at least one queue).
 */
void pvblk_front_mem_clamp(struct pvblk_conn *conn, u64 budget_bytes,
			   const struct pvblk_front_mem_sizes *sz,
			   struct pvblk_front_mem_plan *plan);

#endif /* PVBLK_FRONT_MEM_H */
