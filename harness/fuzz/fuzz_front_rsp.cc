// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target for the frontend's response path: arbitrary bytes are
// a hostile backend's ring contents and producer index, checked by the
// core exactly as blkfront/ring.c does.  Invariants: no request completes
// twice, nr_busy never underflows, nothing outstanding is lost.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "pvblk/front_shadow.h"
#include "pvblk/wire.h"
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pvblk_fshadow s;
	const unsigned int slots = 32;
	std::vector<uint8_t> page(PVBLK_PAGE_SIZE);
	std::vector<int> completed(slots, 0);

	if (size < 2 || pvblk_fshadow_init(&s, slots))
		return 0;
	unsigned int sent = data[0] % (slots + 1);
	for (unsigned int i = 0; i < sent; i++)
		pvblk_fshadow_get(&s, (uint8_t)(i % 4), PVBLK_OP_READ);
	uint32_t rsp_prod = data[1];
	data += 2;
	size -= 2;
	size_t n = std::min(size, page.size() - PVBLK_RING_HDR_SIZE);
	std::memcpy(page.data() + PVBLK_RING_HDR_SIZE, data, n);

	uint32_t cons = 0;
	if (pvblk_front_rsp_prod_ok(rsp_prod, cons, sent)) {
		while (cons != rsp_prod) {
			uint64_t id;
			uint8_t op;
			int16_t st;
			uint32_t idx;

			pvblk_fetch_rsp(
				pvblk_ring_entry(page.data(), PVBLK_ABI_X86_64, slots, cons),
				PVBLK_ABI_X86_64, &id, &op, &st);
			if (pvblk_fshadow_take(&s, id, op, &idx))
				break;
			if (idx >= slots || completed[idx]++)
				abort();
			cons++;
		}
	}
	unsigned int done = 0;
	for (int c : completed)
		done += c;
	if (s.nr_busy + done != sent)
		abort();
	pvblk_fshadow_destroy(&s);
	return 0;
}
