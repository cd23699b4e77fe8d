// SPDX-License-Identifier: GPL-2.0-only
//
// The recorder: pvblkback's tracepoint lines paired into records, each
// request's segments assembled exactly (sectors included) from its start
// and continuation events, grant references numbered into slots in
// order of first use per VBD, and contradicting events rejected.
#include <gtest/gtest.h>

#include <cstdio>

#include "trace/tracefs_events.h"

extern "C" {
#include "pvblk/wire.h"
}

using namespace pvblk::ring;
using pvblk::trace::Record;

namespace {

std::string head(const std::string &ts)
{
	return " pvblkb.1.51712.-211     [001] .....   " + ts + ": ";
}

const std::string kStart1 =
	head("100.000100") +
	"pvblkback_req_start: dom 1 vbd 51712 ring 0 id 5 op 1/0 sector 2048 nr_sectors 0 nseg 2 n 2 gref {0x1f,0x20} first_sect {0x0,0x0} last_sect {0x7,0x3}";
const std::string kDone1 =
	head("100.000350") +
	"pvblkback_req_done: dom 1 vbd 51712 ring 0 id 5 op 1 sector 2048 nseg 2 status 0";
const std::string kStart2 =
	head("100.001000") +
	"pvblkback_req_start: dom 1 vbd 51712 ring 0 id 6 op 0/0 sector 8 nr_sectors 0 nseg 1 n 1 gref {0x20} first_sect {0x2} last_sect {0x2}";
const std::string kDone2 =
	head("100.002000") +
	"pvblkback_req_done: dom 1 vbd 51712 ring 0 id 6 op 0 sector 8 nseg 1 status -1";

std::string hex(unsigned int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%x", v);
	return buf;
}

// The three arrays, as the kernel prints them, of segments [from,
// from + n) of the 256-segment request below: gref 500 + i, bounds
// varying with i.
std::string list(unsigned int from, unsigned int n)
{
	std::string g, f, l;

	for (unsigned int i = from; i < from + n; i++) {
		std::string sep = i > from ? "," : "";

		g += sep + hex(500 + i);
		f += sep + hex(i % 8);
		l += sep + hex(7 - (i / 8) % (8 - i % 8));
	}
	return "gref {" + g + "} first_sect {" + f + "} last_sect {" + l + "}";
}

const std::string kBigStart =
	head("5.000000") +
	"pvblkback_req_start: dom 3 vbd 7 ring 1 id 1 op 6/1 sector 64 nr_sectors 0 nseg 256 n 128 " +
	list(0, 128);
const std::string kBigSegs = head("5.000001") +
			     "pvblkback_req_segs: dom 3 vbd 7 ring 1 id 1 at 128 n 128 " +
			     list(128, 128);
const std::string kBigDone =
	head("5.000100") +
	"pvblkback_req_done: dom 3 vbd 7 ring 1 id 1 op 6 sector 64 nseg 256 status 0";

void expect_big(const Record &r)
{
	ASSERT_EQ(r.segs.size(), 256u);
	EXPECT_EQ(r.op, PVBLK_OP_INDIRECT);
	EXPECT_EQ(r.indirect_op, PVBLK_OP_WRITE);
	EXPECT_EQ(r.queue, 1u);
	EXPECT_EQ(r.flags, 0u) << "nothing guessed";
	for (unsigned int i = 0; i < 256; i++) {
		EXPECT_EQ(r.segs[i].slot, i) << i;
		EXPECT_EQ(r.segs[i].first, i % 8) << i;
		EXPECT_EQ(r.segs[i].last, 7 - (i / 8) % (8 - i % 8)) << i;
	}
	EXPECT_EQ(pvblk::trace::decode_text(pvblk::trace::encode_text({ r })),
		  std::vector<Record>{ r });
}

// The message of feeding @lines, "" when none throws.
std::string feed_error(const std::vector<std::string> &lines)
{
	Recorder r(std::nullopt, std::nullopt);

	try {
		for (const auto &l : lines)
			r.feed_line(l);
	} catch (const TpFormatError &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(Recorder, PairsAndNumbersSlots)
{
	Recorder r(std::nullopt, std::nullopt);

	r.feed_line("# tracer: nop");
	r.feed_line(kStart1);
	r.feed_line(kStart2);
	r.feed_line(kDone2); // out of order completion
	r.feed_line(kDone1);
	EXPECT_EQ(r.lines(), 5u);
	EXPECT_EQ(r.events(), 4u);
	auto v = r.records();

	ASSERT_EQ(v.size(), 2u);
	EXPECT_EQ(v[0].id, 5u); // submission order
	EXPECT_EQ(v[0].time_ns, 0u);
	EXPECT_EQ(v[0].latency_ns, 250000u);
	EXPECT_EQ(v[0].op, PVBLK_OP_WRITE);
	EXPECT_EQ(v[0].flags, 0u);
	ASSERT_EQ(v[0].segs.size(), 2u);
	EXPECT_EQ(v[0].segs[0], (pvblk::trace::Segment{ 0, 0, 7 }));
	EXPECT_EQ(v[0].segs[1], (pvblk::trace::Segment{ 1, 0, 3 })); // partial page kept
	EXPECT_EQ(v[0].sectors(), 12u);
	EXPECT_EQ(v[1].time_ns, 900000u);
	EXPECT_EQ(v[1].segs[0], (pvblk::trace::Segment{ 1, 2, 2 })); // gref 32 again: slot 1
	EXPECT_EQ(v[1].status, PVBLK_RSP_ERROR);
	EXPECT_EQ(r.incomplete(), 0u);
	// Records are valid trace records.
	EXPECT_EQ(pvblk::trace::decode_binary(pvblk::trace::encode_binary(v)), v);
}

TEST(Recorder, FiltersAndCountsUnmatched)
{
	Recorder r(2u, std::nullopt);

	r.feed_line(kStart1); // dom 1: filtered out
	r.feed_line(kDone1);
	EXPECT_TRUE(r.records().empty());
	Recorder all(std::nullopt, std::nullopt);
	all.feed_line(kDone1); // never saw its start
	EXPECT_EQ(all.unmatched(), 1u);
	all.feed_line(kStart2);
	EXPECT_EQ(all.incomplete(), 1u);
}

TEST(Recorder, Indirect256Segments)
{
	Recorder r(std::nullopt, std::nullopt);

	r.feed_line(kBigStart);
	r.feed_line(kBigDone); // the continuation is late: not complete yet
	EXPECT_TRUE(r.records().empty());
	EXPECT_EQ(r.incomplete(), 1u);
	r.feed_line(kBigSegs);
	auto v = r.records();
	ASSERT_EQ(v.size(), 1u);
	expect_big(v[0]);
	EXPECT_EQ(r.incomplete(), 0u);
}

TEST(Recorder, ContinuationBeforeItsStart)
{
	// another CPU's buffer can print the continuation first
	Recorder r(std::nullopt, std::nullopt);

	r.feed_line(kBigSegs);
	r.feed_line(kBigStart);
	r.feed_line(kBigDone);
	auto v = r.records();
	ASSERT_EQ(v.size(), 1u);
	expect_big(v[0]);
}

TEST(Recorder, MaximumRequest4096Segments)
{
	Recorder r(std::nullopt, std::nullopt);
	std::string g, f, l;

	for (unsigned int i = 0; i < 128; i++) { // same 128 grants 32 times
		g += (i ? "," : "") + hex(i);
		f += i ? ",0x1" : "0x1";
		l += i ? ",0x6" : "0x6";
	}
	std::string segs = "gref {" + g + "} first_sect {" + f + "} last_sect {" + l + "}";
	r.feed_line(head("1.0") +
		    "pvblkback_req_start: dom 1 vbd 2 ring 0 id 9 op 6/0 sector 0 "
		    "nr_sectors 0 nseg 4096 n 128 " +
		    segs);
	for (int at = 128; at < 4096; at += 128)
		r.feed_line(head("1.0") + "pvblkback_req_segs: dom 1 vbd 2 ring 0 id 9 at " +
			    std::to_string(at) + " n 128 " + segs);
	r.feed_line(head("1.5") +
		    "pvblkback_req_done: dom 1 vbd 2 ring 0 id 9 op 6 sector 0 nseg 4096 status 0");
	auto v = r.records();
	ASSERT_EQ(v.size(), 1u);
	ASSERT_EQ(v[0].segs.size(), 4096u);
	EXPECT_EQ(v[0].segs[4095], (pvblk::trace::Segment{ 127, 1, 6 }));
	EXPECT_EQ(v[0].sectors(), 4096u * 6);
	EXPECT_EQ(pvblk::trace::decode_binary(pvblk::trace::encode_binary(v)), v);
}

TEST(Recorder, RejectsContradictingEvents)
{
	std::string past = head("5.000001") +
			   "pvblkback_req_segs: dom 3 vbd 7 ring 1 id 1 at 200 n 60 " + list(0, 60);
	EXPECT_EQ(feed_error({ kBigStart, past }),
		  "line 2: dom 3 vbd 7 ring 1 id 1: segments 200..259 but the request has 256");
	EXPECT_EQ(feed_error({ kBigStart, kBigSegs, kBigSegs }),
		  "line 3: dom 3 vbd 7 ring 1 id 1: segment 128 given twice");
	std::string overlap =
		head("5.000001") +
		"pvblkback_req_segs: dom 3 vbd 7 ring 1 id 1 at 100 n 1 gref {0x1} first_sect {0x0} last_sect {0x7}";
	EXPECT_EQ(feed_error({ kBigStart, overlap }),
		  "line 2: dom 3 vbd 7 ring 1 id 1: segment 100 given twice");
	std::string done =
		head("100.000350") +
		"pvblkback_req_done: dom 1 vbd 51712 ring 0 id 5 op 1 sector 2048 nseg 3 status 0";
	EXPECT_EQ(feed_error({ "", kStart1, done }),
		  "line 3: dom 1 vbd 51712 ring 0 id 5: the response says nseg 3, the request 2");
	// a malformed line is reported with its number among all lines read
	EXPECT_EQ(feed_error({ "# tracer: nop", kStart1, kStart1 + ",33:0-7" })
			  .rfind("line 3, column ", 0),
		  0u);
	EXPECT_EQ(feed_error({ kStart1, kStart2, kDone2, kDone1 }), "");
}

TEST(Recorder, CountsLostEventsAndGoesOn)
{
	Recorder r(std::nullopt, std::nullopt);

	r.feed_line(kStart1);
	r.feed_line("CPU:1 [LOST 17 EVENTS]");
	r.feed_line("CPU:0 [LOST EVENTS]");
	r.feed_line(kDone1);
	EXPECT_EQ(r.lost_notes(), 2u);
	EXPECT_EQ(r.lost_events(), 17u);
	EXPECT_EQ(r.events(), 2u) << "notes are not events";
	EXPECT_EQ(r.records().size(), 1u) << "requests around the gap are still recorded";
	EXPECT_NE(feed_error({ "CPU:1 [LOST 1x EVENTS]" }).find("line 1, column"),
		  std::string::npos);
}
