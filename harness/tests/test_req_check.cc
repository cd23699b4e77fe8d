// SPDX-License-Identifier: GPL-2.0-only
//
// core/req_check.c: every opcode, every bad field, both ABIs.  Requests
// are written into a real ring page with pvblk_encode_req() and read back
// with pvblk_fetch_req() - the path a backend takes - before the check.

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/req_check.h"
}

namespace {

constexpr uint64_t kDevSectors = 1ull << 21; // 1 GiB

pvblk_dev_limits Lim()
{
	pvblk_dev_limits l;

	memset(&l, 0, sizeof(l));
	l.nr_sectors = kDevSectors;
	l.logical_block_size = 512;
	l.max_indirect_segs = 256;
	l.flush = l.barrier = l.discard = l.secure_discard = true;
	return l;
}

pvblk_req Rw(unsigned int op, unsigned int nsegs, uint64_t sector = 2048)
{
	pvblk_req r;

	memset(&r, 0, sizeof(r));
	r.operation = (uint8_t)op;
	r.id = 77;
	r.sector = sector;
	r.nr_segments = (uint16_t)nsegs;
	for (unsigned int i = 0; i < nsegs && i < PVBLK_MAX_SEGS_DIRECT; i++)
		r.seg[i] = { 100 + i, 0, 7 };
	return r;
}

pvblk_req Discard(uint64_t sector, uint64_t n, uint8_t flag = 0)
{
	pvblk_req r;

	memset(&r, 0, sizeof(r));
	r.operation = PVBLK_OP_DISCARD;
	r.sector = sector;
	r.nr_sectors = n;
	r.discard_flag = flag;
	return r;
}

pvblk_req Indirect(unsigned int iop, unsigned int nsegs, uint64_t sector = 4096)
{
	pvblk_req r;

	memset(&r, 0, sizeof(r));
	r.operation = PVBLK_OP_INDIRECT;
	r.indirect_op = (uint8_t)iop;
	r.nr_segments = (uint16_t)nsegs;
	r.sector = sector;
	for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++)
		r.indirect_grefs[i] = 900 + i;
	return r;
}

class ReqCheck : public testing::TestWithParam<pvblk_abi> {
protected:
	// Through a ring page of the ABI under test, at a wrapped index.
	pvblk_req_err Check(const pvblk_req &want, const pvblk_dev_limits &l)
	{
		std::vector<uint8_t> ring(PVBLK_PAGE_SIZE);
		unsigned int n = pvblk_ring_slots(GetParam(), 0);
		void *slot = pvblk_ring_entry(ring.data(), GetParam(), n, 0xfffffff3u);
		pvblk_req got;

		pvblk_encode_req(slot, &want, GetParam());
		pvblk_fetch_req(&got, slot, GetParam());
		return pvblk_req_check(&got, &l);
	}
};

INSTANTIATE_TEST_SUITE_P(BothAbis, ReqCheck, testing::Values(PVBLK_ABI_X86_64, PVBLK_ABI_X86_32),
			 [](const testing::TestParamInfo<pvblk_abi> &i) {
				 return std::string(i.param == PVBLK_ABI_X86_32 ? "x86_32"
										: "x86_64");
			 });

TEST_P(ReqCheck, ValidRequestsOfEveryOpPass)
{
	pvblk_dev_limits l = Lim();

	for (unsigned int op :
	     { PVBLK_OP_READ, PVBLK_OP_WRITE, PVBLK_OP_WRITE_BARRIER, PVBLK_OP_FLUSH_DISKCACHE }) {
		EXPECT_EQ(Check(Rw(op, 1), l), PVBLK_REQ_OK) << "op " << op;
		EXPECT_EQ(Check(Rw(op, 11), l), PVBLK_REQ_OK) << "op " << op;
		// the very last sectors of the device
		EXPECT_EQ(Check(Rw(op, 2, kDevSectors - 16), l), PVBLK_REQ_OK) << "op " << op;
	}
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 0), l), PVBLK_REQ_OK) << "empty flush";
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE_BARRIER, 0), l), PVBLK_REQ_OK) << "empty barrier";
	EXPECT_EQ(Check(Discard(0, kDevSectors), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Discard(8, 8, PVBLK_DISCARD_SECURE), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Discard(kDevSectors, 0), l), PVBLK_REQ_OK) << "empty discard at the end";
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 1), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_WRITE, 256), l), PVBLK_REQ_OK);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_OK), PVBLK_RSP_OKAY);
}

