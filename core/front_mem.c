// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frontend memory per disk: cost of a connection and the clamp that makes
 * it fit the guest (see include/pvblk/front_mem.h).
 */
#include "pvblk/front_mem.h"
#include "pvblk/front_req.h"

u64 pvblk_front_mem_budget(u64 ram_pages)
{
	return (ram_pages * PVBLK_PAGE_SIZE) >> PVBLK_FRONT_MEM_SHIFT;
}

u32 pvblk_front_mem_segs(const struct pvblk_conn *conn)
{
	return pvblk_front_max_segs(conn->max_indirect_segs, PVBLK_FC_NONE);
}

u32 pvblk_front_mem_req_pages(const struct pvblk_conn *conn)
{
	u32 segs = pvblk_front_mem_segs(conn);

	if (segs <= PVBLK_MAX_SEGS_DIRECT)
		return segs;
	return segs + DIV_ROUND_UP(segs, PVBLK_SEGS_PER_INDIRECT_PAGE);
}

static u32 slots_of(const struct pvblk_conn *conn)
{
	return pvblk_ring_slots(PVBLK_ABI_X86_64, conn->ring_order);
}

u64 pvblk_front_mem_shadow(const struct pvblk_conn *conn,
			   const struct pvblk_front_mem_sizes *sz)
{
	u64 per_slot = sz->slot_fixed +
		       (u64)pvblk_front_mem_segs(conn) * sz->slot_per_seg;

	return (u64)conn->nr_queues * slots_of(conn) * per_slot;
}

/* Lower one limit by one step; false when nothing is left to lower. */
static bool step_down(struct pvblk_conn *conn)
{
	if (conn->max_indirect_segs > PVBLK_FRONT_MEM_MIN_INDIRECT) {
		conn->max_indirect_segs =
			max_t(u32, conn->max_indirect_segs / 2,
			      PVBLK_FRONT_MEM_MIN_INDIRECT);
		return true;
	}
	if (conn->ring_order > 0) {
		conn->ring_order--;
		return true;
	}
	if (conn->nr_queues > 1) {
		conn->nr_queues--;
		return true;
	}
	if (conn->max_indirect_segs) {
		conn->max_indirect_segs = 0;
		return true;
	}
	return false;
}

void pvblk_front_mem_clamp(struct pvblk_conn *conn, u64 budget_bytes,
			   const struct pvblk_front_mem_sizes *sz,
			   struct pvblk_front_mem_plan *plan)
{
	u64 half = budget_bytes / 2, pool_ring, full;
	u32 req;

	plan->clamped = false;
	plan->budget_bytes = budget_bytes;
	if (!conn->nr_queues)
		conn->nr_queues = 1;
	if (conn->ring_order > PVBLK_MAX_RING_ORDER)
		conn->ring_order = PVBLK_MAX_RING_ORDER;
	while (pvblk_front_mem_shadow(conn, sz) > half && step_down(conn))
		plan->clamped = true;
	plan->shadow_bytes = pvblk_front_mem_shadow(conn, sz);

	req = pvblk_front_mem_req_pages(conn);
	full = (u64)slots_of(conn) * req;
	pool_ring = half / PVBLK_PAGE_SIZE / conn->nr_queues;
	pool_ring = min3(pool_ring, full, (u64)sz->pool_cap);
	/*
	 * One largest request always fits, whatever the budget and the cap:
	 * with persistent grants every page a request uses comes from the
	 * pool, and a request waits for pool pages rather than use others.
	 */
	pool_ring = max_t(u64, pool_ring, req);
	plan->pool_pages = (u32)pool_ring;
}
