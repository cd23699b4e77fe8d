// SPDX-License-Identifier: GPL-2.0-only
//
// core/front_req.c: the flush/FUA mapping table, wire operation choice,
// segment arithmetic, direct and indirect request building.

#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/front_req.h"
#include "pvblk/wire.h"
}

namespace {

TEST(FrontCache, ModeTable)
{
	EXPECT_EQ(pvblk_front_cache_mode(false, false), PVBLK_FC_NONE);
	EXPECT_EQ(pvblk_front_cache_mode(true, false), PVBLK_FC_FLUSH);
	EXPECT_EQ(pvblk_front_cache_mode(false, true), PVBLK_FC_BARRIER);
	// Both offered: flush-cache wins (documented in front_req.h).
	EXPECT_EQ(pvblk_front_cache_mode(true, true), PVBLK_FC_FLUSH);

	pvblk_front_caps c = pvblk_front_cache_caps(PVBLK_FC_NONE);
	EXPECT_FALSE(c.write_cache);
	EXPECT_FALSE(c.fua);
	c = pvblk_front_cache_caps(PVBLK_FC_FLUSH);
	EXPECT_TRUE(c.write_cache);
	EXPECT_FALSE(c.fua);
	c = pvblk_front_cache_caps(PVBLK_FC_BARRIER);
	EXPECT_TRUE(c.write_cache);
	EXPECT_TRUE(c.fua);
}

struct Mapped {
	pvblk_front_action act;
	uint8_t op, iop;
};

Mapped map(pvblk_front_cache m, pvblk_front_kind k, bool fua, unsigned int n, unsigned int ind = 32,
	   bool discard = false, bool secure = false)
{
	Mapped r{};
	r.act = pvblk_front_map(m, k, fua, n, ind, discard, secure, &r.op, &r.iop);
	return r;
}

TEST(FrontMap, EmptyFlushAlwaysReachesTheBackend)
{
	Mapped r = map(PVBLK_FC_FLUSH, PVBLK_FK_FLUSH, false, 0);
	EXPECT_EQ(r.act, PVBLK_FA_SEND);
	EXPECT_EQ(r.op, PVBLK_OP_FLUSH_DISKCACHE);
	r = map(PVBLK_FC_BARRIER, PVBLK_FK_FLUSH, false, 0);
	EXPECT_EQ(r.act, PVBLK_FA_SEND);
	EXPECT_EQ(r.op, PVBLK_OP_WRITE_BARRIER);
	// Only without any cache mode (never claimed, or refused) is it local.
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_FLUSH, false, 0).act, PVBLK_FA_DONE);
}

TEST(FrontMap, FuaWrites)
{
	Mapped r = map(PVBLK_FC_BARRIER, PVBLK_FK_WRITE, true, 4);
	EXPECT_EQ(r.act, PVBLK_FA_SEND);
	EXPECT_EQ(r.op, PVBLK_OP_WRITE_BARRIER);
	// barriers cannot be indirect
	EXPECT_EQ(map(PVBLK_FC_BARRIER, PVBLK_FK_WRITE, true, 12).act, PVBLK_FA_UNSUPP);
	// flush mode: FUA is emulated by the block layer; the write is plain
	r = map(PVBLK_FC_FLUSH, PVBLK_FK_WRITE, true, 4);
	EXPECT_EQ(r.op, PVBLK_OP_WRITE);
	r = map(PVBLK_FC_NONE, PVBLK_FK_WRITE, true, 4);
	EXPECT_EQ(r.op, PVBLK_OP_WRITE);
}

TEST(FrontMap, DirectAndIndirect)
{
	Mapped r = map(PVBLK_FC_NONE, PVBLK_FK_READ, false, 11);
	EXPECT_EQ(r.op, PVBLK_OP_READ);
	r = map(PVBLK_FC_NONE, PVBLK_FK_READ, false, 12, 32);
	EXPECT_EQ(r.act, PVBLK_FA_SEND);
	EXPECT_EQ(r.op, PVBLK_OP_INDIRECT);
	EXPECT_EQ(r.iop, PVBLK_OP_READ);
	r = map(PVBLK_FC_FLUSH, PVBLK_FK_WRITE, false, 32, 32);
	EXPECT_EQ(r.op, PVBLK_OP_INDIRECT);
	EXPECT_EQ(r.iop, PVBLK_OP_WRITE);
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_READ, false, 33, 32).act, PVBLK_FA_UNSUPP);
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_READ, false, 12, 0).act, PVBLK_FA_UNSUPP);
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_READ, false, 0).act, PVBLK_FA_UNSUPP);
}

