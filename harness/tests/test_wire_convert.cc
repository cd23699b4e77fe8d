// SPDX-License-Identifier: GPL-2.0-only
//
// Conversions of core/wire.c, both ABIs, every opcode: encode against byte
// images built from the spec's offsets (independent of our structs, and
// cross-checked against the kernel's struct blkif_request for x86_64),
// decode of those images, round trips, copy-once properties, response
// padding (XSA-216), ring entry addressing and indirect segment reads.

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <xen/interface/io/blkif.h>

extern "C" {
#include "pvblk/wire.h"
}

namespace {

const pvblk_abi kAbis[] = { PVBLK_ABI_X86_64, PVBLK_ABI_X86_32 };
const unsigned int kOps[] = { PVBLK_OP_READ,
			      PVBLK_OP_WRITE,
			      PVBLK_OP_WRITE_BARRIER,
			      PVBLK_OP_FLUSH_DISKCACHE,
			      PVBLK_OP_DISCARD,
			      PVBLK_OP_INDIRECT,
			      4,
			      7,
			      200,
			      255 };

bool IsRw(unsigned int op)
{
	return op == PVBLK_OP_READ || op == PVBLK_OP_WRITE || op == PVBLK_OP_WRITE_BARRIER ||
	       op == PVBLK_OP_FLUSH_DISKCACHE;
}

// A request with distinctive values in every field that @op carries and
// zeros elsewhere (what pvblk_decode_req() must produce).
pvblk_req MakeReq(unsigned int op, unsigned int nsegs = 5)
{
	pvblk_req r;

	memset(&r, 0, sizeof(r));
	r.operation = (uint8_t)op;
	r.id = 0x1122334455667788ull;
	if (IsRw(op)) {
		r.handle = 0xabcd;
		r.sector = 0x0102030405060708ull;
		r.nr_segments = (uint16_t)nsegs;
		for (unsigned int i = 0; i < nsegs && i < PVBLK_MAX_SEGS_DIRECT; i++)
			r.seg[i] = { 0x1000u + i * 0x10101u, (uint8_t)(i % 8),
				     (uint8_t)(7 - i % 4) };
	} else if (op == PVBLK_OP_DISCARD) {
		r.discard_flag = PVBLK_DISCARD_SECURE;
		r.sector = 0x0a0b0c0d0e0f1011ull;
		r.nr_sectors = 0x2122232425262728ull;
	} else if (op == PVBLK_OP_INDIRECT) {
		r.indirect_op = PVBLK_OP_WRITE;
		r.nr_segments = 0x1234;
		r.sector = 0x3132333435363738ull;
		r.handle = 0x5566;
		for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++)
			r.indirect_grefs[i] = 0xdead0000u + i;
	}
	return r;
}

void Put(std::vector<uint8_t> &b, size_t off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b.at(off + i) = (uint8_t)(v >> (8 * i));
}

// The request's bytes from the spec's offsets (Documentation/wire-abi.rst),
// padding zero.  x86_32 has no 4-byte hole before "id": everything after
// the first 4 bytes sits 4 bytes lower.
std::vector<uint8_t> SpecImage(pvblk_abi abi, const pvblk_req &r)
{
	const bool x32 = abi == PVBLK_ABI_X86_32;
	const size_t d = x32 ? 4 : 0;
	std::vector<uint8_t> b(x32 ? 108 : 112, 0);

	Put(b, 0, r.operation, 1);
	if (IsRw(r.operation)) {
		Put(b, 1, r.nr_segments, 1);
		Put(b, 2, r.handle, 2);
		Put(b, 8 - d, r.id, 8);
		Put(b, 16 - d, r.sector, 8);
		for (unsigned int i = 0; i < r.nr_segments && i < PVBLK_MAX_SEGS_DIRECT; i++) {
			Put(b, 24 - d + 8 * i, r.seg[i].gref, 4);
			Put(b, 28 - d + 8 * i, r.seg[i].first_sect, 1);
			Put(b, 29 - d + 8 * i, r.seg[i].last_sect, 1);
		}
	} else if (r.operation == PVBLK_OP_DISCARD) {
		Put(b, 1, r.discard_flag, 1);
		Put(b, 8 - d, r.id, 8);
		Put(b, 16 - d, r.sector, 8);
		Put(b, 24 - d, r.nr_sectors, 8);
	} else if (r.operation == PVBLK_OP_INDIRECT) {
		Put(b, 1, r.indirect_op, 1);
		Put(b, 2, r.nr_segments, 2);
		Put(b, 8 - d, r.id, 8);
		Put(b, 16 - d, r.sector, 8);
		Put(b, 24 - d, r.handle, 2);
		for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++)
			Put(b, 28 - d + 4 * i, r.indirect_grefs[i], 4);
	} else {
		Put(b, 8 - d, r.id, 8);
	}
	return b;
}

