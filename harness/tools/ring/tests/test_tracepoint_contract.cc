// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel side and the parser agree: each event's TP_printk format in
// blkback/trace.h and the segment format of blkback/trace.c, filled with
// values the way the kernel prints them, parse back to those values. A
// change to one side without the other fails here, before any rig run.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tracepoint_line.h"

using namespace pvblk::ring;

namespace {

std::string slurp(const std::string &rel)
{
	std::ifstream f(std::string(PVBLK_ROOT_DIR) + "/" + rel);
	std::stringstream ss;

	EXPECT_TRUE(f) << rel;
	ss << f.rdbuf();
	return ss.str();
}

// The first string literal after @marker (after @from) in @src.
std::string literal_after(const std::string &src, const std::string &marker, size_t from = 0)
{
	size_t m = src.find(marker, from);

	if (m == std::string::npos)
		return "";
	size_t q = src.find('"', m + marker.size());
	size_t e = src.find('"', q + 1);

	return src.substr(q + 1, e - q - 1);
}

// The TP_printk format of event @name.
std::string printk_format(const std::string &name)
{
	std::string h = slurp("blkback/trace.h");
	size_t ev = h.find("TRACE_EVENT(" + name + ",");

	EXPECT_NE(ev, std::string::npos) << name;
	return literal_after(h, "TP_printk(", ev);
}

// @fmt with each printf conversion replaced by the next of @vals.
std::string render(const std::string &fmt, const std::vector<std::string> &vals)
{
	std::string out;
	size_t v = 0;

	for (size_t i = 0; i < fmt.size(); i++) {
		if (fmt[i] != '%') {
			out += fmt[i];
			continue;
		}
		while (i + 1 < fmt.size() && fmt[i + 1] == 'l')
			i++;
		i++;
		EXPECT_NE(std::string("uds").find(fmt[i]), std::string::npos) << fmt;
		EXPECT_LT(v, vals.size()) << fmt;
		out += v < vals.size() ? vals[v++] : "";
	}
	EXPECT_EQ(v, vals.size()) << "conversions in " << fmt;
	return out;
}

// A segment list as blkback/trace.c prints it.
std::string segs_as_kernel(const std::vector<TpSeg> &segs)
{
	std::string c = slurp("blkback/trace.c");
	std::string one = literal_after(c, "trace_seq_printf(p, ");
	std::string out;

	EXPECT_NE(c.find("trace_seq_putc(p, '-')"), std::string::npos);
	if (segs.empty())
		return "-";
	for (size_t i = 0; i < segs.size(); i++)
		out += render(one, { i ? "," : "", std::to_string(segs[i].gref),
				     std::to_string(segs[i].first), std::to_string(segs[i].last) });
	return out;
}

const std::string kPrefix = "  pvblkb.1.51712.-211     [001] .....   12.345678: ";

}	// namespace

TEST(TpContract, StartAsTheKernelPrintsIt)
{
	std::vector<TpSeg> segs = { { 4294967295u, 0, 7 }, { 12, 3, 5 }, { 0, 7, 7 } };
	std::string line = kPrefix + "pvblkback_req_start: " +
			   render(printk_format("pvblkback_req_start"),
				  { "1", "51712", "2", "77", "6", "1", "4096", "0", "130", "3",
				    segs_as_kernel(segs) });
	auto e = parse_tp_line(line, 1);

	ASSERT_TRUE(e) << line;
	EXPECT_EQ(e->kind, TpKind::Start);
	EXPECT_EQ(e->ts_ns, 12345678000ull);
	EXPECT_EQ(e->dom, 1u);
	EXPECT_EQ(e->vbd, 51712u);
	EXPECT_EQ(e->ring, 2u);
	EXPECT_EQ(e->id, 77u);
	EXPECT_EQ(e->op, 6u);
	EXPECT_EQ(e->indirect_op, 1u);
	EXPECT_EQ(e->sector, 4096u);
	EXPECT_EQ(e->nseg, 130u);
	EXPECT_EQ(e->segs, segs);

	std::string discard = kPrefix + "pvblkback_req_start: " +
			      render(printk_format("pvblkback_req_start"),
				     { "1", "5", "0", "8", "5", "0", "64", "2048", "0", "0",
				       segs_as_kernel({}) });
	auto d = parse_tp_line(discard, 2);
	ASSERT_TRUE(d) << discard;
	EXPECT_EQ(d->nr_sectors, 2048u);
	EXPECT_TRUE(d->segs.empty());
}

TEST(TpContract, SegsAndDoneAsTheKernelPrintsThem)
{
	std::vector<TpSeg> segs = { { 9, 1, 2 }, { 10, 0, 7 } };
	std::string more = kPrefix + "pvblkback_req_segs: " +
			   render(printk_format("pvblkback_req_segs"),
				  { "1", "51712", "2", "77", "128", "2", segs_as_kernel(segs) });
	auto s = parse_tp_line(more, 1);

	ASSERT_TRUE(s) << more;
	EXPECT_EQ(s->kind, TpKind::Segs);
	EXPECT_EQ(s->id, 77u);
	EXPECT_EQ(s->at, 128u);
	EXPECT_EQ(s->segs, segs);

	std::string done = kPrefix + "pvblkback_req_done: " +
			   render(printk_format("pvblkback_req_done"),
				  { "1", "51712", "2", "77", "6", "4096", "130", "-95" });
	auto d = parse_tp_line(done, 2);
	ASSERT_TRUE(d) << done;
	EXPECT_EQ(d->kind, TpKind::Done);
	EXPECT_EQ(d->nseg, 130u);
	EXPECT_EQ(d->status, -95);
}
