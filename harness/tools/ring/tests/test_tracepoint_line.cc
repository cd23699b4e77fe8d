// SPDX-License-Identifier: GPL-2.0-only
//
// The strict parser of pvblkback's tracepoint lines: whole-page and
// partial segments, continuation events, and every kind of malformed
// line rejected with its line number, column and what is wrong.
#include <gtest/gtest.h>

#include <cstdio>

#include "trace/tracepoint_line.h"

using namespace pvblk::ring;

namespace {

const std::string kHead = " pvblkb.1.51712.-211     [001] .....   100.000100: ";

std::string start(const std::string &rest)
{
	return kHead + "pvblkback_req_start: " + rest;
}

std::string hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
	return buf;
}

// @segs as the kernel prints them: "gref {..} first_sect {..} last_sect {..}".
std::string arrays(const std::vector<TpSeg> &segs)
{
	std::string g, f, l;

	for (size_t i = 0; i < segs.size(); i++) {
		std::string sep = i ? "," : "";

		g += sep + hex(segs[i].gref);
		f += sep + hex(segs[i].first);
		l += sep + hex(segs[i].last);
	}
	return "gref {" + g + "} first_sect {" + f + "} last_sect {" + l + "}";
}

// The error message of parsing @line as line 7, or "" when it parses.
std::string error_of(const std::string &line)
{
	try {
		parse_tp_line(line, 7);
	} catch (const TpFormatError &e) {
		EXPECT_EQ(e.line(), 7u);
		return e.what();
	}
	return "";
}

} // namespace

