// SPDX-License-Identifier: GPL-2.0-only
//
// core/front_shadow.c: shadow ids and every response violation the
// frontend must catch, through a fake shared ring that a test "backend"
// answers with pvblk_put_rsp() and the frontend reads with
// pvblk_fetch_rsp(), exactly as blkfront/ring.c does.

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/front_shadow.h"
#include "pvblk/wire.h"
}

namespace {

struct Shadow {
	pvblk_fshadow s{};
	explicit Shadow(unsigned int n) { EXPECT_EQ(pvblk_fshadow_init(&s, n), 0); }
	~Shadow() { pvblk_fshadow_destroy(&s); }
};

TEST(FrontShadow, InitRejectsBadSizes)
{
	pvblk_fshadow s;

	EXPECT_EQ(pvblk_fshadow_init(&s, 0), -EINVAL);
	EXPECT_EQ(pvblk_fshadow_init(&s, PVBLK_FRONT_MAX_SLOTS + 1), -EINVAL);
}

TEST(FrontShadow, EveryIdOnceThenFull)
{
	Shadow sh(32);
	std::set<int> ids;

	for (int i = 0; i < 32; i++) {
		int id = pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
		ASSERT_GE(id, 0);
		ASSERT_LT(id, 32);
		EXPECT_TRUE(ids.insert(id).second) << "id " << id << " given twice";
	}
	EXPECT_EQ(pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0), -ENOSPC);
	EXPECT_EQ(sh.s.nr_busy, 32u);
	pvblk_fshadow_put(&sh.s, 7);
	EXPECT_EQ(pvblk_fshadow_get(&sh.s, PVBLK_OP_WRITE, 0), 7);
}

TEST(FrontShadow, CheckVerdicts)
{
	Shadow sh(4);
	int r = pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
	int w = pvblk_fshadow_get(&sh.s, PVBLK_OP_INDIRECT, PVBLK_OP_WRITE);
	int f = pvblk_fshadow_get(&sh.s, PVBLK_OP_FLUSH_DISKCACHE, 0);

	EXPECT_EQ(pvblk_fshadow_check(&sh.s, r, PVBLK_OP_READ), PVBLK_RSPC_OK);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, r, PVBLK_OP_WRITE), PVBLK_RSPC_OP_MISMATCH);
	// Backends echo an indirect request's indirect_op; INDIRECT is accepted too.
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, w, PVBLK_OP_WRITE), PVBLK_RSPC_OK);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, w, PVBLK_OP_INDIRECT), PVBLK_RSPC_OK);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, w, PVBLK_OP_READ), PVBLK_RSPC_OP_MISMATCH);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, f, PVBLK_OP_WRITE_BARRIER), PVBLK_RSPC_OP_MISMATCH);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, 3, PVBLK_OP_READ), PVBLK_RSPC_NOT_OUTSTANDING);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, 4, PVBLK_OP_READ), PVBLK_RSPC_ID_RANGE);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, UINT64_MAX, PVBLK_OP_READ), PVBLK_RSPC_ID_RANGE);
	EXPECT_EQ(pvblk_fshadow_check(&sh.s, (1ull << 32) | (uint64_t)r, PVBLK_OP_READ),
		  PVBLK_RSPC_ID_RANGE)
		<< "high id bits must not alias a valid id";
}

TEST(FrontShadow, TakeCompletesOnceOnly)
{
	Shadow sh(8);
	int id = pvblk_fshadow_get(&sh.s, PVBLK_OP_WRITE, 0);
	uint32_t idx = 99;

	ASSERT_EQ(pvblk_fshadow_take(&sh.s, id, PVBLK_OP_WRITE, &idx), PVBLK_RSPC_OK);
	EXPECT_EQ(idx, (uint32_t)id);
	EXPECT_EQ(sh.s.nr_busy, 0u);
	// A replayed response for the same id is a violation, not a second completion.
	EXPECT_EQ(pvblk_fshadow_take(&sh.s, id, PVBLK_OP_WRITE, &idx), PVBLK_RSPC_NOT_OUTSTANDING);
	// A bad op leaves the request outstanding.
	id = pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
	EXPECT_EQ(pvblk_fshadow_take(&sh.s, id, PVBLK_OP_WRITE, &idx), PVBLK_RSPC_OP_MISMATCH);
	EXPECT_TRUE(pvblk_fshadow_busy(&sh.s, id));
	pvblk_fshadow_put(&sh.s, id);
	pvblk_fshadow_put(&sh.s, id); // double put is ignored
	EXPECT_EQ(sh.s.nr_busy, 0u);
}