// The same image, built through the kernel's own x86_64 struct.
std::vector<uint8_t> KernelImageX64(const pvblk_req &r)
{
	blkif_request k;

	memset(&k, 0, sizeof(k));
	k.operation = r.operation;
	if (IsRw(r.operation)) {
		k.u.rw.nr_segments = (uint8_t)r.nr_segments;
		k.u.rw.handle = r.handle;
		k.u.rw.id = r.id;
		k.u.rw.sector_number = r.sector;
		for (unsigned int i = 0; i < r.nr_segments && i < PVBLK_MAX_SEGS_DIRECT; i++) {
			k.u.rw.seg[i].gref = r.seg[i].gref;
			k.u.rw.seg[i].first_sect = r.seg[i].first_sect;
			k.u.rw.seg[i].last_sect = r.seg[i].last_sect;
		}
	} else if (r.operation == PVBLK_OP_DISCARD) {
		k.u.discard.flag = r.discard_flag;
		k.u.discard.id = r.id;
		k.u.discard.sector_number = r.sector;
		k.u.discard.nr_sectors = r.nr_sectors;
	} else if (r.operation == PVBLK_OP_INDIRECT) {
		k.u.indirect.indirect_op = r.indirect_op;
		k.u.indirect.nr_segments = r.nr_segments;
		k.u.indirect.id = r.id;
		k.u.indirect.sector_number = r.sector;
		k.u.indirect.handle = r.handle;
		for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++)
			k.u.indirect.indirect_grefs[i] = r.indirect_grefs[i];
	} else {
		k.u.other.id = r.id;
	}
	const uint8_t *p = reinterpret_cast<const uint8_t *>(&k);
	return std::vector<uint8_t>(p, p + sizeof(k));
}

void ExpectSameReq(const pvblk_req &a, const pvblk_req &b)
{
	EXPECT_EQ(a.operation, b.operation);
	EXPECT_EQ(a.id, b.id);
	EXPECT_EQ(a.sector, b.sector);
	EXPECT_EQ(a.nr_sectors, b.nr_sectors);
	EXPECT_EQ(a.nr_segments, b.nr_segments);
	EXPECT_EQ(a.handle, b.handle);
	EXPECT_EQ(a.indirect_op, b.indirect_op);
	EXPECT_EQ(a.discard_flag, b.discard_flag);
	for (unsigned int i = 0; i < PVBLK_MAX_SEGS_DIRECT; i++) {
		EXPECT_EQ(a.seg[i].gref, b.seg[i].gref) << "seg " << i;
		EXPECT_EQ(a.seg[i].first_sect, b.seg[i].first_sect) << "seg " << i;
		EXPECT_EQ(a.seg[i].last_sect, b.seg[i].last_sect) << "seg " << i;
	}
	for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++)
		EXPECT_EQ(a.indirect_grefs[i], b.indirect_grefs[i]) << "indirect page " << i;
}

TEST(WireConvert, SpecImageAgreesWithKernelStructX64)
{
	for (unsigned int op : kOps) {
		pvblk_req r = MakeReq(op, 11);

		EXPECT_EQ(SpecImage(PVBLK_ABI_X86_64, r), KernelImageX64(r)) << "op " << op;
	}
}

