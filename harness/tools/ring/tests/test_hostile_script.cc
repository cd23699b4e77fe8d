// SPDX-License-Identifier: GPL-2.0-only
//
// The hostile backend's pure parts: the case table, script parsing, the
// feature keys each case offers, disk names; and "backend" on the command
// line (--help, --list, bad options) without Xen.
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "backend/hostile_script.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "frontend/vbd_attach.h"

extern "C" {
#include "pvblk/negotiate.h"
}

using namespace pvblk::ring;

TEST(HostileScript, TableIsConsistent)
{
	std::set<std::string> names;
	std::set<int> ids;

	ASSERT_GE(hostile_cases().size(), 15u);
	EXPECT_STREQ(hostile_cases().front().name, "none");
	for (const auto &c : hostile_cases()) {
		EXPECT_TRUE(names.insert(c.name).second) << c.name;
		EXPECT_TRUE(ids.insert(static_cast<int>(c.id)).second) << c.name;
		EXPECT_NE(c.allowed, 0u) << c.name;
		EXPECT_EQ(c.allowed & ~(kSeesOk | kSeesError | kSeesNoDisk), 0u) << c.name;
		EXPECT_NE(std::string(c.does), "") << c.name;
		// names are one shell word, usable in file names and markers
		EXPECT_EQ(std::string(c.name).find_first_not_of("abcdefghijklmnopqrstuvwxyz-"),
			  std::string::npos)
			<< c.name;
		EXPECT_EQ(find_hostile_case(c.name), &c);
	}
	EXPECT_EQ(find_hostile_case("nonesuch"), nullptr);
	EXPECT_EQ(find_hostile_case(""), nullptr);
}

TEST(HostileScript, ExpectationsOfKeyCases)
{
	// the control must work; a backend that never answers can never
	// produce a successful I/O
	EXPECT_EQ(find_hostile_case("none")->allowed, unsigned(kSeesOk));
	EXPECT_EQ(find_hostile_case("withhold")->allowed, unsigned(kSeesError));
	EXPECT_EQ(find_hostile_case("close-inflight")->allowed, unsigned(kSeesError));
	EXPECT_FALSE(find_hostile_case("withhold-probe")->allowed & kSeesOk);
	EXPECT_EQ(find_hostile_case("flush-eopnotsupp")->trigger, HostileTrigger::Flush);
	EXPECT_EQ(find_hostile_case("withhold-probe")->trigger, HostileTrigger::AnyRequest);
	EXPECT_EQ(find_hostile_case("dup")->trigger, HostileTrigger::Write);
	// a restart during the disk's probe must not lose the disk
	EXPECT_EQ(find_hostile_case("restart-probe")->allowed, unsigned(kSeesOk));
	EXPECT_EQ(find_hostile_case("restart-probe")->trigger, HostileTrigger::AnyRequest);
	EXPECT_TRUE(parse_hostile_script("restart-probe").restarts());
	// the probe's pages mapped through a close: never a working disk
	EXPECT_FALSE(find_hostile_case("close-inflight-probe")->allowed & kSeesOk);
	EXPECT_TRUE(parse_hostile_script("close-inflight-probe").closes_inflight());
	EXPECT_EQ(offer_keys(parse_hostile_script("close-inflight-probe"), 0).persistent, "0");
	EXPECT_EQ(outcome_names(kSeesOk | kSeesNoDisk), "ok|nodisk");
	EXPECT_EQ(outcome_names(kSeesError), "error");
	EXPECT_EQ(outcome_names(kSeesOk | kSeesError | kSeesNoDisk), "ok|error|nodisk");
}

TEST(HostileScript, ParsesNamesAndKeys)
{
	HostileScript s = parse_hostile_script("withhold");

	EXPECT_EQ(s.id(), HostileCase::Withhold);
	EXPECT_EQ(s.after, 0u);
	EXPECT_DOUBLE_EQ(s.give_up, 4);
	EXPECT_FALSE(s.restarts());

	s = parse_hostile_script("restart");
	EXPECT_EQ(s.after, 64u); // the table's default
	EXPECT_TRUE(s.restarts());

	s = parse_hostile_script("close-inflight:after=3,give-up=2.5,hold=0,reconnect-wait=7");
	EXPECT_EQ(s.id(), HostileCase::CloseInflight);
	EXPECT_EQ(s.after, 3u);
	EXPECT_DOUBLE_EQ(s.give_up, 2.5);
	EXPECT_DOUBLE_EQ(s.hold, 0);
	EXPECT_DOUBLE_EQ(s.reconnect_wait, 7);
	EXPECT_TRUE(parse_hostile_script("reconnect-features").restarts());
	EXPECT_TRUE(parse_hostile_script("reconnect-sector-size").restarts());
}

TEST(HostileScript, RejectsBadScripts)
{
	for (const char *bad :
	     { "", "nonesuch", "none:", "none:after", "none:=3", "none:after=", "none:after=x",
	       "none:after=-1", "none:after=2000000", "none:give-up=-1", "none:give-up=1e9",
	       "none:hold=nan", "none:after=1,", "none:after=1,,hold=2", "none:colour=red",
	       "Withhold", "withhold " }) {
		EXPECT_THROW(parse_hostile_script(bad), UsageError) << "'" << bad << "'";
	}
}