TEST(FrontShadow, ResetFreesEverything)
{
	Shadow sh(16);

	for (int i = 0; i < 16; i++)
		pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
	pvblk_fshadow_reset(&sh.s);
	EXPECT_EQ(sh.s.nr_busy, 0u);
	for (int i = 0; i < 16; i++)
		EXPECT_FALSE(pvblk_fshadow_busy(&sh.s, i));
	for (int i = 0; i < 16; i++)
		EXPECT_GE(pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0), 0);
}

TEST(FrontShadow, ProducerWindow)
{
	EXPECT_TRUE(pvblk_front_rsp_prod_ok(5, 5, 5));
	EXPECT_TRUE(pvblk_front_rsp_prod_ok(8, 5, 8));
	EXPECT_FALSE(pvblk_front_rsp_prod_ok(9, 5, 8));
	EXPECT_FALSE(pvblk_front_rsp_prod_ok(4, 5, 8)) << "producer moved backwards";
	// wrap-around of the free-running indexes
	EXPECT_TRUE(pvblk_front_rsp_prod_ok(2, UINT32_MAX - 1, 3));
	EXPECT_FALSE(pvblk_front_rsp_prod_ok(4, UINT32_MAX - 1, 3));
}

TEST(FrontShadow, ReasonsNeverNull)
{
	for (int e = 0; e <= PVBLK_RSPC_ERR_MAX + 1; e++)
		EXPECT_NE(pvblk_rsp_reason((pvblk_rsp_err)e), nullptr);
}

// A fake shared ring of one page: header + 32 entries of 112 bytes.
struct FakeRing {
	std::vector<uint8_t> page = std::vector<uint8_t>(PVBLK_PAGE_SIZE);
	unsigned int slots = pvblk_ring_slots(PVBLK_ABI_X86_64, 0);
	uint32_t req_prod_pvt = 0, rsp_cons = 0, rsp_prod = 0;

	void *entry(uint32_t i)
	{
		return pvblk_ring_entry(page.data(), PVBLK_ABI_X86_64, slots, i);
	}
	// the backend answers with whatever it likes
	void respond(uint64_t id, uint8_t op, int16_t st)
	{
		pvblk_put_rsp(entry(rsp_prod++), PVBLK_ABI_X86_64, id, op, st);
	}
};

// The frontend's consume loop as in blkfront/ring.c; returns the ids
// completed and the first violation.
static pvblk_rsp_err consume(FakeRing &r, pvblk_fshadow *s, std::vector<uint32_t> &done)
{
	if (!pvblk_front_rsp_prod_ok(r.rsp_prod, r.rsp_cons, r.req_prod_pvt))
		return PVBLK_RSPC_PROD;
	while (r.rsp_cons != r.rsp_prod) {
		uint64_t id;
		uint8_t op;
		int16_t st;
		uint32_t idx;

		pvblk_fetch_rsp(r.entry(r.rsp_cons), PVBLK_ABI_X86_64, &id, &op, &st);
		pvblk_rsp_err e = pvblk_fshadow_take(s, id, op, &idx);
		if (e)
			return e;
		r.rsp_cons++;
		done.push_back(idx);
	}
	return PVBLK_RSPC_OK;
}

