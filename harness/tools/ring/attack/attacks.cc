// SPDX-License-Identifier: GPL-2.0-only
//
// The attack catalogue; the attacks themselves are in cmd/attack.cc.
#include "attack/attacks.h"

namespace pvblk::ring {

const std::vector<AttackInfo> &attack_list()
{
	static const std::vector<AttackInfo> list = {
		{ "bad-op", "operations 4, 7 and 255", "an error response to each", false },
		{ "zero-segs", "a READ with 0 segments", "an error response", false },
		{ "too-many-segs", "a READ claiming 12 direct segments", "an error response", false },
		{ "first-gt-last", "a segment with first_sect 5 > last_sect 2", "an error response", false },
		{ "last-ge-8", "a segment with last_sect 8", "an error response", false },
		{ "past-end", "READs at the last sector + 1, straddling the end, and at 2^64-8",
		  "an error response to each", false },
		{ "write-ro", "a WRITE to a read-only VBD", "an error response", true },
		{ "bad-gref", "a READ naming a grant reference never granted", "an error response", false },
		{ "indirect-too-many", "an INDIRECT READ of 4096 segments over 8 indirect pages",
		  "an error response", false },
		{ "indirect-bad-op", "an INDIRECT with indirect_op FLUSH", "an error response", false },
		{ "prod-overflow", "req_prod pushed a ring and more beyond the consumer",
		  "the ring stopped (no answer), the VBD still closes", false },
		{ "rsp-scribble", "garbage written over rsp_prod and rsp_event, then a READ",
		  "the READ answered OKAY (the backend keeps its own index)", false },
		{ "grant-flood", "3x max_persistent_grants distinct fresh grants, 4 KiB each",
		  "every request OKAY, the persistent cache within max_persistent_grants", false },
		{ "evtchn-storm", "200000 notifications with nothing on the ring, then a READ",
		  "the READ answered OKAY", false },
		{ "dup-id", "two requests with the same id in flight", "both answered", false },
		{ "teardown-inflight", "32 requests, then Closing without waiting",
		  "the backend reaches Closed and unmaps everything", false },
		{ "close-under-discards",
		  "every slot a DISCARD of the whole device but the last 4, cache flushes; "
		  "then Closing once one is answered or after 2 s",
		  "the backend reaches Closed without serving the ring out (time printed), "
		  "every request is answered, served or refused, and no flush is answered "
		  "with an error (a refused one is done: OKAY)",
		  false },
	};
	return list;
}

}	// namespace pvblk::ring