TEST(HostileScript, OfferKeys)
{
	auto honest = offer_keys(parse_hostile_script("none"), 0);
	pvblk_back_offer bo;

	EXPECT_EQ(pvblk_parse_back_offer(&bo, honest.persistent.c_str(),
					 honest.max_ring_order.c_str(), honest.max_queues.c_str(),
					 honest.max_indirect.c_str()),
		  PVBLK_NEG_OK);
	EXPECT_EQ(honest.sector_size, 512u);
	EXPECT_EQ(honest.flush, "1");

	// an absurd ring order and garbage are refused by the core's parser
	// (the frontend's answer is what the case observes) ...
	for (const char *c : { "absurd-order", "garbage-keys" }) {
		auto k = offer_keys(parse_hostile_script(c), 0);

		EXPECT_NE(pvblk_parse_back_offer(&bo, k.persistent.c_str(),
						 k.max_ring_order.c_str(), k.max_queues.c_str(),
						 k.max_indirect.c_str()),
			  PVBLK_NEG_OK)
			<< c;
	}
	// ... huge queue and segment counts are clamped to the frontend's own
	for (const char *c : { "absurd-queues", "absurd-indirect" }) {
		auto k = offer_keys(parse_hostile_script(c), 0);
		pvblk_front_cfg fc = { true, 0, 4, 32 };
		pvblk_conn conn;

		ASSERT_EQ(pvblk_parse_back_offer(&bo, k.persistent.c_str(),
						 k.max_ring_order.c_str(), k.max_queues.c_str(),
						 k.max_indirect.c_str()),
			  PVBLK_NEG_OK)
			<< c;
		pvblk_negotiate_front(&fc, &bo, 2, &conn);
		EXPECT_LE(conn.nr_queues, 2u) << c;
		EXPECT_LE(conn.max_indirect_segs, 32u) << c;
	}
	EXPECT_EQ(offer_keys(parse_hostile_script("absurd-indirect"), 0).max_indirect,
		  "4294967295");
	EXPECT_EQ(offer_keys(parse_hostile_script("garbage-keys"), 0).flush, "");

	// the second connection of the reconnect cases differs, the first not
	auto ss = parse_hostile_script("reconnect-sector-size");
	EXPECT_EQ(offer_keys(ss, 0).sector_size, 512u);
	EXPECT_EQ(offer_keys(ss, 1).sector_size, 4096u);
	auto fs = parse_hostile_script("reconnect-features");
	EXPECT_EQ(offer_keys(fs, 0).max_indirect, honest.max_indirect);
	EXPECT_EQ(offer_keys(fs, 1).max_indirect, "0");
	EXPECT_EQ(offer_keys(fs, 1).flush, "0");
	EXPECT_EQ(offer_keys(fs, 1).max_queues, "1");
	EXPECT_EQ(offer_keys(fs, 1).persistent, "0");
}

TEST(HostileScript, DiskNames)
{
	EXPECT_EQ(vdev_number("xvda"), 51712u);
	EXPECT_EQ(vdev_number("xvdc"), 51744u);
	EXPECT_EQ(vdev_number("xvdp"), 51952u);
	EXPECT_EQ(vdev_number("xvdq"), (1u << 28) | (16u << 8));
	EXPECT_EQ(vdev_number("xvdaa"), (1u << 28) | (26u << 8));
	for (const char *n : { "xvda", "xvdc", "xvdp", "xvdq", "xvdz", "xvdaa", "xvdzz" })
		EXPECT_EQ(vdev_name(vdev_number(n)), n);
	for (const char *bad : { "", "xvd", "sda", "xvdA", "xvd1", "hda", "xvdabcde" })
		EXPECT_THROW(vdev_number(bad), UsageError) << bad;
}

TEST(HostileScript, CommandLine)
{
	std::stringstream buf;
	auto *old = std::cout.rdbuf(buf.rdbuf());

	EXPECT_EQ(cmd_backend({ "--help" }), kExitOk);
	EXPECT_EQ(cmd_backend({ "--list" }), kExitOk);
	std::cout.rdbuf(old);
	EXPECT_NE(buf.str().find("Usage: pvblk-ring backend"), std::string::npos);
	EXPECT_NE(buf.str().find("\nwithhold error "), std::string::npos);
	EXPECT_NE(buf.str().find("\nnone ok "), std::string::npos);
	EXPECT_THROW(cmd_backend({ "--dev", "/dev/null" }), UsageError);
	EXPECT_THROW(cmd_backend({ "--domid", "1", "--dev", "/dev/null", "--script", "bogus" }),
		     UsageError);
	EXPECT_THROW(cmd_backend({ "--domid", "0", "--dev", "/dev/null" }), UsageError);
	EXPECT_THROW(cmd_backend({ "--domid", "1", "--dev", "/dev/null", "--vdev", "sda" }),
		     UsageError);
	EXPECT_THROW(cmd_backend({ "--bogus" }), UsageError);
}