TEST(FrontRing, WellBehavedBackendCompletesEachOnce)
{
	Shadow sh(32);
	FakeRing r;
	std::vector<uint32_t> done;
	std::vector<int> ids;

	for (int i = 0; i < 32; i++) {
		ids.push_back(pvblk_fshadow_get(&sh.s, i % 2 ? PVBLK_OP_WRITE : PVBLK_OP_READ, 0));
		r.req_prod_pvt++;
	}
	for (int i = 31; i >= 0; i--) // out of order is fine
		r.respond(ids[i], i % 2 ? PVBLK_OP_WRITE : PVBLK_OP_READ, PVBLK_RSP_OKAY);
	EXPECT_EQ(consume(r, &sh.s, done), PVBLK_RSPC_OK);
	EXPECT_EQ(done.size(), 32u);
	EXPECT_EQ(std::set<uint32_t>(done.begin(), done.end()).size(), 32u);
}

TEST(FrontRing, EachViolationIsCaught)
{
	struct Case {
		const char *what;
		uint64_t id;
		uint8_t op;
		int extra; // responses beyond the requests sent
		pvblk_rsp_err want;
	} cases[] = {
		{ "id out of range", 32, PVBLK_OP_READ, 0, PVBLK_RSPC_ID_RANGE },
		{ "id never sent", 5, PVBLK_OP_READ, 0, PVBLK_RSPC_NOT_OUTSTANDING },
		{ "op mismatch", 0, PVBLK_OP_WRITE, 0, PVBLK_RSPC_OP_MISMATCH },
		{ "producer ahead", 0, PVBLK_OP_READ, 1, PVBLK_RSPC_PROD },
	};
	for (const Case &c : cases) {
		Shadow sh(32);
		FakeRing r;
		std::vector<uint32_t> done;

		ASSERT_EQ(pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0), 0);
		r.req_prod_pvt++;
		r.respond(c.id, c.op, PVBLK_RSP_OKAY);
		for (int i = 0; i < c.extra; i++)
			r.respond(0, PVBLK_OP_READ, PVBLK_RSP_OKAY);
		EXPECT_EQ(consume(r, &sh.s, done), c.want) << c.what;
		EXPECT_TRUE(done.empty()) << c.what;
	}
}

TEST(FrontRing, DuplicateResponseNeverCompletesTwice)
{
	Shadow sh(32);
	FakeRing r;
	std::vector<uint32_t> done;

	int a = pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
	pvblk_fshadow_get(&sh.s, PVBLK_OP_READ, 0);
	r.req_prod_pvt = 2;
	r.respond(a, PVBLK_OP_READ, PVBLK_RSP_OKAY);
	r.respond(a, PVBLK_OP_READ, PVBLK_RSP_OKAY); // replay instead of the 2nd
	EXPECT_EQ(consume(r, &sh.s, done), PVBLK_RSPC_NOT_OUTSTANDING);
	EXPECT_EQ(done, std::vector<uint32_t>{ (uint32_t)a });
}

TEST(FrontRing, RecoveryReissuesEveryOutstandingId)
{
	// Suspend with requests in flight: the glue walks the busy ids, hands
	// their requests back and resets; after resume every id is free again
	// and the re-issued requests get fresh ids on the new ring.
	Shadow sh(32);
	std::vector<int> inflight;

	for (int i = 0; i < 20; i++)
		inflight.push_back(pvblk_fshadow_get(&sh.s, PVBLK_OP_WRITE, 0));
	pvblk_fshadow_put(&sh.s, inflight[3]); // one completed before suspend
	int busy = 0;
	for (unsigned int i = 0; i < 32; i++)
		busy += pvblk_fshadow_busy(&sh.s, i);
	EXPECT_EQ(busy, 19);
	for (unsigned int i = 0; i < 32; i++)
		if (pvblk_fshadow_busy(&sh.s, i))
			pvblk_fshadow_put(&sh.s, i);
	EXPECT_EQ(sh.s.nr_busy, 0u);
	for (int i = 0; i < 19; i++)
		EXPECT_GE(pvblk_fshadow_get(&sh.s, PVBLK_OP_WRITE, 0), 0);
}

} // namespace
