// SPDX-License-Identifier: GPL-2.0-only
//
// core/negotiate.c: peer value parsing and the negotiation table in every
// combination, including the 2022 persistent-grant regression both ways.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <string>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/negotiate.h"
}

namespace {

// Address of a temporary, valid for the full expression of the call.
template <class T> const T *ptr(const T &t)
{
	return &t;
}

TEST(Parse, DecimalNumbersOnly)
{
	uint32_t v = 12345;

	EXPECT_EQ(pvblk_parse_u32("0", 0, 10, &v), PVBLK_NEG_OK);
	EXPECT_EQ(v, 0u);
	EXPECT_EQ(pvblk_parse_u32("4294967295", 0, UINT32_MAX, &v), PVBLK_NEG_OK);
	EXPECT_EQ(v, UINT32_MAX);
	EXPECT_EQ(pvblk_parse_u32("007", 0, 10, &v), PVBLK_NEG_OK);
	EXPECT_EQ(v, 7u);

	v = 55;
	for (const char *bad : { "", "-1", "+1", " 1", "1 ", "0x10", "1a", "1.0", "1\n", "one" })
		EXPECT_EQ(pvblk_parse_u32(bad, 0, UINT32_MAX, &v), PVBLK_NEG_NOT_A_NUMBER)
			<< "'" << bad << "'";
	EXPECT_EQ(pvblk_parse_u32(nullptr, 0, 10, &v), PVBLK_NEG_NOT_A_NUMBER);
	EXPECT_EQ(pvblk_parse_u32("4294967296", 0, UINT32_MAX, &v), PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_u32("99999999999999999999999999", 0, UINT32_MAX, &v),
		  PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_u32("11", 0, 10, &v), PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_u32("0", 1, 10, &v), PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(v, 55u) << "untouched on error";
}

TEST(Parse, Protocol)
{
	pvblk_abi abi = PVBLK_ABI_X86_32;

	EXPECT_EQ(pvblk_parse_protocol(nullptr, &abi), PVBLK_NEG_OK);
	EXPECT_EQ(abi, PVBLK_ABI_NATIVE);
	abi = PVBLK_ABI_X86_32;
	EXPECT_EQ(pvblk_parse_protocol("", &abi), PVBLK_NEG_OK);
	EXPECT_EQ(abi, PVBLK_ABI_X86_64);
	EXPECT_EQ(pvblk_parse_protocol("x86_32-abi", &abi), PVBLK_NEG_OK);
	EXPECT_EQ(abi, PVBLK_ABI_X86_32);
	EXPECT_EQ(pvblk_parse_protocol("x86_64-abi", &abi), PVBLK_NEG_OK);
	EXPECT_EQ(abi, PVBLK_ABI_X86_64);
	for (const char *bad : { "arm-abi", "x86_32", "x86_32-abiX", "X86_32-ABI", "x86_64-ab" })
		EXPECT_EQ(pvblk_parse_protocol(bad, &abi), PVBLK_NEG_PROTOCOL) << bad;
}

TEST(Parse, FrontendKeysDefaultsAndErrors)
{
	pvblk_front_offer o;

	ASSERT_EQ(pvblk_parse_front_offer(&o, nullptr, nullptr, nullptr, nullptr), PVBLK_NEG_OK);
	EXPECT_FALSE(o.persistent);
	EXPECT_EQ(o.ring_order, 0u);
	EXPECT_EQ(o.nr_queues, 1u);
	EXPECT_EQ(o.abi, PVBLK_ABI_NATIVE);

	ASSERT_EQ(pvblk_parse_front_offer(&o, "1", "4", "2", "x86_32-abi"), PVBLK_NEG_OK);
	EXPECT_TRUE(o.persistent);
	EXPECT_EQ(o.ring_order, 4u);
	EXPECT_EQ(o.nr_queues, 2u);
	EXPECT_EQ(o.abi, PVBLK_ABI_X86_32);

	EXPECT_EQ(pvblk_parse_front_offer(&o, "2", nullptr, nullptr, nullptr),
		  PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_front_offer(&o, "yes", nullptr, nullptr, nullptr),
		  PVBLK_NEG_NOT_A_NUMBER);
	EXPECT_EQ(pvblk_parse_front_offer(&o, nullptr, "-1", nullptr, nullptr),
		  PVBLK_NEG_NOT_A_NUMBER);
	EXPECT_EQ(pvblk_parse_front_offer(&o, nullptr, nullptr, "", nullptr),
		  PVBLK_NEG_NOT_A_NUMBER);
	EXPECT_EQ(pvblk_parse_front_offer(&o, nullptr, nullptr, nullptr, "sparc"),
		  PVBLK_NEG_PROTOCOL);
}

TEST(Parse, BackendKeysDefaultsAndErrors)
{
	pvblk_back_offer o;

	ASSERT_EQ(pvblk_parse_back_offer(&o, nullptr, nullptr, nullptr, nullptr), PVBLK_NEG_OK);
	EXPECT_FALSE(o.persistent);
	EXPECT_EQ(o.max_ring_order, 0u);
	EXPECT_EQ(o.max_queues, 1u);
	EXPECT_EQ(o.max_indirect_segs, 0u);

	ASSERT_EQ(pvblk_parse_back_offer(&o, "1", "4", "8", "256"), PVBLK_NEG_OK);
	EXPECT_TRUE(o.persistent);
	EXPECT_EQ(o.max_ring_order, 4u);
	EXPECT_EQ(o.max_queues, 8u);
	EXPECT_EQ(o.max_indirect_segs, 256u);

	EXPECT_EQ(pvblk_parse_back_offer(&o, "3", nullptr, nullptr, nullptr),
		  PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_back_offer(&o, nullptr, "32", nullptr, nullptr),
		  PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_back_offer(&o, nullptr, nullptr, "0", nullptr),
		  PVBLK_NEG_OUT_OF_RANGE);
	EXPECT_EQ(pvblk_parse_back_offer(&o, nullptr, nullptr, nullptr, "lots"),
		  PVBLK_NEG_NOT_A_NUMBER);
}

pvblk_back_cfg BackCfg(bool p = true, uint32_t order = 4, uint32_t q = 4, uint32_t segs = 256)
{
	return pvblk_back_cfg{ p, order, q, segs };
}

pvblk_front_offer FrontOffer(bool p = true, uint32_t order = 0, uint32_t q = 1,
			     pvblk_abi abi = PVBLK_ABI_X86_64)
{
	return pvblk_front_offer{ p, order, q, abi };
}

TEST(NegotiateBack, PersistentIffBothAdvertise)
{
	for (bool ours : { false, true }) {
		for (bool peer : { false, true }) {
			pvblk_conn c;

			ASSERT_EQ(
				pvblk_negotiate_back(ptr(BackCfg(ours)), ptr(FrontOffer(peer)), &c),
				PVBLK_NEG_OK);
			EXPECT_EQ(c.persistent, ours && peer) << ours << peer;
		}
	}
}

TEST(NegotiateBack, RingOrderAgainstOurMaximum)
{
	for (uint32_t ours = 0; ours <= 6; ours++) {
		for (uint32_t peer = 0; peer <= 6; peer++) {
			pvblk_conn c;
			pvblk_neg_err e = pvblk_negotiate_back(ptr(BackCfg(true, ours)),
							       ptr(FrontOffer(true, peer)), &c);
			bool ok = peer <= std::min(ours, 4u);

			SCOPED_TRACE(testing::Message() << "ours " << ours << " peer " << peer);
			EXPECT_EQ(e, ok ? PVBLK_NEG_OK : PVBLK_NEG_RING_ORDER);
			if (ok) {
				EXPECT_EQ(c.ring_order, peer);
			}
		}
	}
	pvblk_conn c;
	EXPECT_EQ(
		pvblk_negotiate_back(ptr(BackCfg(true, 4)), ptr(FrontOffer(true, UINT32_MAX)), &c),
		PVBLK_NEG_RING_ORDER);
}

TEST(NegotiateBack, QueuesWithinOneAndOurMaximum)
{
	for (uint32_t ours = 0; ours <= 5; ours++) {
		for (uint32_t peer = 0; peer <= 6; peer++) {
			pvblk_conn c;
			pvblk_neg_err e = pvblk_negotiate_back(ptr(BackCfg(true, 4, ours)),
							       ptr(FrontOffer(true, 0, peer)), &c);
			bool ok = peer >= 1 && peer <= std::max(ours, 1u);

			SCOPED_TRACE(testing::Message() << "ours " << ours << " peer " << peer);
			EXPECT_EQ(e, ok ? PVBLK_NEG_OK : PVBLK_NEG_QUEUES);
			if (ok) {
				EXPECT_EQ(c.nr_queues, peer);
			}
		}
	}
	pvblk_conn c;
	EXPECT_EQ(pvblk_negotiate_back(ptr(BackCfg(true, 4, UINT32_MAX)),
				       ptr(FrontOffer(true, 0, PVBLK_MAX_QUEUES + 1)), &c),
		  PVBLK_NEG_QUEUES)
		<< "peer input stays bounded whatever our parameter";
}

TEST(NegotiateBack, AbiAndIndirectCarriedThrough)
{
	pvblk_conn c;

	ASSERT_EQ(pvblk_negotiate_back(ptr(BackCfg(true, 4, 4, 100000)),
				       ptr(FrontOffer(true, 2, 3, PVBLK_ABI_X86_32)), &c),
		  PVBLK_NEG_OK);
	EXPECT_EQ(c.abi, PVBLK_ABI_X86_32);
	EXPECT_EQ(c.max_indirect_segs, (uint32_t)PVBLK_MAX_INDIRECT_SEGS);
	EXPECT_EQ(c.ring_order, 2u);
	EXPECT_EQ(c.nr_queues, 3u);
}

TEST(NegotiateFront, EveryCombinationOfOrderQueuesAndCpus)
{
	for (uint32_t oo = 0; oo <= 6; oo++)
		for (uint32_t po = 0; po <= 6; po++)
			for (uint32_t oq = 0; oq <= 5; oq++)
				for (uint32_t pq = 1; pq <= 5; pq++)
					for (unsigned int cpus = 0; cpus <= 5; cpus++) {
						pvblk_front_cfg ours{ true, oo, oq, 32 };
						pvblk_back_offer peer{ true, po, pq, 256 };
						pvblk_conn c;

						pvblk_negotiate_front(&ours, &peer, cpus, &c);
						SCOPED_TRACE(testing::Message()
							     << oo << " " << po << " " << oq << " "
							     << pq << " " << cpus);
						ASSERT_EQ(c.ring_order, std::min({ oo, po, 4u }));
						ASSERT_EQ(c.nr_queues,
							  std::min({ std::max(oq, 1u), pq,
								     std::max(cpus, 1u) }));
						ASSERT_EQ(c.abi, PVBLK_ABI_NATIVE);
					}
}

TEST(NegotiateFront, IndirectSegments)
{
	const struct {
		uint32_t ours, peer, want;
	} cases[] = {
		{ 32, 256, 32 },      { 256, 32, 32 },
		{ 256, 256, 256 },    { 11, 256, 0 },
		{ 12, 256, 12 },      { 256, 11, 0 },
		{ 256, 0, 0 },	      { 0, 256, 0 },
		{ 5000, 5000, 4096 }, { UINT32_MAX, UINT32_MAX, 4096 },
	};

	for (auto t : cases) {
		pvblk_front_cfg ours{ true, 0, 1, t.ours };
		pvblk_back_offer peer{ true, 0, 1, t.peer };
		pvblk_conn c;

		pvblk_negotiate_front(&ours, &peer, 4, &c);
		EXPECT_EQ(c.max_indirect_segs, t.want) << t.ours << " vs " << t.peer;
	}
}

TEST(NegotiateFront, PersistentIffBothAdvertise)
{
	for (bool ours : { false, true })
		for (bool peer : { false, true }) {
			pvblk_front_cfg o{ ours, 0, 1, 32 };
			pvblk_back_offer p{ peer, 0, 1, 256 };
			pvblk_conn c;

			pvblk_negotiate_front(&o, &p, 2, &c);
			EXPECT_EQ(c.persistent, ours && peer);
		}
}

// The 2022 regression: a side wrote the NEGOTIATED value as its own
// feature-persistent, so after one connection with a non-persistent peer
// it advertised 0 forever.  Run a sequence of connections where each side
// advertises with @advertise, and see what gets negotiated.
std::vector<bool> Reconnects(const std::function<bool(bool param, bool last_negotiated)> &advertise)
{
	const bool back_param = true;
	const bool front_params[] = { false, true, true, true }; // guest turns it on
	bool back_last = false, front_last = false;
	std::vector<bool> negotiated;

	for (bool front_param : front_params) {
		pvblk_back_cfg bc{ advertise(back_param, back_last), 4, 4, 256 };
		pvblk_front_cfg fc{ advertise(front_param, front_last), 4, 4, 32 };
		pvblk_front_offer fo{ fc.persistent, 0, 1, PVBLK_ABI_X86_64 };
		pvblk_back_offer bo{ bc.persistent, 4, 4, 256 };
		pvblk_conn b, f;

		EXPECT_EQ(pvblk_negotiate_back(&bc, &fo, &b), PVBLK_NEG_OK);
		pvblk_negotiate_front(&fc, &bo, 4, &f);
		EXPECT_EQ(b.persistent, f.persistent) << "both ends agree";
		back_last = b.persistent;
		front_last = f.persistent;
		negotiated.push_back(b.persistent);
	}
	return negotiated;
}

TEST(NegotiatePersistent, EachSideAdvertisesItsOwnCachedParameter)
{
	auto ours = [](bool param, bool) { return pvblk_advertise_persistent(param); };
	EXPECT_EQ(Reconnects(ours), std::vector<bool>({ false, true, true, true }));
}

TEST(NegotiatePersistent, TheRegressionWouldBeCaught)
{
	// Sensitivity check of the scenario above: advertising the last
	// negotiated value after the first connection turns persistent grants
	// off for good, which the scenario tells apart from the right result.
	int calls = 0;
	auto regressed = [&calls](bool param, bool last) { return calls++ < 2 ? param : last; };
	EXPECT_EQ(Reconnects(regressed), std::vector<bool>({ false, false, false, false }));
}

TEST(NegotiateRingKeys, TheKeysOfAnEarlierConnectionAreRecognised)
{
	for (const char *k : { "ring-ref", "ring-ref0", "ring-ref15", "event-channel",
			       "ring-page-order", "multi-queue-num-queues", "queue-0", "queue-12" })
		EXPECT_TRUE(pvblk_front_ring_key(k)) << k;
}

TEST(NegotiateRingKeys, EverythingElseIsKept)
{
	// The toolstack's keys, the other features we write, near misses.
	for (const char *k : { "",
			       "state",
			       "backend",
			       "backend-id",
			       "virtual-device",
			       "device-type",
			       "trusted",
			       "protocol",
			       "feature-persistent",
			       "ring-ref-1",
			       "ring-refs",
			       "ring-ref1x",
			       "queue-",
			       "queue-x",
			       "queue-1/",
			       "queues",
			       "event-channel0",
			       "event-channe",
			       "ring-page-order2",
			       "multi-queue-num-queues-1",
			       "ring" })
		EXPECT_FALSE(pvblk_front_ring_key(k)) << k;
	EXPECT_FALSE(pvblk_front_ring_key(nullptr));
}

TEST(NegotiateText, EveryReasonHasItsOwnText)
{
	std::set<std::string> seen;

	for (int e = 0; e < PVBLK_NEG_ERR_MAX; e++) {
		const char *s = pvblk_neg_reason((pvblk_neg_err)e);

		ASSERT_NE(s, nullptr);
		EXPECT_NE(std::string(s), "unknown reason");
		EXPECT_TRUE(seen.insert(s).second) << s;
	}
	EXPECT_STREQ(pvblk_neg_reason(PVBLK_NEG_ERR_MAX), "unknown reason");
}

} // namespace
