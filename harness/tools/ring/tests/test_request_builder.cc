// SPDX-License-Identifier: GPL-2.0-only
//
// The request builder against the shared ABI: what it builds, encoded by
// the core into a ring slot, is what the kernel's struct blkif_request
// reads, passes the backend's own validation (pvblk_req_check) and
// decodes back to itself in both ABIs.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include <xen/interface/io/blkif.h>

#include "frontend/request_builder.h"

extern "C" {
#include "pvblk/req_check.h"
}

using namespace pvblk::ring;

namespace {

pvblk_dev_limits limits()
{
	pvblk_dev_limits l{};

	l.nr_sectors = 1 << 20;
	l.logical_block_size = 512;
	l.max_indirect_segs = 256;
	return l;
}

} // namespace

TEST(RequestBuilder, SegmentsFor)
{
	std::vector<uint32_t> g = { 10, 11, 12 };
	auto s = segments_for(20, g);

	ASSERT_EQ(s.size(), 3u);
	EXPECT_EQ(s[0].gref, 10u);
	EXPECT_EQ(s[0].first_sect, 0);
	EXPECT_EQ(s[0].last_sect, 7);
	EXPECT_EQ(s[2].last_sect, 3);
	EXPECT_EQ(segments_sectors(s), 20u);
	EXPECT_THROW(segments_for(25, g), std::invalid_argument);
	EXPECT_THROW(segments_for(0, g), std::invalid_argument);
}

TEST(RequestBuilder, DirectMatchesKernelLayout)
{
	std::vector<uint32_t> g;
	for (uint32_t i = 0; i < 11; i++)
		g.push_back(100 + i);
	auto segs = segments_for(88, g);
	pvblk_req r = make_direct(PVBLK_OP_WRITE, 0x1122334455667788ull, 51712, 4096, segs);
	alignas(8) uint8_t slot[PVBLK_X64_ENTRY_SIZE];

	memset(slot, 0xaa, sizeof(slot));
	pvblk_encode_req(slot, &r, PVBLK_ABI_X86_64);
	blkif_request k;
	memcpy(&k, slot, sizeof(k));
	EXPECT_EQ(k.operation, BLKIF_OP_WRITE);
	EXPECT_EQ(k.u.rw.nr_segments, 11);
	EXPECT_EQ(k.u.rw.handle, 51712);
	EXPECT_EQ(k.u.rw.id, 0x1122334455667788ull);
	EXPECT_EQ(k.u.rw.sector_number, 4096u);
	for (int i = 0; i < 11; i++) {
		EXPECT_EQ(k.u.rw.seg[i].gref, 100u + i);
		EXPECT_EQ(k.u.rw.seg[i].first_sect, 0);
		EXPECT_EQ(k.u.rw.seg[i].last_sect, 7);
	}
	EXPECT_EQ(pvblk_req_check(&r, &(const pvblk_dev_limits &)limits()), PVBLK_REQ_OK);
	EXPECT_THROW(
		make_direct(PVBLK_OP_READ, 0, 0, 0, segments_for(96, std::vector<uint32_t>(12, 1))),
		std::invalid_argument);
}

TEST(RequestBuilder, IndirectMatchesKernelLayout)
{
	std::vector<uint32_t> g(600);
	for (uint32_t i = 0; i < g.size(); i++)
		g[i] = 1000 + i;
	auto segs = segments_for(600 * 8 - 3, g);
	std::vector<uint32_t> ind = { 7, 8 };
	pvblk_req r = make_indirect(PVBLK_OP_READ, 42, 768, 64, 600, ind);
	alignas(8) uint8_t slot[PVBLK_X64_ENTRY_SIZE] = {};

	pvblk_encode_req(slot, &r, PVBLK_ABI_X86_64);
	blkif_request k;
	memcpy(&k, slot, sizeof(k));
	EXPECT_EQ(k.operation, BLKIF_OP_INDIRECT);
	EXPECT_EQ(k.u.indirect.indirect_op, BLKIF_OP_READ);
	EXPECT_EQ(k.u.indirect.nr_segments, 600);
	EXPECT_EQ(k.u.indirect.id, 42u);
	EXPECT_EQ(k.u.indirect.sector_number, 64u);
	EXPECT_EQ(k.u.indirect.handle, 768);
	EXPECT_EQ(k.u.indirect.indirect_grefs[0], 7u);
	EXPECT_EQ(k.u.indirect.indirect_grefs[1], 8u);

	std::vector<uint8_t> p0(4096, 0xcc), p1(4096, 0xcc);
	void *pages[2] = { p0.data(), p1.data() };
	write_indirect_segs(pages, segs);
	const auto *ks = reinterpret_cast<const blkif_request_segment *>(p1.data());
	EXPECT_EQ(ks[600 - 513].gref, 1599u);
	EXPECT_EQ(ks[600 - 513].last_sect, 4);
	// The backend's reader gets the same segments back.
	std::vector<pvblk_seg> back(600);
	EXPECT_EQ(pvblk_fetch_indirect_segs(back.data(), p0.data(), 0, 512), 512u);
	EXPECT_EQ(pvblk_fetch_indirect_segs(back.data() + 512, p1.data(), 0, 88), 88u);
	for (size_t i = 0; i < 600; i++) {
		EXPECT_EQ(back[i].gref, segs[i].gref);
		EXPECT_EQ(back[i].last_sect, segs[i].last_sect);
	}
	pvblk_dev_limits l = limits();
	l.max_indirect_segs = 1024;
	EXPECT_EQ(pvblk_req_check(&r, &l), PVBLK_REQ_OK);
	u64 n = 0;
	EXPECT_EQ(pvblk_req_check_segs(back.data(), 600, 64, &l, &n), PVBLK_REQ_OK);
	EXPECT_EQ(n, 600u * 8 - 3);
	void *one[1] = { p0.data() };
	EXPECT_THROW(write_indirect_segs(one, segs), std::invalid_argument);
}

TEST(RequestBuilder, RoundTripBothAbis)
{
	const pvblk_abi abis[] = { PVBLK_ABI_X86_64, PVBLK_ABI_X86_32 };
	std::vector<uint32_t> g = { 5, 6, 7 };

	for (auto abi : abis) {
		std::vector<pvblk_req> reqs = {
			make_direct(PVBLK_OP_READ, 1, 2, 3, segments_for(17, g)),
			make_direct(PVBLK_OP_FLUSH_DISKCACHE, 9, 2, 0, {}),
			make_indirect(PVBLK_OP_WRITE, 4, 2, 8, 100, std::vector<uint32_t>{ 77 }),
			make_discard(5, 1024, 2048, true),
		};
		for (const auto &r : reqs) {
			alignas(8) uint8_t slot[PVBLK_X64_ENTRY_SIZE] = {};
			pvblk_req back;

			pvblk_encode_req(slot, &r, abi);
			pvblk_fetch_req(&back, slot, abi);
			EXPECT_EQ(0, memcmp(&back, &r, sizeof(r)))
				<< "abi " << abi << " op " << unsigned(r.operation);
		}
	}
}
