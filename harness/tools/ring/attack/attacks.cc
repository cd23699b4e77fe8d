// SPDX-License-Identifier: GPL-2.0-only
//
// The table of attacks: an attack is its entry here, and its function
// (handlers.h). pvblk-ring attack takes the names, the order of "all",
// the read-only attach and --list from it; Documentation/harness.rst
// lists the same names (checked by test_ring).
#include "attack/attacks.h"

#include <array>

#include "attack/handlers.h"

namespace pvblk::ring {

namespace {

const std::array kAttacks = {
	Attack{ .name = "bad-op",
		.what = "operations 4, 7 and 255",
		.expect = "an error response to each",
		.read_only = false,
		.run = attack::bad_op },
	Attack{ .name = "zero-segs",
		.what = "a READ with 0 segments",
		.expect = "an error response",
		.read_only = false,
		.run = attack::zero_segs },
	Attack{ .name = "too-many-segs",
		.what = "a READ claiming 12 direct segments",
		.expect = "an error response",
		.read_only = false,
		.run = attack::too_many_segs },
	Attack{ .name = "first-gt-last",
		.what = "a segment with first_sect 5 > last_sect 2",
		.expect = "an error response",
		.read_only = false,
		.run = attack::first_gt_last },
	Attack{ .name = "last-ge-8",
		.what = "a segment with last_sect 8",
		.expect = "an error response",
		.read_only = false,
		.run = attack::last_ge_8 },
	Attack{ .name = "past-end",
		.what = "READs at the last sector + 1, straddling the end, and at 2^64-8",
		.expect = "an error response to each",
		.read_only = false,
		.run = attack::past_end },
	Attack{ .name = "write-ro",
		.what = "a WRITE to a read-only VBD",
		.expect = "an error response",
		.read_only = true,
		.run = attack::write_ro },
	Attack{ .name = "bad-gref",
		.what = "a READ naming a grant reference never granted",
		.expect = "an error response",
		.read_only = false,
		.run = attack::bad_gref },
	Attack{ .name = "indirect-too-many",
		.what = "an INDIRECT READ of 4096 segments over 8 indirect pages",
		.expect = "an error response",
		.read_only = false,
		.run = attack::indirect_too_many },
	Attack{ .name = "indirect-bad-op",
		.what = "an INDIRECT with indirect_op FLUSH",
		.expect = "an error response",
		.read_only = false,
		.run = attack::indirect_bad_op },
	Attack{ .name = "prod-overflow",
		.what = "req_prod pushed a ring and more beyond the consumer",
		.expect = "the ring stopped (no answer), the VBD still closes",
		.read_only = false,
		.run = attack::prod_overflow },
	Attack{ .name = "rsp-scribble",
		.what = "garbage written over rsp_prod and rsp_event, then a READ",
		.expect = "the READ answered OKAY (the backend keeps its own index)",
		.read_only = false,
		.run = attack::rsp_scribble },
	Attack{ .name = "grant-flood",
		.what = "3x max_persistent_grants distinct fresh grants, 4 KiB each",
		.expect = "every request OKAY, the persistent cache within max_persistent_grants",
		.read_only = false,
		.run = attack::grant_flood },
	Attack{ .name = "evtchn-storm",
		.what = "200000 notifications with nothing on the ring, then a READ",
		.expect = "the READ answered OKAY",
		.read_only = false,
		.run = attack::evtchn_storm },
	Attack{ .name = "dup-id",
		.what = "two requests with the same id in flight",
		.expect = "both answered",
		.read_only = false,
		.run = attack::dup_id },
	Attack{ .name = "teardown-inflight",
		.what = "32 requests, then Closing without waiting",
		.expect = "the backend reaches Closed and unmaps everything",
		.read_only = false,
		.run = attack::teardown_inflight },
	Attack{ .name = "close-under-discards",
		.what = "every slot a DISCARD of the whole device but the last 4, cache flushes; "
			"then Closing once one is answered or after 2 s",
		.expect = "the backend reaches Closed without serving the ring out (time printed), "
			  "every request is answered, served or refused, and no flush is answered "
			  "with an error (a refused one is done: OKAY)",
		.read_only = false,
		.run = attack::close_under_discards },
};

} // namespace

std::span<const Attack> attack_table()
{
	return kAttacks;
}

const Attack *find_attack(std::string_view name)
{
	for (const Attack &a : kAttacks)
		if (name == a.name)
			return &a;
	return nullptr;
}

} // namespace pvblk::ring