TEST(FrontMap, Discard)
{
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_DISCARD, false, 0).act, PVBLK_FA_UNSUPP);
	Mapped r = map(PVBLK_FC_NONE, PVBLK_FK_DISCARD, false, 0, 0, true);
	EXPECT_EQ(r.act, PVBLK_FA_SEND);
	EXPECT_EQ(r.op, PVBLK_OP_DISCARD);
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_SECURE_ERASE, false, 0, 0, true).act,
		  PVBLK_FA_UNSUPP);
	EXPECT_EQ(map(PVBLK_FC_NONE, PVBLK_FK_SECURE_ERASE, false, 0, 0, true, true).act,
		  PVBLK_FA_SEND);
}

TEST(FrontLimits, MaxSegments)
{
	EXPECT_EQ(pvblk_front_max_segs(0, PVBLK_FC_FLUSH), 11u);
	EXPECT_EQ(pvblk_front_max_segs(32, PVBLK_FC_FLUSH), 32u);
	EXPECT_EQ(pvblk_front_max_segs(32, PVBLK_FC_BARRIER), 11u);
	EXPECT_EQ(pvblk_front_max_segs(100000, PVBLK_FC_NONE), (unsigned)PVBLK_MAX_INDIRECT_SEGS);
}

TEST(FrontSeg, SectorArithmetic)
{
	uint8_t f, l;

	ASSERT_EQ(pvblk_front_seg(0, 4096, &f, &l), 0);
	EXPECT_EQ(f, 0);
	EXPECT_EQ(l, 7);
	ASSERT_EQ(pvblk_front_seg(512, 1024, &f, &l), 0);
	EXPECT_EQ(f, 1);
	EXPECT_EQ(l, 2);
	ASSERT_EQ(pvblk_front_seg(3584, 512, &f, &l), 0);
	EXPECT_EQ(f, 7);
	EXPECT_EQ(l, 7);
	EXPECT_EQ(pvblk_front_seg(0, 0, &f, &l), -EINVAL);
	EXPECT_EQ(pvblk_front_seg(100, 512, &f, &l), -EINVAL);
	EXPECT_EQ(pvblk_front_seg(0, 513, &f, &l), -EINVAL);
	EXPECT_EQ(pvblk_front_seg(3584, 1024, &f, &l), -EINVAL) << "crosses the page";
	EXPECT_EQ(pvblk_front_seg(4096, 512, &f, &l), -EINVAL);
}

TEST(FrontBuild, DirectRoundTripsThroughTheWire)
{
	pvblk_seg seg[3] = { { 10, 0, 7 }, { 11, 2, 3 }, { 12, 0, 0 } };
	pvblk_req req, back;
	union pvblk_wire_req slot;

	ASSERT_EQ(pvblk_front_build_rw(&req, 17, 51712, PVBLK_OP_WRITE, 0, 123456, seg, 3, nullptr),
		  0);
	pvblk_encode_req(&slot, &req, PVBLK_ABI_X86_64);
	pvblk_fetch_req(&back, &slot, PVBLK_ABI_X86_64);
	EXPECT_EQ(back.id, 17u);
	EXPECT_EQ(back.operation, PVBLK_OP_WRITE);
	EXPECT_EQ(back.handle, 51712);
	EXPECT_EQ(back.sector, 123456u);
	ASSERT_EQ(back.nr_segments, 3);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(back.seg[i].gref, seg[i].gref);
		EXPECT_EQ(back.seg[i].first_sect, seg[i].first_sect);
		EXPECT_EQ(back.seg[i].last_sect, seg[i].last_sect);
	}
	// an empty flush is a valid request with no segments
	ASSERT_EQ(pvblk_front_build_rw(&req, 1, 0, PVBLK_OP_FLUSH_DISKCACHE, 0, 0, nullptr, 0,
				       nullptr),
		  0);
	EXPECT_EQ(req.nr_segments, 0);
	EXPECT_EQ(pvblk_front_build_rw(&req, 1, 0, PVBLK_OP_READ, 0, 0, seg, 0, nullptr), -EINVAL);
	std::vector<pvblk_seg> many(12, seg[0]);
	EXPECT_EQ(pvblk_front_build_rw(&req, 1, 0, PVBLK_OP_READ, 0, 0, many.data(), 12, nullptr),
		  -EINVAL);
	EXPECT_EQ(pvblk_front_build_rw(&req, 1, 0, PVBLK_OP_DISCARD, 0, 0, seg, 1, nullptr),
		  -EINVAL);
}