TEST_P(ReqCheck, UnknownOperationIsNotSupported)
{
	for (unsigned int op : { 4u, 7u, 8u, 100u, 255u }) {
		pvblk_req r = Rw(op, 1);

		EXPECT_EQ(Check(r, Lim()), PVBLK_REQ_BAD_OP) << "op " << op;
	}
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_BAD_OP), PVBLK_RSP_EOPNOTSUPP);
}

TEST_P(ReqCheck, OperationsNotAdvertisedAreNotSupported)
{
	pvblk_dev_limits l = Lim();

	l.flush = false;
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 0), l), PVBLK_REQ_NOT_ADVERTISED);
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE_BARRIER, 0), l), PVBLK_REQ_OK);
	l = Lim();
	l.barrier = false;
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE_BARRIER, 1), l), PVBLK_REQ_NOT_ADVERTISED);
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 1), l), PVBLK_REQ_OK);
	l = Lim();
	l.discard = false;
	EXPECT_EQ(Check(Discard(0, 8), l), PVBLK_REQ_NOT_ADVERTISED);
	l = Lim();
	l.max_indirect_segs = 0;
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 8), l), PVBLK_REQ_NOT_ADVERTISED);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_NOT_ADVERTISED), PVBLK_RSP_EOPNOTSUPP);
}

TEST_P(ReqCheck, IndirectOpMustBeReadOrWrite)
{
	for (unsigned int iop : { PVBLK_OP_WRITE_BARRIER, PVBLK_OP_FLUSH_DISKCACHE,
				  PVBLK_OP_DISCARD, PVBLK_OP_INDIRECT, 4, 200 })
		EXPECT_EQ(Check(Indirect(iop, 8), Lim()), PVBLK_REQ_BAD_INDIRECT_OP) << iop;
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_BAD_INDIRECT_OP), PVBLK_RSP_ERROR);
}

TEST_P(ReqCheck, SegmentCounts)
{
	pvblk_dev_limits l = Lim();

	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 0), l), PVBLK_REQ_NO_SEGMENTS);
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE, 0), l), PVBLK_REQ_NO_SEGMENTS);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 0), l), PVBLK_REQ_NO_SEGMENTS);
	for (unsigned int op :
	     { PVBLK_OP_READ, PVBLK_OP_WRITE, PVBLK_OP_WRITE_BARRIER, PVBLK_OP_FLUSH_DISKCACHE }) {
		EXPECT_EQ(Check(Rw(op, 12), l), PVBLK_REQ_TOO_MANY_SEGMENTS) << op;
		EXPECT_EQ(Check(Rw(op, 255), l), PVBLK_REQ_TOO_MANY_SEGMENTS) << op;
	}
	EXPECT_EQ(Check(Indirect(PVBLK_OP_WRITE, 257), l), PVBLK_REQ_TOO_MANY_SEGMENTS);
	l.max_indirect_segs = 32;
	EXPECT_EQ(Check(Indirect(PVBLK_OP_WRITE, 33), l), PVBLK_REQ_TOO_MANY_SEGMENTS);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_WRITE, 32), l), PVBLK_REQ_OK);
	// More pages than a request can name, whatever the negotiated max.
	l.max_indirect_segs = 0xffff;
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 4096), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 4097), l), PVBLK_REQ_TOO_MANY_PAGES);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 65535), l), PVBLK_REQ_TOO_MANY_PAGES);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_TOO_MANY_PAGES), PVBLK_RSP_ERROR);
}

TEST_P(ReqCheck, SegmentSectorsMustStayInThePage)
{
	const struct {
		uint8_t first, last;
	} bad[] = { { 1, 0 }, { 7, 6 }, { 0, 8 }, { 8, 8 }, { 0, 255 }, { 255, 255 } };

	for (auto b : bad) {
		for (unsigned int at : { 0u, 10u }) {
			pvblk_req r = Rw(PVBLK_OP_READ, 11);

			r.seg[at].first_sect = b.first;
			r.seg[at].last_sect = b.last;
			EXPECT_EQ(Check(r, Lim()), PVBLK_REQ_BAD_SECT)
				<< "seg " << at << " " << +b.first << ".." << +b.last;
		}
	}
	pvblk_req r = Rw(PVBLK_OP_WRITE, 1);
	r.seg[0] = { 5, 3, 3 }; // one sector in the middle of the page
	EXPECT_EQ(Check(r, Lim()), PVBLK_REQ_OK);
}

