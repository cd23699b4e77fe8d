// SPDX-License-Identifier: GPL-2.0-only
//
// Strict parsing of pvblkback's tracepoint lines; see tracepoint_line.h.
#include "trace/tracepoint_line.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <string_view>

#include "trace/trace_format.h"

namespace pvblk::ring {

namespace {

std::string where(uint64_t line, size_t column)
{
	std::string s = "line " + std::to_string(line);

	if (column)
		s += ", column " + std::to_string(column);
	return s + ": ";
}

// Reads one event's fields left to right; every error names its column.
class Cursor {
public:
	Cursor(const std::string &s, size_t pos, uint64_t lineno, const char *event)
		: s_(s), pos_(pos), line_(lineno), event_(event)
	{
	}

	[[noreturn]] void fail(size_t at, const std::string &what) const
	{
		throw TpFormatError(line_, at + 1, std::string(event_) + ": " + what);
	}

	[[noreturn]] void fail_here(const std::string &what) const { fail(pos_, what); }

	bool peek(std::string_view w) const { return s_.compare(pos_, w.size(), w) == 0; }

	void lit(std::string_view w)
	{
		if (!peek(w))
			fail(pos_, "expected \"" + std::string(w) + "\"");
		pos_ += w.size();
	}

	// A decimal number in [0, max]; @what names it in errors.
	uint64_t num(uint64_t max, const char *what)
	{
		size_t start = pos_;
		uint64_t v = 0;

		if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9')
			fail(start, std::string(what) + ": not a decimal number");
		while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
			unsigned int d = static_cast<unsigned int>(s_[pos_] - '0');

			if (d > max || v > (max - d) / 10)
				fail(start, std::string(what) + ": out of range (at most " +
						    std::to_string(max) + ")");
			v = v * 10 + d;
			pos_++;
		}
		if (pos_ < s_.size() && isalnum(static_cast<unsigned char>(s_[pos_])))
			fail(start, std::string(what) + ": not a decimal number");
		return v;
	}

	// "0x" and a number in [0, max] in lower-case hexadecimal with no
	// leading zeros, as printk's "0x%x" writes it; @what names it.
	uint64_t hex(uint64_t max, const char *what)
	{
		size_t start = pos_;
		uint64_t v = 0;
		auto digit = [this](size_t i) -> int {
			if (i >= s_.size())
				return -1;
			char ch = s_[i];

			if (ch >= '0' && ch <= '9')
				return ch - '0';
			if (ch >= 'a' && ch <= 'f')
				return ch - 'a' + 10;
			return -1;
		};

		if (!peek("0x") || digit(pos_ + 2) < 0)
			fail(start, std::string(what) + ": not a hexadecimal number \"0x...\"");
		pos_ += 2;
		if (s_[pos_] == '0' && digit(pos_ + 1) >= 0)
			fail(start, std::string(what) + ": a leading zero");
		for (int d; (d = digit(pos_)) >= 0; pos_++) {
			if (static_cast<uint64_t>(d) > max ||
			    v > (max - static_cast<uint64_t>(d)) / 16)
				fail(start, std::string(what) + ": out of range (at most " +
						    std::to_string(max) + ")");
			v = v * 16 + static_cast<uint64_t>(d);
		}
		if (pos_ < s_.size() && isalnum(static_cast<unsigned char>(s_[pos_])))
			fail(start, std::string(what) + ": not a hexadecimal number \"0x...\"");
		return v;
	}

	// A field "NAME VALUE" preceded by a space (none for the first).
	uint64_t field(const char *name, uint64_t max, bool first = false)
	{
		if (!first)
			lit(" ");
		lit(name);
		lit(" ");
		return num(max, name);
	}