TEST(FrontBuild, IndirectPacking)
{
	const unsigned int n = 600; // two indirect pages
	std::vector<pvblk_seg> seg(n);
	for (unsigned int i = 0; i < n; i++)
		seg[i] = { 1000 + i, (uint8_t)(i % 8), 7 };
	ASSERT_EQ(pvblk_front_indirect_pages(n), 2u);
	EXPECT_EQ(pvblk_front_indirect_pages(512), 1u);
	EXPECT_EQ(pvblk_front_indirect_pages(513), 2u);

	std::vector<uint8_t> page0(PVBLK_PAGE_SIZE, 0xee), page1(PVBLK_PAGE_SIZE, 0xee);
	EXPECT_EQ(pvblk_front_pack_indirect(page0.data(), 0, seg.data(), n), 512u);
	EXPECT_EQ(pvblk_front_pack_indirect(page1.data(), 1, seg.data(), n), 88u);
	EXPECT_EQ(pvblk_front_pack_indirect(page1.data(), 2, seg.data(), n), 0u);

	// read them back with the backend's own fetch
	std::vector<pvblk_seg> back(n);
	ASSERT_EQ(pvblk_fetch_indirect_segs(back.data(), page0.data(), 0, 512), 512u);
	ASSERT_EQ(pvblk_fetch_indirect_segs(back.data() + 512, page1.data(), 0, 88), 88u);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(back[i].gref, seg[i].gref);
		EXPECT_EQ(back[i].first_sect, seg[i].first_sect);
	}
	// the unused tail is zeroed, not left stale
	for (size_t b = 88 * 8; b < PVBLK_PAGE_SIZE; b++)
		ASSERT_EQ(page1[b], 0) << "byte " << b;

	uint32_t grefs[2] = { 77, 78 };
	pvblk_req req, dec;
	union pvblk_wire_req slot;
	ASSERT_EQ(pvblk_front_build_rw(&req, 9, 5, PVBLK_OP_INDIRECT, PVBLK_OP_READ, 2048,
				       seg.data(), n, grefs),
		  0);
	pvblk_encode_req(&slot, &req, PVBLK_ABI_X86_64);
	pvblk_fetch_req(&dec, &slot, PVBLK_ABI_X86_64);
	EXPECT_EQ(dec.operation, PVBLK_OP_INDIRECT);
	EXPECT_EQ(dec.indirect_op, PVBLK_OP_READ);
	EXPECT_EQ(dec.nr_segments, n);
	EXPECT_EQ(dec.indirect_grefs[0], 77u);
	EXPECT_EQ(dec.indirect_grefs[1], 78u);
	EXPECT_EQ(dec.indirect_grefs[2], 0u);
	EXPECT_EQ(pvblk_front_build_rw(&req, 9, 5, PVBLK_OP_INDIRECT, PVBLK_OP_FLUSH_DISKCACHE, 0,
				       seg.data(), n, grefs),
		  -EINVAL);
}

TEST(FrontBuild, Discard)
{
	pvblk_req req, dec;
	union pvblk_wire_req slot;

	pvblk_front_build_discard(&req, 4, 8, 1ull << 40, true);
	pvblk_encode_req(&slot, &req, PVBLK_ABI_X86_64);
	pvblk_fetch_req(&dec, &slot, PVBLK_ABI_X86_64);
	EXPECT_EQ(dec.operation, PVBLK_OP_DISCARD);
	EXPECT_EQ(dec.sector, 8u);
	EXPECT_EQ(dec.nr_sectors, 1ull << 40);
	EXPECT_EQ(dec.discard_flag, PVBLK_DISCARD_SECURE);
}

} // namespace