TEST(WireConvert, EncodeWritesSpecImageWithZeroPadding)
{
	for (pvblk_abi abi : kAbis) {
		for (unsigned int op : kOps) {
			pvblk_req r = MakeReq(op);
			std::vector<uint8_t> slot(pvblk_ring_entry_size(abi) + 16, 0xaa);

			pvblk_encode_req(slot.data(), &r, abi);
			std::vector<uint8_t> want = SpecImage(abi, r);
			std::vector<uint8_t> got(slot.begin(), slot.begin() + want.size());
			EXPECT_EQ(got, want) << "abi " << abi << " op " << op;
			for (size_t i = want.size(); i < slot.size(); i++)
				ASSERT_EQ(slot[i], 0xaa) << "wrote past the request, byte " << i;
		}
	}
}

TEST(WireConvert, DecodeSpecImageEveryOpBothAbis)
{
	for (pvblk_abi abi : kAbis) {
		for (unsigned int op : kOps) {
			for (unsigned int nsegs : { 0u, 1u, 11u }) {
				pvblk_req want = MakeReq(op, nsegs);
				std::vector<uint8_t> img = SpecImage(abi, want);
				pvblk_req got;

				memset(&got, 0x5a, sizeof(got));
				pvblk_fetch_req(&got, img.data(), abi);
				SCOPED_TRACE(testing::Message() << "abi " << abi << " op " << op
								<< " nsegs " << nsegs);
				ExpectSameReq(got, want);
			}
		}
	}
}

TEST(WireConvert, RandomRoundTripBothAbis)
{
	std::mt19937_64 rng(12345);

	for (int iter = 0; iter < 2000; iter++) {
		pvblk_abi abi = kAbis[iter & 1];
		unsigned int op = kOps[rng() % (sizeof(kOps) / sizeof(kOps[0]))];
		pvblk_req r = MakeReq(op, rng() % 12);

		r.id = rng();
		if (op != 4 && op != 7 && op < 200)
			r.sector = rng();
		if (op == PVBLK_OP_DISCARD) {
			r.nr_sectors = rng();
			r.discard_flag = (uint8_t)rng();
		}
		if (IsRw(op))
			for (unsigned int i = 0; i < r.nr_segments; i++)
				r.seg[i] = { (uint32_t)rng(), (uint8_t)rng(), (uint8_t)rng() };
		std::vector<uint8_t> slot(pvblk_ring_entry_size(abi));
		pvblk_req back;

		pvblk_encode_req(slot.data(), &r, abi);
		pvblk_fetch_req(&back, slot.data(), abi);
		SCOPED_TRACE(testing::Message()
			     << "iter " << iter << " abi " << abi << " op " << op);
		ExpectSameReq(back, r);
	}
}

TEST(WireConvert, OversizedSegmentCountIsReportedButNotOverread)
{
	for (pvblk_abi abi : kAbis) {
		pvblk_req r = MakeReq(PVBLK_OP_WRITE, 11);
		std::vector<uint8_t> img = SpecImage(abi, r);
		pvblk_req got;

		img[1] = 255; // nr_segments on the wire
		pvblk_fetch_req(&got, img.data(), abi);
		EXPECT_EQ(got.nr_segments, 255);
		for (unsigned int i = 0; i < PVBLK_MAX_SEGS_DIRECT; i++)
			EXPECT_EQ(got.seg[i].gref, r.seg[i].gref);
	}
}

TEST(WireConvert, CopyReadsExactlyOneRequestOfTheAbi)
{
	// Heap blocks of exactly the request size: ASan fails any over-read.
	for (pvblk_abi abi : kAbis) {
		size_t n = pvblk_req_wire_size(abi);
		std::unique_ptr<uint8_t[]> slot(new uint8_t[n]);
		pvblk_req r = MakeReq(PVBLK_OP_INDIRECT), got;

		pvblk_encode_req(slot.get(), &r, abi);
		pvblk_fetch_req(&got, slot.get(), abi);
		ExpectSameReq(got, r);
	}
	EXPECT_EQ(pvblk_req_wire_size(PVBLK_ABI_X86_64), 112u);
	EXPECT_EQ(pvblk_req_wire_size(PVBLK_ABI_X86_32), 108u);
}