	// " NAME {0xH,...}": an array as the kernel's __print_array() prints
	// it, hexadecimal in lower case with no leading zeros, each element
	// at most @max; @n is the count the event states.
	std::vector<uint64_t> array(const char *name, uint64_t max, unsigned int n)
	{
		std::vector<uint64_t> v;
		std::string nm(name);

		lit(" ");
		if (!peek(nm + " {") && peek("segs "))
			fail(pos_, "the old format (\"segs gref:first-last,...\"): load the "
				   "pvblkback built with this pvblk-ring");
		lit(nm);
		lit(" {");
		while (!peek("}")) {
			if (!v.empty())
				lit(",");
			if (v.size() == n)
				fail(pos_, nm + " has more than " + std::to_string(n) +
						   " elements, n says " + std::to_string(n));
			v.push_back(hex(max, (nm + "[" + std::to_string(v.size()) + "]").c_str()));
		}
		if (v.size() != n)
			fail(pos_, nm + " has " + std::to_string(v.size()) + " elements, n says " +
					   std::to_string(n));
		pos_++;
		return v;
	}

	// The event's @n segments: the three arrays, each of length @n.
	std::vector<TpSeg> segs(unsigned int n)
	{
		std::vector<uint64_t> gref = array("gref", 0xffffffffu, n);
		size_t at = pos_;
		std::vector<uint64_t> first = array("first_sect", 255, n);
		std::vector<uint64_t> last = array("last_sect", 255, n);
		std::vector<TpSeg> v;

		for (unsigned int i = 0; i < n; i++) {
			TpSeg g{ static_cast<uint32_t>(gref[i]), static_cast<uint8_t>(first[i]),
				 static_cast<uint8_t>(last[i]) };

			if (g.last > 7 || g.first > g.last)
				fail(at, "segment " + std::to_string(i) + ": sectors " +
						 std::to_string(g.first) + "-" +
						 std::to_string(g.last) +
						 " not within a page (0 <= first <= last <= 7)");
			v.push_back(g);
		}
		return v;
	}

	void end()
	{
		if (pos_ != s_.size())
			fail(pos_, "trailing text \"" + s_.substr(pos_, 20) + "\"");
	}

private:
	const std::string &s_;
	size_t pos_;
	uint64_t line_;
	const char *event_;
};

// The "SECONDS.FRACTION" timestamp ending at @end (the ':' before the
// event name) in @line, in nanoseconds.
uint64_t timestamp_before(const std::string &line, size_t end, uint64_t lineno)
{
	size_t begin = line.rfind(' ', end ? end - 1 : 0);

	begin = begin == std::string::npos || begin >= end ? 0 : begin + 1;
	std::string ts = line.substr(begin, end - begin);
	size_t dot = ts.find('.');
	auto digits = [](const std::string &d) {
		return !d.empty() && d.find_first_not_of("0123456789") == std::string::npos;
	};

	if (dot == std::string::npos || !digits(ts.substr(0, dot)) || !digits(ts.substr(dot + 1)) ||
	    ts.size() - dot - 1 > 9 || dot > 10)
		throw TpFormatError(lineno, begin + 1,
				    "no SECONDS.FRACTION timestamp before the event name");
	std::string frac = ts.substr(dot + 1);

	frac.resize(9, '0');
	return std::stoull(ts.substr(0, dot)) * 1000000000ull + std::stoull(frac);
}

constexpr uint64_t kU16 = 0xffff, kU64 = std::numeric_limits<uint64_t>::max();

// The fields every event starts with: which request it is.
void parse_request(Cursor &c, TpEvent &e)
{
	e.dom = static_cast<unsigned int>(c.field("dom", kU16, true));
	e.vbd = static_cast<unsigned int>(c.field("vbd", kU16));
	e.ring = static_cast<unsigned int>(c.field("ring", kU16));
	e.id = c.field("id", kU64);
}

void parse_start(Cursor &c, TpEvent &e)
{
	parse_request(c, e);
	e.op = static_cast<unsigned int>(c.field("op", 255));
	c.lit("/");
	e.indirect_op = static_cast<unsigned int>(c.num(255, "indirect op"));
	e.sector = c.field("sector", kU64);
	e.nr_sectors = c.field("nr_sectors", kU64);
	e.nseg = static_cast<unsigned int>(c.field("nseg", trace::kMaxSegments));
	if (c.peek(" grefs {"))
		c.fail_here("the old format (\"grefs {...}\", no segment bounds): load the "
			    "pvblkback built with this pvblk-ring");
	unsigned int n = static_cast<unsigned int>(c.field("n", e.nseg));

	e.segs = c.segs(n);
	c.end();
}

void parse_segs(Cursor &c, TpEvent &e)
{
	parse_request(c, e);
	e.at = static_cast<unsigned int>(c.field("at", trace::kMaxSegments - 1));
	unsigned int n = static_cast<unsigned int>(c.field("n", trace::kMaxSegments - e.at));

	if (!n)
		c.fail_here("a continuation with no segments (n 0)");
	e.segs = c.segs(n);
	c.end();
}

void parse_done(Cursor &c, TpEvent &e)
{
	parse_request(c, e);
	e.op = static_cast<unsigned int>(c.field("op", 255));
	e.sector = c.field("sector", kU64);
	e.nseg = static_cast<unsigned int>(c.field("nseg", trace::kMaxSegments));
	c.lit(" status ");
	bool neg = c.peek("-");

	if (neg)
		c.lit("-");
	uint64_t v = c.num(neg ? 32768 : 32767, "status");

	e.status = neg ? -static_cast<int>(v) : static_cast<int>(v);
	c.end();
}

} // namespace