TEST(TpLine, WholePageSegments)
{
	auto e = parse_tp_line(
		start("dom 1 vbd 51712 ring 2 id 5 op 1/0 sector 2048 nr_sectors 0 "
		      "nseg 2 n 2 gref {0x1f,0xffffffff} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		3);

	ASSERT_TRUE(e);
	EXPECT_EQ(e->kind, TpKind::Start);
	EXPECT_EQ(e->line, 3u);
	EXPECT_EQ(e->ts_ns, 100000100000ull);
	EXPECT_EQ(e->dom, 1u);
	EXPECT_EQ(e->vbd, 51712u);
	EXPECT_EQ(e->ring, 2u);
	EXPECT_EQ(e->id, 5u);
	EXPECT_EQ(e->op, 1u);
	EXPECT_EQ(e->indirect_op, 0u);
	EXPECT_EQ(e->sector, 2048u);
	EXPECT_EQ(e->nseg, 2u);
	EXPECT_EQ(e->at, 0u);
	EXPECT_EQ(e->segs, (std::vector<TpSeg>{ { 31, 0, 7 }, { 0xffffffffu, 0, 7 } }));
}

TEST(TpLine, PartialSegments)
{
	auto e = parse_tp_line(start(
		"dom 0 vbd 768 ring 0 id 18446744073709551615 op 0/0 "
		"sector 7 nr_sectors 0 nseg 4 n 4 gref {0x64,0x65,0x66,0x9} first_sect {0x1,0x3,0x7,0x0} last_sect {0x1,0x5,0x7,0x0}"));

	ASSERT_TRUE(e);
	EXPECT_EQ(e->id, 18446744073709551615ull);
	EXPECT_EQ(e->segs,
		  (std::vector<TpSeg>{ { 100, 1, 1 }, { 101, 3, 5 }, { 102, 7, 7 }, { 9, 0, 0 } }));
}

TEST(TpLine, DiscardContinuationAndDone)
{
	auto d = parse_tp_line(start("dom 3 vbd 7 ring 1 id 9 op 5/0 sector 8 nr_sectors 1048576 "
				     "nseg 0 n 0 gref {} first_sect {} last_sect {}"));

	ASSERT_TRUE(d);
	EXPECT_EQ(d->nr_sectors, 1048576u);
	EXPECT_TRUE(d->segs.empty());

	auto s = parse_tp_line(
		kHead +
		"pvblkback_req_segs: dom 3 vbd 7 ring 1 id 9 at 128 n 2 gref {0x5,0x6} first_sect {0x0,0x2} last_sect {0x7,0x3}");
	ASSERT_TRUE(s);
	EXPECT_EQ(s->kind, TpKind::Segs);
	EXPECT_EQ(s->at, 128u);
	EXPECT_EQ(s->segs, (std::vector<TpSeg>{ { 5, 0, 7 }, { 6, 2, 3 } }));

	auto r = parse_tp_line(
		"          <idle>-0       [000] d.h1.   100.002000: pvblkback_req_done: "
		"dom 1 vbd 51712 ring 0 id 6 op 0 sector 8 nseg 1 status -2");
	ASSERT_TRUE(r);
	EXPECT_EQ(r->kind, TpKind::Done);
	EXPECT_EQ(r->status, -2);
	EXPECT_EQ(r->nseg, 1u);
	EXPECT_EQ(r->ts_ns, 100002000000ull);
}

TEST(TpLine, Indirect256SegmentsInTwoEvents)
{
	std::string a, b;

	std::vector<TpSeg> sa, sb;

	for (unsigned int i = 0; i < 128; i++) {
		sa.push_back({ 1000 + i, static_cast<uint8_t>(i % 8), 7 });
		sb.push_back({ 2000 + i, 0, static_cast<uint8_t>(i % 8) });
	}
	a = arrays(sa);
	b = arrays(sb);
	auto h = parse_tp_line(start("dom 1 vbd 51712 ring 0 id 77 op 6/1 sector 0 nr_sectors 0 "
				     "nseg 256 n 128 " +
				     a));
	auto c = parse_tp_line(
		kHead + "pvblkback_req_segs: dom 1 vbd 51712 ring 0 id 77 at 128 n 128 " + b);

	ASSERT_TRUE(h);
	ASSERT_TRUE(c);
	EXPECT_EQ(h->op, 6u);
	EXPECT_EQ(h->indirect_op, 1u);
	EXPECT_EQ(h->nseg, 256u);
	ASSERT_EQ(h->segs.size(), 128u);
	ASSERT_EQ(c->segs.size(), 128u);
	EXPECT_EQ(h->segs[5], (TpSeg{ 1005, 5, 7 }));
	EXPECT_EQ(c->segs[127], (TpSeg{ 2127, 0, 7 }));
	EXPECT_EQ(c->segs[3], (TpSeg{ 2003, 0, 3 }));
}

TEST(TpLine, OtherLinesIgnored)
{
	EXPECT_FALSE(parse_tp_line(""));
	EXPECT_FALSE(parse_tp_line("# tracer: nop"));
	EXPECT_FALSE(parse_tp_line("  bash-1 [000] ..... 1.0: sched_switch: x"));
	EXPECT_FALSE(parse_tp_line("CPU:1 [LOST 12 EVENTS]"));
}

TEST(TpLine, ErrorNamesLineAndColumn)
{
	// "id" is at column 1 + kHead + "pvblkback_req_start: dom 1 vbd 2 ring 0 ".size()
	std::string pre = "dom 1 vbd 2 ring 0 ";
	std::string msg = error_of(start(
		pre +
		"id 0x5 op 0/0 sector 0 nr_sectors 0 nseg 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}"));
	size_t col = kHead.size() + std::string("pvblkback_req_start: ").size() + pre.size() + 3 +
		     1;

	EXPECT_EQ(msg, "line 7, column " + std::to_string(col) +
			       ": pvblkback_req_start: id: not a decimal number");
}

struct Bad {
	const char *what;
	std::string line;
	const char *expect; // a part of the message
};

void PrintTo(const Bad &b, std::ostream *os)
{
	*os << b.what;
}

class TpLineMalformed : public ::testing::TestWithParam<Bad> {};

TEST_P(TpLineMalformed, Rejected)
{
	std::string msg = error_of(GetParam().line);

	ASSERT_FALSE(msg.empty()) << GetParam().what << ": parsed";
	EXPECT_EQ(msg.rfind("line 7", 0), 0u) << msg;
	EXPECT_NE(msg.find(GetParam().expect), std::string::npos) << GetParam().what << ": " << msg;
}

const std::string kOk = "dom 1 vbd 2 ring 0 id 5 op 0/0 sector 0 nr_sectors 0 ";
const std::string kSegs = kHead + "pvblkback_req_segs: dom 1 vbd 2 ring 0 id 5 ";
const std::string kDone = kHead +
			  "pvblkback_req_done: dom 1 vbd 2 ring 0 id 5 op 0 sector 0 nseg 1 ";

INSTANTIATE_TEST_SUITE_P(
	All, TpLineMalformed,
	::testing::Values(
		Bad{ "old format", start(kOk + "nseg 2 grefs {0x1f,0x20}"), "old format" },
		Bad{ "missing field",
		     start("dom 1 vbd 2 ring 0 id 5 op 0/0 sector 0 nseg 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}"),
		     "expected \"nr_sectors\"" },
		Bad{ "misspelt field",
		     start(kOk + "nsegs 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}"),
		     "expected \" \"" },
		Bad{ "hex field", start(kOk + "nseg 0x1 n 1"), "nseg: not a decimal number" },
		Bad{ "negative", start("dom -1 vbd 2"), "dom: not a decimal number" },
		Bad{ "dom too big", start("dom 65536 vbd 2"), "dom: out of range (at most 65535)" },
		Bad{ "id overflow", start("dom 1 vbd 2 ring 0 id 18446744073709551616 op"),
		     "id: out of range" },
		Bad{ "nseg too big",
		     start(kOk + "nseg 4097 n 0 gref {} first_sect {} last_sect {}"),
		     "nseg: out of range (at most 4096)" },
		Bad{ "n 1 above nseg 0",
		     start(kOk + "nseg 0 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}"),
		     "n: out of range (at most 0)" },
		Bad{ "n above nseg",
		     start(kOk +
			   "nseg 1 n 2 gref {0x1,0x2} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		     "n: out of range (at most 1)" },
		Bad{ "gref too big",
		     start(kOk + "nseg 1 n 1 gref {0x100000000} first_sect {0x0} last_sect {0x7}"),
		     "gref[0]: out of range (at most 4294967295)" },
		Bad{ "first > last",
		     start(kOk +
			   "nseg 2 n 2 gref {0x1,0x2} first_sect {0x0,0x5} last_sect {0x7,0x2}"),
		     "segment 1: sectors 5-2 not within a page" },
		Bad{ "last > 7",
		     start(kOk + "nseg 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x8}"),
		     "segment 0: sectors 0-8" },
		Bad{ "sector over 255",
		     start(kOk + "nseg 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x100}"),
		     "last_sect[0]: out of range (at most 255)" },
		Bad{ "missing arrays", start(kOk + "nseg 1 n 1 gref {0x1}"), "expected \" \"" },
		Bad{ "arrays reordered",
		     start(kOk + "nseg 1 n 1 first_sect {0x0} gref {0x1} last_sect {0x7}"),
		     "expected \"gref\"" },
		Bad{ "decimal element",
		     start(kOk + "nseg 1 n 1 gref {31} first_sect {0x0} last_sect {0x7}"),
		     "gref[0]: not a hexadecimal number" },
		Bad{ "upper-case hex",
		     start(kOk + "nseg 1 n 1 gref {0x1F} first_sect {0x0} last_sect {0x7}"),
		     "gref[0]: not a hexadecimal number" },
		Bad{ "leading zero",
		     start(kOk + "nseg 1 n 1 gref {0x01} first_sect {0x0} last_sect {0x7}"),
		     "gref[0]: a leading zero" },
		Bad{ "bare 0x",
		     start(kOk + "nseg 1 n 1 gref {0x} first_sect {0x0} last_sect {0x7}"),
		     "gref[0]: not a hexadecimal number" },
		Bad{ "empty element",
		     start(kOk +
			   "nseg 2 n 2 gref {0x1,,0x2} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		     "gref[1]: not a hexadecimal number" },
		Bad{ "trailing comma",
		     start(kOk + "nseg 1 n 1 gref {0x1,} first_sect {0x0} last_sect {0x7}"),
		     "gref has more than 1 elements, n says 1" },
		Bad{ "space in array",
		     start(kOk +
			   "nseg 2 n 2 gref {0x1, 0x2} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		     "gref[1]: not a hexadecimal number" },
		Bad{ "unclosed array", start(kOk + "nseg 1 n 1 gref {0x1"), "expected \",\"" },
		Bad{ "first_sect shorter",
		     start(kOk + "nseg 2 n 2 gref {0x1,0x2} first_sect {0x0} last_sect {0x7,0x7}"),
		     "first_sect has 1 elements, n says 2" },
		Bad{ "last_sect longer",
		     start(kOk +
			   "nseg 2 n 2 gref {0x1,0x2} first_sect {0x0,0x0} last_sect {0x7,0x7,0x7}"),
		     "last_sect has more than 2 elements, n says 2" },
		Bad{ "empty gref, n 1",
		     start(kOk + "nseg 1 n 1 gref {} first_sect {0x0} last_sect {0x7}"),
		     "gref has 0 elements, n says 1" },
		Bad{ "old segs format", start(kOk + "nseg 1 n 1 segs 1:0-7"),
		     "the old format (\"segs gref:first-last" },
		Bad{ "old segs format, continuation", kSegs + "at 128 n 1 segs 1:0-7",
		     "the old format" },
		Bad{ "short list",
		     start(kOk +
			   "nseg 3 n 3 gref {0x1,0x2} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		     "gref has 2 elements, n says 3" },
		Bad{ "long list",
		     start(kOk +
			   "nseg 3 n 1 gref {0x1,0x2} first_sect {0x0,0x0} last_sect {0x7,0x7}"),
		     "gref has more than 1 elements, n says 1" },
		Bad{ "non-empty arrays, n 0",
		     start(kOk + "nseg 0 n 0 gref {0x1} first_sect {0x0} last_sect {0x7}"),
		     "gref has more than 0 elements, n says 0" },
		Bad{ "no arrays", start(kOk + "nseg 1 n 1"), "expected \" \"" },
		Bad{ "trailing text",
		     start(kOk + "nseg 1 n 1 gref {0x1} first_sect {0x0} last_sect {0x7} x"),
		     "trailing text \" x\"" },
		Bad{ "double space", start("dom 1  vbd 2"), "expected \"vbd\"" },
		Bad{ "continuation n 0", kSegs + "at 128 n 0 gref {} first_sect {} last_sect {}",
		     "a continuation with no segments" },
		Bad{ "continuation past 4096",
		     kSegs + "at 4000 n 97 gref {0x1} first_sect {0x0} last_sect {0x7}",
		     "n: out of range (at most 96)" },
		Bad{ "continuation at 4096",
		     kSegs + "at 4096 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}",
		     "at: out of range" },
		Bad{ "status range", kDone + "status -32769", "status: out of range" },
		Bad{ "status missing", kDone, "expected \" status \"" },
		Bad{ "status text", kDone + "status ok", "status: not a decimal number" },
		Bad{ "unknown event", kHead + "pvblkback_req_map: dom 1",
		     "unknown pvblkback event \"pvblkback_req_map\"" },
		Bad{ "no timestamp",
		     " k-1 [000] ..... x: pvblkback_req_done: dom 1 vbd 2 ring 0 id 5 op 0 "
		     "sector 0 nseg 1 status 0",
		     "no SECONDS.FRACTION timestamp" }));

TEST(TpLine, LostEventsNotes)
{
	auto l = parse_lost_line("CPU:1 [LOST 4096 EVENTS]", 9);

	ASSERT_TRUE(l);
	EXPECT_EQ(l->cpu, 1u);
	EXPECT_EQ(l->count, 4096u);
	l = parse_lost_line("CPU:0 [LOST EVENTS]", 9);
	ASSERT_TRUE(l);
	EXPECT_EQ(l->cpu, 0u);
	EXPECT_FALSE(l->count) << "the kernel did not know how many";
	// Not notes: event lines and others pass through.
	EXPECT_FALSE(parse_lost_line(
		start("dom 1 vbd 51712 ring 0 id 5 op 0/0 sector 0 "
		      "nr_sectors 8 nseg 1 n 1 gref {0x3} first_sect {0x0} last_sect {0x7}")));
	EXPECT_FALSE(parse_lost_line("CPU:1 something else"));
	EXPECT_FALSE(parse_lost_line("# [LOST 3 EVENTS]"));
}

TEST(TpLine, MalformedLostNotesAreErrors)
{
	const std::vector<std::pair<std::string, std::string>> bad = {
		{ "CPU:x [LOST 3 EVENTS]", "column 5" },
		{ "CPU:1 [LOST three EVENTS]", "lost count: not a decimal number" },
		{ "CPU:1 [LOST 3 EVENT]", "expected \" EVENTS]\"" },
		{ "CPU:1 [LOST 3 EVENTS] x", "trailing text" },
		{ "CPU:1 [LOST 99999999999999999999 EVENTS]", "out of range" },
		{ "CPU:1[LOST 3 EVENTS]", "expected \" [LOST \"" },
	};

	for (const auto &[line, want] : bad) {
		try {
			parse_lost_line(line, 12);
			ADD_FAILURE() << "accepted: " << line;
		} catch (const TpFormatError &e) {
			EXPECT_EQ(e.line(), 12u) << line;
			EXPECT_NE(std::string(e.what()).find(want), std::string::npos)
				<< line << " -> " << e.what();
		}
	}
}
