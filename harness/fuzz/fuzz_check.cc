// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target: the backend's whole validation path on random input -
// ring index sanity, copy-once decode of a request slot (either ABI),
// pvblk_req_check(), and for INDIRECT the segments read from a random
// indirect page and pvblk_req_check_segs().  Whatever the input, nothing
// may crash, and every request the checks accept must really be inside
// the device, inside its pages, aligned, and allowed - verified here
// independently with 128-bit arithmetic.
//
// Input layout: [0] flags, [1] lbs shift, [2..9] device sectors,
// [10..11] max indirect segs, [12..23] ring indexes, then the slot, then
// the indirect page (missing bytes are zero).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "invariant.h"

extern "C" {
#include "pvblk/req_check.h"
}

namespace {

struct Input {
	const uint8_t *p;
	size_t n;

	// Next @len bytes, zero-padded past the end of the input.
	void Take(void *out, size_t len)
	{
		size_t k = std::min(len, n);

		memset(out, 0, len);
		memcpy(out, p, k);
		p += k;
		n -= k;
	}
};

bool IsWriteOp(unsigned int op)
{
	return op == PVBLK_OP_WRITE || op == PVBLK_OP_WRITE_BARRIER ||
	       op == PVBLK_OP_FLUSH_DISKCACHE;
}

// Independent re-check of an accepted segment list.
void VerifySegs(const pvblk_seg *seg, unsigned int n, uint64_t sector, const pvblk_dev_limits &lim,
		unsigned int lbs)
{
	unsigned __int128 total = 0;
	const unsigned int bs = lbs / 512;

	for (unsigned int i = 0; i < n; i++) {
		CHECK(seg[i].first_sect <= seg[i].last_sect);
		CHECK(seg[i].last_sect <= 7);
		CHECK(seg[i].first_sect % bs == 0);
		CHECK((seg[i].last_sect - seg[i].first_sect + 1u) % bs == 0);
		total += seg[i].last_sect - seg[i].first_sect + 1u;
	}
	CHECK(sector % bs == 0);
	CHECK((unsigned __int128)sector + total <= lim.nr_sectors);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input in{ data, size };
	uint8_t flags, shift;
	uint64_t dev;
	uint16_t max_ind;
	uint32_t idx[3];

	in.Take(&flags, 1);
	in.Take(&shift, 1);
	in.Take(&dev, 8);
	in.Take(&max_ind, 2);
	in.Take(idx, sizeof(idx));

	const pvblk_abi abi = (flags & 1) ? PVBLK_ABI_X86_32 : PVBLK_ABI_X86_64;
	const unsigned int lbs = 512u << (shift % 4);
	pvblk_dev_limits lim;
	memset(&lim, 0, sizeof(lim));
	lim.nr_sectors = dev;
	lim.logical_block_size = lbs;
	lim.max_indirect_segs = max_ind;
	lim.read_only = flags & 2;
	lim.flush = flags & 4;
	lim.barrier = flags & 8;
	lim.discard = flags & 16;
	lim.secure_discard = flags & 32;

	// Ring indexes: (req_prod, req_cons, rsp_prod_pvt) on an order-N ring.
	const unsigned int slots = pvblk_ring_slots(abi, (flags >> 6) % (PVBLK_MAX_RING_ORDER + 1));
	int pending = pvblk_ring_pending(idx[0], idx[1], idx[2], slots);
	if (pending >= 0) {
		CHECK((unsigned int)pending <= slots);
		CHECK(pvblk_ring_prod_ok(idx[0], idx[2], slots));
	} else {
		CHECK(pending == -EPROTO);
	}

	// The slot: an exact-size heap block, so ASan sees any over-read.
	const size_t slot_len = pvblk_req_wire_size(abi);
	std::unique_ptr<uint8_t[]> slot(new uint8_t[slot_len]);
	in.Take(slot.get(), slot_len);
	pvblk_req req;
	pvblk_fetch_req(&req, slot.get(), abi);

	const pvblk_req_err err = pvblk_req_check(&req, &lim);
	const int16_t st = pvblk_req_status(err);
	CHECK(err >= PVBLK_REQ_OK && err < PVBLK_REQ_ERR_MAX);
	CHECK(st == PVBLK_RSP_OKAY || st == PVBLK_RSP_ERROR || st == PVBLK_RSP_EOPNOTSUPP);
	CHECK((st == PVBLK_RSP_OKAY) == (err == PVBLK_REQ_OK));
	CHECK(pvblk_req_reason(err) != nullptr);
	if (err != PVBLK_REQ_OK)
		return 0;

	switch (req.operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		CHECK(req.nr_segments <= PVBLK_MAX_SEGS_DIRECT);
		CHECK(req.nr_segments > 0 || req.operation == PVBLK_OP_FLUSH_DISKCACHE ||
		      req.operation == PVBLK_OP_WRITE_BARRIER);
		CHECK(req.operation != PVBLK_OP_FLUSH_DISKCACHE || lim.flush);
		CHECK(req.operation != PVBLK_OP_WRITE_BARRIER || lim.barrier);
		if (req.nr_segments) {
			CHECK(!(IsWriteOp(req.operation) && lim.read_only));
			VerifySegs(req.seg, req.nr_segments, req.sector, lim, lbs);
		}
		break;
	case PVBLK_OP_DISCARD:
		CHECK(lim.discard && !lim.read_only);
		CHECK((req.discard_flag & ~PVBLK_DISCARD_SECURE) == 0);
		CHECK(!(req.discard_flag & PVBLK_DISCARD_SECURE) || lim.secure_discard);
		CHECK(req.sector % (lbs / 512) == 0 && req.nr_sectors % (lbs / 512) == 0);
		CHECK((unsigned __int128)req.sector + req.nr_sectors <= lim.nr_sectors);
		break;
	case PVBLK_OP_INDIRECT: {
		CHECK(req.indirect_op == PVBLK_OP_READ || req.indirect_op == PVBLK_OP_WRITE);
		CHECK(req.nr_segments >= 1 && req.nr_segments <= lim.max_indirect_segs);
		CHECK(req.nr_segments <= PVBLK_MAX_INDIRECT_SEGS);
		CHECK(!(req.indirect_op == PVBLK_OP_WRITE && lim.read_only));
		CHECK(req.sector < lim.nr_sectors);

		// Segments: the rest of the input is the indirect page(s), all
		// pages made of the same bytes; each page read is page-bounded.
		std::unique_ptr<uint8_t[]> page(new uint8_t[PVBLK_PAGE_SIZE]);
		in.Take(page.get(), PVBLK_PAGE_SIZE);
		std::vector<pvblk_seg> segs(req.nr_segments);
		unsigned int got = 0;
		while (got < req.nr_segments) {
			unsigned int k = pvblk_fetch_indirect_segs(
				segs.data() + got, page.get(), got % PVBLK_SEGS_PER_INDIRECT_PAGE,
				req.nr_segments - got);
			CHECK(k > 0 && k <= PVBLK_SEGS_PER_INDIRECT_PAGE);
			got += k;
		}
		uint64_t n = 0;
		if (pvblk_req_check_segs(segs.data(), got, req.sector, &lim, &n) == PVBLK_REQ_OK) {
			VerifySegs(segs.data(), got, req.sector, lim, lbs);
			CHECK(n >= got && n <= 8ull * got);
		}
		break;
	}
	default:
		CHECK(!"an unknown operation was accepted");
	}
	return 0;
}
