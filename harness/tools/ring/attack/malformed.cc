// SPDX-License-Identifier: GPL-2.0-only
//
// Malformed requests: each must come back with an error response, and a
// valid READ after them must still be served.
#include <cstdint>
#include <vector>

#include "attack/attacker.h"
#include "attack/handlers.h"
#include "frontend/request_builder.h"

namespace pvblk::ring::attack {

AttackResult bad_op(Attacker &a)
{
	std::vector<pvblk_req> v;
	uint8_t ops[] = { 4, 7, 255 };

	for (unsigned int i = 0; i < 3; i++) {
		pvblk_req q = a.read(i + 1, 0);
		q.operation = ops[i];
		v.push_back(q);
	}
	return a.expect_errors(v);
}

AttackResult zero_segs(Attacker &a)
{
	pvblk_req q = make_direct(PVBLK_OP_READ, 1, a.handle(), 0, {});

	return a.expect_errors({ q });
}

AttackResult too_many_segs(Attacker &a)
{
	pvblk_req q = a.read(1, 0);

	for (unsigned int i = 0; i < PVBLK_MAX_SEGS_DIRECT; i++)
		q.seg[i] = q.seg[0];
	q.nr_segments = PVBLK_MAX_SEGS_DIRECT + 1; // the wire says 12
	return a.expect_errors({ q });
}

AttackResult first_gt_last(Attacker &a)
{
	pvblk_req q = a.read(1, 0);

	q.seg[0].first_sect = 5;
	q.seg[0].last_sect = 2;
	return a.expect_errors({ q });
}

AttackResult last_ge_8(Attacker &a)
{
	pvblk_req q = a.read(1, 0);

	q.seg[0].last_sect = 8;
	return a.expect_errors({ q });
}

AttackResult past_end(Attacker &a)
{
	uint64_t sectors = a.neg().sectors;

	return a.expect_errors(
		{ a.read(1, sectors), a.read(2, sectors - 4), a.read(3, UINT64_MAX - 7) });
}

AttackResult write_ro(Attacker &a)
{
	uint32_t ref = a.pool().ref(0);

	return a.expect_errors(
		{ make_direct(PVBLK_OP_WRITE, 1, a.handle(), 0, segments_for(8, { &ref, 1 })) });
}

AttackResult bad_gref(Attacker &a)
{
	pvblk_req r1 = a.read(1, 0), r2 = a.read(2, 0);

	r1.seg[0].gref = 0xfffffff0u;
	r2.seg[0].gref = 0x7fffffffu;
	return a.expect_errors({ r1, r2 });
}

namespace {

// The indirect pages (pool pages 8..) filled with the most segments an
// indirect request can carry, each a whole page of pool page 0; returns
// the pages' grant references.
std::vector<uint32_t> full_indirect_pages(Attacker &a)
{
	std::vector<uint32_t> refs;
	std::vector<void *> pages;

	for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++) {
		refs.push_back(a.pool().ref(8 + i));
		pages.push_back(a.pool().page(8 + i));
	}
	std::vector<pvblk_seg> segs(PVBLK_MAX_INDIRECT_SEGS);
	for (auto &g : segs) {
		g.gref = a.pool().ref(0);
		g.first_sect = 0;
		g.last_sect = 7;
	}
	write_indirect_segs(pages, segs);
	return refs;
}

} // namespace

AttackResult indirect_too_many(Attacker &a)
{
	std::vector<uint32_t> refs = full_indirect_pages(a);
	std::vector<pvblk_req> v = { make_indirect(PVBLK_OP_READ, 1, a.handle(), 0,
						   PVBLK_MAX_INDIRECT_SEGS, refs) };
	unsigned int lim = a.neg().indirect_segs;

	if (lim && lim < PVBLK_MAX_INDIRECT_SEGS)
		v.push_back(make_indirect(PVBLK_OP_READ, 2, a.handle(), 0,
					  static_cast<uint16_t>(lim + 1), refs));
	return a.expect_errors(v);
}

AttackResult indirect_bad_op(Attacker &a)
{
	std::vector<uint32_t> refs = full_indirect_pages(a);
	pvblk_req q = make_indirect(PVBLK_OP_FLUSH_DISKCACHE, 1, a.handle(), 0, 1,
				    { refs.data(), 1 });

	return a.expect_errors({ q });
}

} // namespace pvblk::ring::attack