TpFormatError::TpFormatError(uint64_t line, size_t column, const std::string &what)
	: std::runtime_error(where(line, column) + what), line_(line), column_(column)
{
}

std::optional<TpEvent> parse_tp_line(const std::string &line, uint64_t lineno)
{
	static const char kPrefix[] = ": pvblkback_";
	struct Kind {
		const char *name;
		TpKind kind;
		void (*parse)(Cursor &, TpEvent &);
	};
	static const Kind kKinds[] = {
		{ "req_start: ", TpKind::Start, parse_start },
		{ "req_segs: ", TpKind::Segs, parse_segs },
		{ "req_done: ", TpKind::Done, parse_done },
	};
	size_t at;

	if (line.empty() || line[0] == '#' || (at = line.find(kPrefix)) == std::string::npos)
		return std::nullopt;
	size_t name = at + strlen(kPrefix);

	for (const Kind &k : kKinds) {
		if (line.compare(name, strlen(k.name), k.name))
			continue;
		TpEvent e;
		std::string ev = "pvblkback_" + std::string(k.name, strlen(k.name) - 2);
		Cursor c(line, name + strlen(k.name), lineno, ev.c_str());

		e.kind = k.kind;
		e.line = lineno;
		k.parse(c, e);
		e.ts_ns = timestamp_before(line, at, lineno);
		return e;
	}
	size_t colon = line.find(':', name);

	throw TpFormatError(
		lineno, at + 3,
		"unknown pvblkback event \"pvblkback_" +
			line.substr(name, colon == std::string::npos ? 20 : colon - name) + "\"");
}

std::optional<TpLost> parse_lost_line(const std::string &line, uint64_t lineno)
{
	static const char kCpu[] = "CPU:";
	static const char kLost[] = " [LOST ";

	if (line.compare(0, strlen(kCpu), kCpu) || line.find("[LOST") == std::string::npos)
		return std::nullopt;

	Cursor c(line, strlen(kCpu), lineno, "lost-events note");
	TpLost l;

	l.cpu = static_cast<unsigned int>(c.num(std::numeric_limits<uint32_t>::max(), "cpu"));
	c.lit(kLost);
	if (c.peek("EVENTS]")) {
		c.lit("EVENTS]");
	} else {
		l.count = c.num(std::numeric_limits<uint64_t>::max(), "lost count");
		c.lit(" EVENTS]");
	}
	c.end();
	return l;
}

} // namespace pvblk::ring