TEST_P(ReqCheck, LogicalBlockAlignment)
{
	pvblk_dev_limits l = Lim();

	l.logical_block_size = 4096;
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 3, 8), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 3, 9), l), PVBLK_REQ_MISALIGNED) << "start";
	pvblk_req r = Rw(PVBLK_OP_WRITE, 3, 8);
	r.seg[1] = { 1, 0, 3 }; // half a block
	EXPECT_EQ(Check(r, l), PVBLK_REQ_MISALIGNED) << "segment length";
	l.logical_block_size = 2048;
	r.seg[1] = { 1, 4, 7 }; // second 2 KiB block of the page
	EXPECT_EQ(Check(r, l), PVBLK_REQ_OK);
	r.seg[1] = { 1, 2, 5 }; // 2 KiB, but not on a block boundary
	EXPECT_EQ(Check(r, l), PVBLK_REQ_MISALIGNED) << "segment start";
	EXPECT_EQ(Check(Discard(2, 8), l), PVBLK_REQ_MISALIGNED);
	EXPECT_EQ(Check(Discard(8, 6), l), PVBLK_REQ_MISALIGNED);
	EXPECT_EQ(Check(Discard(8, 12), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 4, 2), l), PVBLK_REQ_MISALIGNED);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_MISALIGNED), PVBLK_RSP_ERROR);
}

TEST_P(ReqCheck, RangeChecksCannotOverflow)
{
	pvblk_dev_limits l = Lim();

	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 1, kDevSectors - 8), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 1, kDevSectors - 7), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 1, kDevSectors), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE, 11, UINT64_MAX - 7), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE, 1, UINT64_MAX), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Discard(1, UINT64_MAX), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Discard(UINT64_MAX - 1, 2), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Discard(0, kDevSectors + 1), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 8, kDevSectors), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 8, UINT64_MAX), l), PVBLK_REQ_OUT_OF_RANGE);
	l.nr_sectors = 0; // an empty medium
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 1, 0), l), PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 0, 0), l), PVBLK_REQ_OK);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_OUT_OF_RANGE), PVBLK_RSP_ERROR);
}

TEST_P(ReqCheck, ReadOnlyDeviceRefusesEveryWrite)
{
	pvblk_dev_limits l = Lim();

	l.read_only = true;
	EXPECT_EQ(Check(Rw(PVBLK_OP_READ, 4), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_READ, 64), l), PVBLK_REQ_OK);
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 0), l), PVBLK_REQ_OK) << "empty flush";
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE, 4), l), PVBLK_REQ_READ_ONLY);
	EXPECT_EQ(Check(Rw(PVBLK_OP_WRITE_BARRIER, 1), l), PVBLK_REQ_READ_ONLY);
	EXPECT_EQ(Check(Rw(PVBLK_OP_FLUSH_DISKCACHE, 1), l), PVBLK_REQ_READ_ONLY);
	EXPECT_EQ(Check(Discard(0, 8), l), PVBLK_REQ_READ_ONLY);
	EXPECT_EQ(Check(Indirect(PVBLK_OP_WRITE, 64), l), PVBLK_REQ_READ_ONLY);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_READ_ONLY), PVBLK_RSP_ERROR);
}

TEST_P(ReqCheck, DiscardFlags)
{
	pvblk_dev_limits l = Lim();

	EXPECT_EQ(Check(Discard(0, 8, 0x2), l), PVBLK_REQ_BAD_DISCARD_FLAG);
	EXPECT_EQ(Check(Discard(0, 8, 0x81), l), PVBLK_REQ_BAD_DISCARD_FLAG);
	l.secure_discard = false;
	EXPECT_EQ(Check(Discard(0, 8, PVBLK_DISCARD_SECURE), l), PVBLK_REQ_SECURE_UNSUPPORTED);
	EXPECT_EQ(Check(Discard(0, 8, 0), l), PVBLK_REQ_OK);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_SECURE_UNSUPPORTED), PVBLK_RSP_EOPNOTSUPP);
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_BAD_DISCARD_FLAG), PVBLK_RSP_ERROR);
}

