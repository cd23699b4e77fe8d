// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target: random bytes as one shared-ring request slot of either
// ABI.  Byte 0 of the input picks the ABI, the rest is the slot (short
// inputs are zero-padded, as a fresh ring page would be).  Decoding must
// never crash or over-read (the slot is an exact-size heap block under
// ASan), and the decoded request must satisfy the invariants below.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "invariant.h"

extern "C" {
#include "pvblk/wire.h"
}

static bool IsRw(unsigned int op)
{
	return op == PVBLK_OP_READ || op == PVBLK_OP_WRITE || op == PVBLK_OP_WRITE_BARRIER ||
	       op == PVBLK_OP_FLUSH_DISKCACHE;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const pvblk_abi abi = (data[0] & 1) ? PVBLK_ABI_X86_32 : PVBLK_ABI_X86_64;
	const size_t n = pvblk_req_wire_size(abi);
	std::unique_ptr<uint8_t[]> slot(new uint8_t[n]);

	memset(slot.get(), 0, n);
	memcpy(slot.get(), data + 1, std::min(size - 1, n));

	pvblk_req r;
	pvblk_fetch_req(&r, slot.get(), abi);

	// operation and id always come through; the id offset is fixed per ABI
	CHECK(r.operation == slot[0]);
	uint64_t id;
	memcpy(&id, slot.get() + (abi == PVBLK_ABI_X86_32 ? 4 : 8), 8);
	CHECK(r.id == id);

	if (IsRw(r.operation)) {
		CHECK(r.nr_segments == slot[1]);
		for (unsigned int i = r.nr_segments; i < PVBLK_MAX_SEGS_DIRECT; i++)
			CHECK(r.seg[i].gref == 0 && r.seg[i].first_sect == 0 &&
			      r.seg[i].last_sect == 0);
		CHECK(r.nr_sectors == 0 && r.indirect_op == 0 && r.discard_flag == 0);
	} else if (r.operation == PVBLK_OP_DISCARD) {
		CHECK(r.nr_segments == 0 && r.handle == 0 && r.indirect_op == 0);
	} else if (r.operation == PVBLK_OP_INDIRECT) {
		CHECK(r.nr_segments == (uint16_t)(slot[2] | slot[3] << 8));
		CHECK(r.nr_sectors == 0 && r.discard_flag == 0 && r.seg[0].gref == 0);
	} else {
		CHECK(r.sector == 0 && r.nr_sectors == 0 && r.nr_segments == 0 && r.handle == 0 &&
		      r.indirect_op == 0 && r.discard_flag == 0);
	}

	// Re-encoding what was decoded and decoding again is a fixed point:
	// nothing is lost or invented between the two forms.
	std::unique_ptr<uint8_t[]> again(new uint8_t[n]);
	pvblk_req r2;
	pvblk_encode_req(again.get(), &r, abi);
	pvblk_fetch_req(&r2, again.get(), abi);
	CHECK(memcmp(&r, &r2, sizeof(r)) == 0);

	// A response for it writes exactly its own bytes, padding zero.
	uint8_t rsp[16];
	memset(rsp, 0xa5, sizeof(rsp));
	pvblk_put_rsp(rsp, abi, r.id, r.operation, (int16_t)(data[0] >> 1) - 64);
	CHECK(rsp[9] == 0);
	if (abi == PVBLK_ABI_X86_64)
		CHECK(rsp[12] == 0 && rsp[13] == 0 && rsp[14] == 0 && rsp[15] == 0);
	else
		CHECK(rsp[12] == 0xa5);
	return 0;
}
