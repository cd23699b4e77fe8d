// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel side and the parser agree: each event's TP_printk format in
// blkback/trace.h, filled with values the way the kernel prints them (the
// segment arrays as __print_array() does), parses back to those values. A
// change to one side without the other fails here, before any rig run.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "trace/tracepoint_line.h"

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

// The TP_printk arguments of event @name, from the format to the end of
// the event.
std::string printk_args(const std::string &name)
{
	std::string h = slurp("blkback/trace.h");
	size_t ev = h.find("TRACE_EVENT(" + name + ",");
	size_t p = h.find("TP_printk(", ev);
	size_t end = h.find("\n);", p);

	EXPECT_NE(end, std::string::npos) << name;
	return h.substr(p, end - p);
}

// An array as the kernel's trace_print_array_seq() prints it: "{0x1f,0x0}".
std::string array_as_kernel(const std::vector<uint32_t> &v)
{
	std::string out = "{";
	char buf[16];

	for (size_t i = 0; i < v.size(); i++) {
		snprintf(buf, sizeof(buf), "%s0x%x", i ? "," : "", v[i]);
		out += buf;
	}
	return out + "}";
}

// The three %s values of an event's segments, in their printed order
// gref, first_sect, last_sect; @event's TP_printk must print exactly
// these arrays, of those element sizes, with __print_array().
std::vector<std::string> segs_as_kernel(const std::string &event, const std::vector<TpSeg> &segs)
{
	std::string args = printk_args(event);
	std::string h = slurp("blkback/trace.h");
	std::vector<uint32_t> g, f, l;
	size_t a = args.find("pvblkback_trace_grefs()");
	size_t b = args.find("pvblkback_trace_first_sects()");
	size_t c = args.find("pvblkback_trace_last_sects()");

	EXPECT_NE(a, std::string::npos) << event;
	EXPECT_TRUE(a < b && b < c && c != std::string::npos) << event;
	std::string flat; // @h with line continuations and runs of blanks as one space

	for (char ch : h) {
		if (ch == '\\' || isspace(static_cast<unsigned char>(ch))) {
			if (flat.empty() || flat.back() != ' ')
				flat += ' ';
		} else {
			flat += ch;
		}
	}
	for (const char *want :
	     { "__print_array(__get_dynamic_array(gref), __get_dynamic_array_len(gref) / 4, 4)",
	       "__print_array(__get_dynamic_array(first_sect), "
	       "__get_dynamic_array_len(first_sect), 1)",
	       "__print_array(__get_dynamic_array(last_sect), "
	       "__get_dynamic_array_len(last_sect), 1)" })
		EXPECT_NE(flat.find(want), std::string::npos) << want;
	EXPECT_EQ(h.find("trace_seq_printf"), std::string::npos) << "a module function printing";
	for (const TpSeg &s : segs) {
		g.push_back(s.gref);
		f.push_back(s.first);
		l.push_back(s.last);
	}
	return { array_as_kernel(g), array_as_kernel(f), array_as_kernel(l) };
}

// @head followed by @tail.
std::vector<std::string> cat(std::vector<std::string> head, const std::vector<std::string> &tail)
{
	head.insert(head.end(), tail.begin(), tail.end());
	return head;
}

const std::string kPrefix = "  pvblkb.1.51712.-211     [001] .....   12.345678: ";

} // namespace

TEST(TpContract, StartAsTheKernelPrintsIt)
{
	std::vector<TpSeg> segs = { { 4294967295u, 0, 7 }, { 12, 3, 5 }, { 0, 7, 7 } };
	std::string line = kPrefix + "pvblkback_req_start: " +
			   render(printk_format("pvblkback_req_start"),
				  cat({ "1", "51712", "2", "77", "6", "1", "4096", "0", "130",
					"3" },
				      segs_as_kernel("pvblkback_req_start", segs)));
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
				     cat({ "1", "5", "0", "8", "5", "0", "64", "2048", "0", "0" },
					 segs_as_kernel("pvblkback_req_start", {})));
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
				  cat({ "1", "51712", "2", "77", "128", "2" },
				      segs_as_kernel("pvblkback_req_segs", segs)));
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