TEST(WireConvert, DecodeNeverTouchesTheSharedSlot)
{
	// Copy once, then revoke all access to the "shared" page: decoding
	// the private copy must not need it (a second fetch would fault).
	long pg = sysconf(_SC_PAGESIZE);

	for (pvblk_abi abi : kAbis) {
		void *m = mmap(nullptr, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		ASSERT_NE(m, MAP_FAILED);
		pvblk_req r = MakeReq(PVBLK_OP_READ, 11), got;
		union pvblk_wire_req priv;

		pvblk_encode_req(m, &r, abi);
		pvblk_copy_req_slot(&priv, m, abi);
		ASSERT_EQ(mprotect(m, pg, PROT_NONE), 0);
		pvblk_decode_req(&got, &priv, abi);
		ExpectSameReq(got, r);
		munmap(m, pg);
	}
}

TEST(WireConvert, LaterRingWritesDoNotChangeTheFetchedRequest)
{
	for (pvblk_abi abi : kAbis) {
		std::vector<uint8_t> slot(pvblk_ring_entry_size(abi));
		pvblk_req r = MakeReq(PVBLK_OP_WRITE, 3), got;

		pvblk_encode_req(slot.data(), &r, abi);
		pvblk_fetch_req(&got, slot.data(), abi);
		memset(slot.data(), 0xff, slot.size()); // the guest rewrites the slot
		ExpectSameReq(got, r);
	}
}

// Leaves 0xff all over the stack region the next call will reuse, so a
// response built without zeroing its padding would carry it (XSA-216).
__attribute__((noinline)) void DirtyStack()
{
	volatile uint8_t junk[4096];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xff;
}

TEST(WireConvert, ResponseHasEveryPaddingByteZeroed)
{
	for (pvblk_abi abi : kAbis) {
		const bool x32 = abi == PVBLK_ABI_X86_32;
		const size_t rsp_size = x32 ? 12 : 16;

		for (unsigned int op : kOps) {
			for (int16_t st :
			     { PVBLK_RSP_OKAY, PVBLK_RSP_ERROR, PVBLK_RSP_EOPNOTSUPP }) {
				std::vector<uint8_t> slot(pvblk_ring_entry_size(abi), 0xaa);
				std::vector<uint8_t> want(rsp_size, 0);

				Put(want, 0, 0x8877665544332211ull, 8);
				Put(want, 8, op, 1);
				Put(want, 10, (uint16_t)st, 2);
				DirtyStack();
				pvblk_put_rsp(slot.data(), abi, 0x8877665544332211ull, (uint8_t)op,
					      st);
				EXPECT_EQ(
					std::vector<uint8_t>(slot.begin(), slot.begin() + rsp_size),
					want)
					<< "abi " << abi << " op " << op << " status " << st;
				for (size_t i = rsp_size; i < slot.size(); i++)
					ASSERT_EQ(slot[i], 0xaa)
						<< "wrote past the response, byte " << i;
			}
		}
	}
}

TEST(WireConvert, ResponseX64MatchesKernelStruct)
{
	blkif_response k;

	memset(&k, 0, sizeof(k));
	k.id = 42;
	k.operation = BLKIF_OP_FLUSH_DISKCACHE;
	k.status = BLKIF_RSP_EOPNOTSUPP;
	uint8_t slot[16];
	pvblk_put_rsp(slot, PVBLK_ABI_X86_64, 42, PVBLK_OP_FLUSH_DISKCACHE, PVBLK_RSP_EOPNOTSUPP);
	EXPECT_EQ(memcmp(slot, &k, sizeof(k)), 0);
}

TEST(WireConvert, ResponseRoundTripBothAbis)
{
	for (pvblk_abi abi : kAbis) {
		// exact-size heap slot: ASan fails any over-read or over-write
		size_t n = abi == PVBLK_ABI_X86_32 ? 12 : 16;
		std::unique_ptr<uint8_t[]> slot(new uint8_t[n]);
		uint64_t id;
		uint8_t op;
		int16_t st;

		pvblk_put_rsp(slot.get(), abi, ~0ull - 5, PVBLK_OP_DISCARD, PVBLK_RSP_ERROR);
		pvblk_fetch_rsp(slot.get(), abi, &id, &op, &st);
		EXPECT_EQ(id, ~0ull - 5);
		EXPECT_EQ(op, PVBLK_OP_DISCARD);
		EXPECT_EQ(st, PVBLK_RSP_ERROR);
	}
}

TEST(WireConvert, RingEntryAddressingMasksTheIndex)
{
	for (pvblk_abi abi : kAbis) {
		for (unsigned int order = 0; order <= PVBLK_MAX_RING_ORDER; order++) {
			unsigned int n = pvblk_ring_slots(abi, order);
			std::vector<uint8_t> ring(PVBLK_PAGE_SIZE << order);
			uint8_t *base = ring.data();
			size_t esz = pvblk_ring_entry_size(abi);

			for (uint32_t idx : { 0u, 1u, n - 1, n, n + 3, 0xffffffffu }) {
				uint8_t *e = (uint8_t *)pvblk_ring_entry(base, abi, n, idx);
				size_t off = (size_t)(e - base);

				EXPECT_EQ(off, 64 + (size_t)(idx & (n - 1)) * esz);
				EXPECT_LE(off + esz, ring.size()) << "entry past the ring pages";
			}
		}
	}
}

TEST(WireConvert, IndirectPagesPerSegmentCount)
{
	EXPECT_EQ(pvblk_indirect_pages(0), 0u);
	EXPECT_EQ(pvblk_indirect_pages(1), 1u);
	EXPECT_EQ(pvblk_indirect_pages(512), 1u);
	EXPECT_EQ(pvblk_indirect_pages(513), 2u);
	EXPECT_EQ(pvblk_indirect_pages(4096), 8u);
	EXPECT_EQ(pvblk_indirect_pages(4097), 9u);
	EXPECT_EQ(pvblk_indirect_pages(65535), 128u);
}

TEST(WireConvert, IndirectSegmentsAreReadWithinThePage)
{
	std::unique_ptr<uint8_t[]> page(new uint8_t[PVBLK_PAGE_SIZE]);
	std::vector<uint8_t> img(PVBLK_PAGE_SIZE);

	for (unsigned int i = 0; i < PVBLK_SEGS_PER_INDIRECT_PAGE; i++) {
		Put(img, 8 * i, 0x70000000u + i, 4);
		Put(img, 8 * i + 4, i % 8, 1);
		Put(img, 8 * i + 5, 7, 1);
		Put(img, 8 * i + 6, 0xffff, 2); // padding: ignored
	}
	memcpy(page.get(), img.data(), img.size());

	std::vector<pvblk_seg> out(PVBLK_SEGS_PER_INDIRECT_PAGE);
	EXPECT_EQ(pvblk_fetch_indirect_segs(out.data(), page.get(), 0, 512), 512u);
	for (unsigned int i = 0; i < 512; i++) {
		ASSERT_EQ(out[i].gref, 0x70000000u + i);
		ASSERT_EQ(out[i].first_sect, i % 8);
		ASSERT_EQ(out[i].last_sect, 7);
	}
	EXPECT_EQ(pvblk_fetch_indirect_segs(out.data(), page.get(), 500, 100), 12u);
	EXPECT_EQ(out[0].gref, 0x70000000u + 500);
	EXPECT_EQ(pvblk_fetch_indirect_segs(out.data(), page.get(), 512, 1), 0u);
	EXPECT_EQ(pvblk_fetch_indirect_segs(out.data(), page.get(), 0xffffffffu, 5), 0u);
	EXPECT_EQ(pvblk_fetch_indirect_segs(out.data(), page.get(), 3, 0), 0u);
}

} // namespace
