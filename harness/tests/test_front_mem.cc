// SPDX-License-Identifier: GPL-2.0-only
//
// core/front_mem.c: the frontend's memory per disk - shadow cost of a
// connection, the clamp that makes it fit the guest and the pool bound.

#include <cstdint>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/front_mem.h"
#include "pvblk/wire.h"
}

namespace {

// Sizes close to the kernel's (x86_64): shadow ~300 bytes, per segment
// 4 (grant ref) + 8 (page pointer) + 8 (segment) + 32 (scatterlist).
constexpr pvblk_front_mem_sizes kSizes = { 300, 52, 1024 };
constexpr uint64_t kMiB = 1ull << 20;

pvblk_conn conn(uint32_t queues, uint32_t order, uint32_t indirect)
{
	pvblk_conn c{};
	c.nr_queues = queues;
	c.ring_order = order;
	c.max_indirect_segs = indirect;
	c.persistent = true;
	return c;
}

uint64_t ram_pages(uint64_t mib)
{
	return mib * kMiB / PVBLK_PAGE_SIZE;
}

TEST(FrontMem, Budget)
{
	EXPECT_EQ(pvblk_front_mem_budget(ram_pages(256)), 8 * kMiB);
	EXPECT_EQ(pvblk_front_mem_budget(ram_pages(1024)), 32 * kMiB);
	EXPECT_EQ(pvblk_front_mem_budget(0), 0u);
}

TEST(FrontMem, ShadowCost)
{
	pvblk_conn c = conn(1, 0, 0);
	uint32_t slots0 = pvblk_ring_slots(PVBLK_ABI_X86_64, 0);

	EXPECT_EQ(pvblk_front_mem_segs(&c), PVBLK_MAX_SEGS_DIRECT);
	EXPECT_EQ(pvblk_front_mem_shadow(&c, &kSizes), uint64_t(slots0) * (300 + 11 * 52));
	// Indirect at or below 11 is "direct only" (negotiate.h).
	c = conn(1, 0, 11);
	EXPECT_EQ(pvblk_front_mem_segs(&c), PVBLK_MAX_SEGS_DIRECT);

	uint32_t slots4 = pvblk_ring_slots(PVBLK_ABI_X86_64, 4);
	c = conn(4, 4, PVBLK_MAX_INDIRECT_SEGS);
	EXPECT_EQ(pvblk_front_mem_segs(&c), PVBLK_MAX_INDIRECT_SEGS);
	EXPECT_EQ(pvblk_front_mem_shadow(&c, &kSizes),
		  4ull * slots4 * (300 + uint64_t(PVBLK_MAX_INDIRECT_SEGS) * 52));
	// A large case: hundreds of MiB for one disk.
	EXPECT_GT(pvblk_front_mem_shadow(&c, &kSizes), 256 * kMiB);
}

TEST(FrontMem, FitsUntouched)
{
	// Default-ish settings in a 1 GiB guest: nothing to clamp.
	pvblk_conn c = conn(2, 0, 32);
	pvblk_front_mem_plan p{};

	pvblk_front_mem_clamp(&c, pvblk_front_mem_budget(ram_pages(1024)), &kSizes, &p);
	EXPECT_FALSE(p.clamped);
	EXPECT_EQ(c.nr_queues, 2u);
	EXPECT_EQ(c.ring_order, 0u);
	EXPECT_EQ(c.max_indirect_segs, 32u);
	// Pool: a full ring of full requests (32 x 33) above the cap.
	EXPECT_EQ(p.pool_pages, 1024u);
	EXPECT_EQ(p.shadow_bytes, pvblk_front_mem_shadow(&c, &kSizes));
}

TEST(FrontMem, LargestSettingsIn256MiB)
{
	// max_ring_page_order=4 max_queues=4 (2 vCPUs) and every indirect
	// segment, in a 256 MiB guest (about 240 MiB usable).
	pvblk_conn c = conn(2, 4, PVBLK_MAX_INDIRECT_SEGS);
	pvblk_front_mem_plan p{};
	uint64_t budget = pvblk_front_mem_budget(ram_pages(240));

	pvblk_front_mem_clamp(&c, budget, &kSizes, &p);
	EXPECT_TRUE(p.clamped);
	// Segments are lowered first: queues and ring order survive.
	EXPECT_EQ(c.nr_queues, 2u);
	EXPECT_EQ(c.ring_order, 4u);
	EXPECT_GE(c.max_indirect_segs, PVBLK_FRONT_MEM_MIN_INDIRECT);
	EXPECT_LT(c.max_indirect_segs, uint32_t(PVBLK_MAX_INDIRECT_SEGS));
	EXPECT_LE(p.shadow_bytes, budget / 2);
	// Not lowered more than needed: twice the segments would not fit.
	pvblk_conn twice = c;
	twice.max_indirect_segs *= 2;
	EXPECT_GT(pvblk_front_mem_shadow(&twice, &kSizes), budget / 2);
	// Pools of both rings within the other half.
	EXPECT_LE(uint64_t(p.pool_pages) * 2 * PVBLK_PAGE_SIZE, budget / 2);
	EXPECT_GE(p.pool_pages, pvblk_front_mem_req_pages(&c));
}

TEST(FrontMem, StepOrder)
{
	// A tiny budget walks every step down to the smallest connection.
	pvblk_conn c = conn(4, 4, 4096);
	pvblk_front_mem_plan p{};

	pvblk_front_mem_clamp(&c, 1, &kSizes, &p);
	EXPECT_TRUE(p.clamped);
	EXPECT_EQ(c.nr_queues, 1u);
	EXPECT_EQ(c.ring_order, 0u);
	EXPECT_EQ(c.max_indirect_segs, 0u);
	// The smallest connection is allowed even over budget, and its pool
	// still holds one full request.
	EXPECT_EQ(p.pool_pages, uint32_t(PVBLK_MAX_SEGS_DIRECT));

	// A budget that fits order 2 with 32 segments and 4 queues exactly:
	// segments go to 32 first, then the order drops until it fits.
	pvblk_conn want = conn(4, 2, 32);
	uint64_t b = 2 * pvblk_front_mem_shadow(&want, &kSizes);

	c = conn(4, 4, 4096);
	pvblk_front_mem_clamp(&c, b, &kSizes, &p);
	EXPECT_EQ(c.max_indirect_segs, 32u);
	EXPECT_EQ(c.ring_order, 2u);
	EXPECT_EQ(c.nr_queues, 4u);
	EXPECT_EQ(p.shadow_bytes, b / 2);

	// Indirect counts that are not powers of two halve to the floor.
	c = conn(1, 0, 100);
	pvblk_conn at32 = conn(1, 0, 32);
	b = 2 * pvblk_front_mem_shadow(&at32, &kSizes);
	pvblk_front_mem_clamp(&c, b, &kSizes, &p);
	EXPECT_EQ(c.max_indirect_segs, 32u);
}

TEST(FrontMem, PoolBound)
{
	pvblk_front_mem_plan p{};
	pvblk_front_mem_sizes capped = kSizes;

	// Pool share split between rings: 4 MiB half / 2 rings = 512 pages.
	pvblk_conn c = conn(2, 0, 32);
	uint64_t budget = 8 * kMiB;

	pvblk_front_mem_clamp(&c, budget, &kSizes, &p);
	EXPECT_EQ(p.pool_pages, 512u);

	// A full ring of direct requests (32 x 11) is below the share.
	c = conn(1, 0, 0);
	pvblk_front_mem_clamp(&c, 64 * kMiB, &kSizes, &p);
	EXPECT_EQ(p.pool_pages, 32u * 11u);

	// The hard cap bounds the pool, but never below one largest request:
	// with persistent grants a request gets its pages from the pool only.
	capped.pool_cap = 4;
	c = conn(1, 0, 0);
	pvblk_front_mem_clamp(&c, 64 * kMiB, &capped, &p);
	EXPECT_EQ(p.pool_pages, uint32_t(PVBLK_MAX_SEGS_DIRECT));
	c = conn(1, 0, 4096);
	pvblk_front_mem_clamp(&c, 1ull << 40, &capped, &p);
	EXPECT_EQ(p.pool_pages, 4096u + 8u);
}

TEST(FrontMem, RequestPages)
{
	pvblk_conn c = conn(1, 0, 0);

	EXPECT_EQ(pvblk_front_mem_req_pages(&c), uint32_t(PVBLK_MAX_SEGS_DIRECT));
	c = conn(1, 0, 32);
	EXPECT_EQ(pvblk_front_mem_req_pages(&c), 33u);
	c = conn(1, 0, 512);
	EXPECT_EQ(pvblk_front_mem_req_pages(&c), 513u);
	c = conn(1, 0, 513);
	EXPECT_EQ(pvblk_front_mem_req_pages(&c), 515u);
}

TEST(FrontMem, SanitisesInput)
{
	pvblk_front_mem_plan p{};
	pvblk_conn c = conn(0, 9, 0);

	pvblk_front_mem_clamp(&c, 64 * kMiB, &kSizes, &p);
	EXPECT_EQ(c.nr_queues, 1u);
	EXPECT_EQ(c.ring_order, uint32_t(PVBLK_MAX_RING_ORDER));
}

} // namespace