TEST(ReqCheckSegs, IndirectSegmentsFromAPage)
{
	pvblk_dev_limits l = Lim();
	std::vector<pvblk_seg> segs(256, pvblk_seg{ 1, 0, 7 });
	uint64_t n = 0;

	EXPECT_EQ(pvblk_req_check_segs(segs.data(), 256, 0, &l, &n), PVBLK_REQ_OK);
	EXPECT_EQ(n, 256u * 8);
	segs[200].last_sect = 8;
	EXPECT_EQ(pvblk_req_check_segs(segs.data(), 256, 0, &l, &n), PVBLK_REQ_BAD_SECT);
	segs[200].last_sect = 7;
	EXPECT_EQ(pvblk_req_check_segs(segs.data(), 256, kDevSectors - 2048, &l, &n), PVBLK_REQ_OK);
	EXPECT_EQ(pvblk_req_check_segs(segs.data(), 256, kDevSectors - 2047, &l, &n),
		  PVBLK_REQ_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_req_check_segs(segs.data(), 0, 0, &l, &n), PVBLK_REQ_OK);
	EXPECT_EQ(n, 0u);
}

TEST(ReqCheckSegs, BadLimitsFallBackTo512ByteBlocks)
{
	// A glue bug (bad logical_block_size) must not open a hole: the
	// checks still run with 512-byte granularity.
	pvblk_dev_limits l = Lim();
	pvblk_seg s = { 1, 3, 3 };

	for (uint32_t lbs : { 0u, 100u, 768u, 8192u }) {
		l.logical_block_size = lbs;
		EXPECT_EQ(pvblk_req_check_segs(&s, 1, 5, &l, nullptr), PVBLK_REQ_OK) << lbs;
		EXPECT_EQ(pvblk_req_check_segs(&s, 1, kDevSectors, &l, nullptr),
			  PVBLK_REQ_OUT_OF_RANGE)
			<< lbs;
	}
}

TEST(ReqCheckText, EveryReasonHasItsOwnText)
{
	std::set<std::string> seen;

	for (int e = 0; e < PVBLK_REQ_ERR_MAX; e++) {
		const char *s = pvblk_req_reason((pvblk_req_err)e);

		ASSERT_NE(s, nullptr);
		EXPECT_NE(std::string(s), "unknown reason") << e;
		EXPECT_TRUE(seen.insert(s).second) << "duplicate text " << s;
	}
	EXPECT_STREQ(pvblk_req_reason(PVBLK_REQ_ERR_MAX), "unknown reason");
	EXPECT_EQ(pvblk_req_status(PVBLK_REQ_ERR_MAX), PVBLK_RSP_ERROR);
}

TEST(RingIndex, ProducerWithinOneRingOfResponses)
{
	EXPECT_TRUE(pvblk_ring_prod_ok(32, 0, 32));
	EXPECT_FALSE(pvblk_ring_prod_ok(33, 0, 32));
	EXPECT_TRUE(pvblk_ring_prod_ok(5, 5, 32));
	EXPECT_FALSE(pvblk_ring_prod_ok(4, 5, 32)) << "producer moved backwards";
	// free-running indexes wrap at 2^32
	EXPECT_TRUE(pvblk_ring_prod_ok(10, 0xfffffff0u, 32));
	EXPECT_FALSE(pvblk_ring_prod_ok(17, 0xfffffff0u, 32));
	EXPECT_TRUE(pvblk_ring_prod_ok(0xfffffff0u + 512, 0xfffffff0u, 512));
	EXPECT_FALSE(pvblk_ring_prod_ok(0xfffffff0u + 513, 0xfffffff0u, 512));
}

TEST(RingIndex, PendingCountsAndViolations)
{
	EXPECT_EQ(pvblk_ring_pending(10, 4, 0, 32), 6);
	EXPECT_EQ(pvblk_ring_pending(10, 10, 3, 32), 0);
	EXPECT_EQ(pvblk_ring_pending(32, 0, 0, 32), 32);
	EXPECT_EQ(pvblk_ring_pending(33, 0, 0, 32), -EPROTO) << "more than a ring";
	EXPECT_EQ(pvblk_ring_pending(0xffffffffu + 0u, 0, 0, 32), -EPROTO);
	EXPECT_EQ(pvblk_ring_pending(8, 9, 0, 32), -EPROTO) << "producer behind consumer";
	EXPECT_EQ(pvblk_ring_pending(6, 0xfffffffeu, 0xfffffff8u, 32), 8) << "wrapped";
	EXPECT_EQ(pvblk_ring_pending(30, 0xfffffffeu, 0xfffffff8u, 32), -EPROTO);
}

} // namespace
