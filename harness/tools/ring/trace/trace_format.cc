// SPDX-License-Identifier: GPL-2.0-only
//
// Trace format readers and writers; see trace_format.h and
// Documentation/trace-format.rst.
#include "trace/trace_format.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::trace {

namespace {

void put16(std::string &s, uint16_t v)
{
	s.push_back(static_cast<char>(v & 0xff));
	s.push_back(static_cast<char>(v >> 8));
}

void put32(std::string &s, uint32_t v)
{
	put16(s, static_cast<uint16_t>(v & 0xffff));
	put16(s, static_cast<uint16_t>(v >> 16));
}

void put64(std::string &s, uint64_t v)
{
	put32(s, static_cast<uint32_t>(v & 0xffffffffu));
	put32(s, static_cast<uint32_t>(v >> 32));
}

uint64_t get(const std::string &s, size_t off, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= static_cast<uint64_t>(static_cast<uint8_t>(s[off + i])) << (8 * i);
	return v;
}

struct OpName {
	uint8_t op;
	uint8_t indirect_op;
	const char *name;
};

const OpName kOpNames[] = {
	{ PVBLK_OP_READ, 0, "read" },
	{ PVBLK_OP_WRITE, 0, "write" },
	{ PVBLK_OP_WRITE_BARRIER, 0, "barrier" },
	{ PVBLK_OP_FLUSH_DISKCACHE, 0, "flush" },
	{ PVBLK_OP_DISCARD, 0, "discard" },
	{ PVBLK_OP_INDIRECT, PVBLK_OP_READ, "indirect-read" },
	{ PVBLK_OP_INDIRECT, PVBLK_OP_WRITE, "indirect-write" },
};

std::string fmt_off(uint64_t offset, const std::string &what)
{
	return "offset " + std::to_string(offset) + ": " + what;
}

} // namespace

FormatError::FormatError(uint64_t offset, const std::string &what)
	: std::runtime_error(fmt_off(offset, what)), offset_(offset)
{
}

uint8_t Record::data_op() const
{
	return op == PVBLK_OP_INDIRECT ? indirect_op : op;
}

uint64_t Record::sectors() const
{
	uint64_t n = 0;

	if (op == PVBLK_OP_DISCARD)
		return nr_sectors;
	for (const auto &s : segs)
		n += static_cast<uint64_t>(s.last - s.first) + 1;
	return n;
}

const char *op_name(uint8_t op)
{
	for (const auto &o : kOpNames)
		if (o.op == op && o.indirect_op == 0)
			return o.name;
	return op == PVBLK_OP_INDIRECT ? "indirect" : "unknown";
}

void validate(const Record &r, uint64_t offset)
{
	switch (r.op) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		if (r.segs.size() > PVBLK_MAX_SEGS_DIRECT)
			throw FormatError(offset, "more than 11 segments in a direct request");
		if ((r.op == PVBLK_OP_READ || r.op == PVBLK_OP_WRITE) && r.segs.empty())
			throw FormatError(offset, "read or write with no segments");
		break;
	case PVBLK_OP_DISCARD:
		if (!r.segs.empty())
			throw FormatError(offset, "discard with segments");
		break;
	case PVBLK_OP_INDIRECT:
		if (r.indirect_op != PVBLK_OP_READ && r.indirect_op != PVBLK_OP_WRITE)
			throw FormatError(offset, "indirect operation is not read or write");
		if (r.segs.empty() || r.segs.size() > kMaxSegments)
			throw FormatError(offset,
					  "indirect request with 0 or more than 4096 segments");
		break;
	default:
		throw FormatError(offset, "unknown operation " + std::to_string(r.op));
	}
	if (r.op != PVBLK_OP_INDIRECT && r.indirect_op)
		throw FormatError(offset, "indirect_op set on a direct request");
	if (r.op != PVBLK_OP_DISCARD && r.nr_sectors)
		throw FormatError(offset, "nr_sectors set on a request that is not a discard");
	if (r.status != PVBLK_RSP_OKAY && r.status != PVBLK_RSP_ERROR &&
	    r.status != PVBLK_RSP_EOPNOTSUPP)
		throw FormatError(offset, "unknown status " + std::to_string(r.status));
	if (r.flags & ~kFlagsKnown)
		throw FormatError(offset, "unknown flags");
	for (const auto &s : r.segs)
		if (s.first > s.last || s.last >= PVBLK_SECTORS_PER_PAGE)
			throw FormatError(offset, "segment sectors not 0 <= first <= last <= 7");
}

// ---- binary ----

std::string encode_binary(const std::vector<Record> &records)
{
	std::string s(kMagic, sizeof(kMagic));

	put16(s, kVersion);
	put16(s, kFileHeaderSize);
	put16(s, kRecordHeaderSize);
	put16(s, kSegmentSize);
	put64(s, records.size());
	put64(s, 0);
	for (const auto &r : records) {
		validate(r, s.size());
		put64(s, r.time_ns);
		put64(s, r.latency_ns);
		put64(s, r.sector);
		put64(s, r.nr_sectors);
		put64(s, r.id);
		put16(s, r.queue);
		s.push_back(static_cast<char>(r.op));
		s.push_back(static_cast<char>(r.indirect_op));
		put16(s, static_cast<uint16_t>(r.status));
		put16(s, static_cast<uint16_t>(r.segs.size()));
		put16(s, r.flags);
		put16(s, 0);
		put32(s, 0);
		for (const auto &g : r.segs) {
			put32(s, g.slot);
			s.push_back(static_cast<char>(g.first));
			s.push_back(static_cast<char>(g.last));
			put16(s, 0);
		}
	}
	return s;
}

std::vector<Record> decode_binary(const std::string &b)
{
	std::vector<Record> out;

	if (b.size() < sizeof(kMagic) || memcmp(b.data(), kMagic, sizeof(kMagic)))
		throw FormatError(0, "not a pvblk trace (bad magic)");
	if (b.size() < kFileHeaderSize)
		throw FormatError(b.size(), "truncated file header");
	if (get(b, 8, 2) != kVersion)
		throw FormatError(8, "unsupported version " + std::to_string(get(b, 8, 2)));
	if (get(b, 10, 2) != kFileHeaderSize)
		throw FormatError(10, "bad file header size");
	if (get(b, 12, 2) != kRecordHeaderSize)
		throw FormatError(12, "bad record header size");
	if (get(b, 14, 2) != kSegmentSize)
		throw FormatError(14, "bad segment size");
	if (get(b, 24, 8) != 0)
		throw FormatError(24, "reserved header field not zero");
	uint64_t count = get(b, 16, 8);
	size_t off = kFileHeaderSize;

	for (uint64_t i = 0; i < count; i++) {
		size_t start = off;
		Record r;

		if (b.size() - off < kRecordHeaderSize)
			throw FormatError(off, "truncated record " + std::to_string(i) +
						       " (header says " + std::to_string(count) +
						       " records)");
		r.time_ns = get(b, off, 8);
		r.latency_ns = get(b, off + 8, 8);
		r.sector = get(b, off + 16, 8);
		r.nr_sectors = get(b, off + 24, 8);
		r.id = get(b, off + 32, 8);
		r.queue = static_cast<uint16_t>(get(b, off + 40, 2));
		r.op = static_cast<uint8_t>(get(b, off + 42, 1));
		r.indirect_op = static_cast<uint8_t>(get(b, off + 43, 1));
		r.status = static_cast<int16_t>(get(b, off + 44, 2));
		uint64_t nsegs = get(b, off + 46, 2);
		r.flags = static_cast<uint16_t>(get(b, off + 48, 2));
		if (get(b, off + 50, 2) || get(b, off + 52, 4))
			throw FormatError(off + 50, "reserved record field not zero");
		if (nsegs > kMaxSegments)
			throw FormatError(off + 46, "more than 4096 segments");
		off += kRecordHeaderSize;
		if (b.size() - off < nsegs * kSegmentSize)
			throw FormatError(off, "truncated segments of record " + std::to_string(i));
		for (uint64_t j = 0; j < nsegs; j++, off += kSegmentSize) {
			Segment g;

			g.slot = static_cast<uint32_t>(get(b, off, 4));
			g.first = static_cast<uint8_t>(get(b, off + 4, 1));
			g.last = static_cast<uint8_t>(get(b, off + 5, 1));
			if (get(b, off + 6, 2))
				throw FormatError(off + 6, "reserved segment field not zero");
			r.segs.push_back(g);
		}
		validate(r, start);
		out.push_back(std::move(r));
	}
	if (off != b.size())
		throw FormatError(off, "trailing bytes after the last record");
	return out;
}

// ---- text ----

static const char kTextHeader[] = "# pvblk-trace text v1";

std::string record_to_text(const Record &r)
{
	std::ostringstream o;
	const char *name = nullptr;

	for (const auto &n : kOpNames)
		if (n.op == r.op && n.indirect_op == r.indirect_op)
			name = n.name;
	o << "t=" << r.time_ns << " lat=" << r.latency_ns << " q=" << r.queue << " id=" << r.id
	  << " op=" << (name ? name : "?") << " sector=" << r.sector << " nsect=" << r.nr_sectors
	  << " status=" << r.status << " flags=" << r.flags << " segs=";
	if (r.segs.empty())
		o << "-";
	for (size_t i = 0; i < r.segs.size(); i++)
		o << (i ? "," : "") << r.segs[i].slot << ":" << unsigned(r.segs[i].first) << "-"
		  << unsigned(r.segs[i].last);
	return o.str();
}

std::string encode_text(const std::vector<Record> &records)
{
	std::string s = std::string(kTextHeader) + "\n";

	for (const auto &r : records) {
		validate(r, s.size());
		s += record_to_text(r) + "\n";
	}
	return s;
}

namespace {

// A cursor over one line of the text form, reporting absolute offsets.
class LineParser {
public:
	LineParser(const std::string &text, size_t begin, size_t end)
		: t_(text), pos_(begin), end_(end)
	{
	}

	size_t pos() const { return pos_; }

	// "key=" then an unsigned decimal number in [0, max].
	uint64_t number(const char *key, uint64_t max)
	{
		field(key);
		return digits(max);
	}

	int64_t signed_number(const char *key)
	{
		field(key);
		bool neg = pos_ < end_ && t_[pos_] == '-';

		if (neg)
			pos_++;
		int64_t v = static_cast<int64_t>(digits(32768));
		return neg ? -v : v;
	}

	std::string word(const char *key)
	{
		field(key);
		size_t s = pos_;

		while (pos_ < end_ && t_[pos_] != ' ')
			pos_++;
		return t_.substr(s, pos_ - s);
	}

	void expect(char c)
	{
		if (pos_ >= end_ || t_[pos_] != c)
			throw FormatError(pos_, std::string("expected '") + c + "'");
		pos_++;
	}

	bool peek(char c) const { return pos_ < end_ && t_[pos_] == c; }
	bool at_end() const { return pos_ == end_; }

	uint64_t digits(uint64_t max)
	{
		size_t s = pos_;
		uint64_t v = 0;

		while (pos_ < end_ && t_[pos_] >= '0' && t_[pos_] <= '9') {
			uint64_t d = static_cast<uint64_t>(t_[pos_] - '0');

			if (v > (max - d) / 10)
				throw FormatError(s, "number out of range");
			v = v * 10 + d;
			pos_++;
		}
		if (pos_ == s)
			throw FormatError(s, "expected a decimal number");
		return v;
	}

	void field(const char *key)
	{
		if (first_)
			first_ = false;
		else
			expect(' ');
		size_t n = strlen(key);

		if (end_ - pos_ < n + 1 || t_.compare(pos_, n, key) || t_[pos_ + n] != '=')
			throw FormatError(pos_, std::string("expected '") + key + "='");
		pos_ += n + 1;
	}

private:
	const std::string &t_;
	size_t pos_, end_;
	bool first_ = true;
};

} // namespace

std::vector<Record> decode_text(const std::string &text)
{
	std::vector<Record> out;
	size_t nl = text.find('\n');

	if (nl == std::string::npos || text.compare(0, nl, kTextHeader))
		throw FormatError(0, std::string("not a pvblk text trace (first line must be '") +
					     kTextHeader + "')");
	size_t pos = nl + 1;

	while (pos < text.size()) {
		size_t end = text.find('\n', pos);

		if (end == std::string::npos)
			throw FormatError(text.size(), "truncated last line (no newline)");
		if (end == pos || text[pos] == '#') { // blank line or comment
			pos = end + 1;
			continue;
		}
		LineParser p(text, pos, end);
		Record r;
		const uint64_t u64max = UINT64_MAX;

		r.time_ns = p.number("t", u64max);
		r.latency_ns = p.number("lat", u64max);
		r.queue = static_cast<uint16_t>(p.number("q", 0xffff));
		r.id = p.number("id", u64max);
		std::string name = p.word("op");
		size_t op_at = p.pos() - name.size();
		bool found = false;

		for (const auto &n : kOpNames)
			if (name == n.name) {
				r.op = n.op;
				r.indirect_op = n.indirect_op;
				found = true;
			}
		if (!found)
			throw FormatError(op_at, "unknown operation '" + name + "'");
		r.sector = p.number("sector", u64max);
		r.nr_sectors = p.number("nsect", u64max);
		r.status = static_cast<int16_t>(p.signed_number("status"));
		r.flags = static_cast<uint16_t>(p.number("flags", 0xffff));
		p.field("segs");
		if (p.peek('-')) {
			p.expect('-');
		} else {
			do {
				Segment g;

				if (r.segs.size() >= kMaxSegments)
					throw FormatError(p.pos(), "more than 4096 segments");
				g.slot = static_cast<uint32_t>(p.digits(0xffffffffu));
				p.expect(':');
				g.first = static_cast<uint8_t>(p.digits(255));
				p.expect('-');
				g.last = static_cast<uint8_t>(p.digits(255));
				r.segs.push_back(g);
				if (!p.peek(','))
					break;
				p.expect(',');
			} while (true);
		}
		if (!p.at_end())
			throw FormatError(p.pos(), "unexpected text at the end of the record");
		validate(r, pos);
		out.push_back(std::move(r));
		pos = end + 1;
	}
	return out;
}

// ---- files ----

std::vector<Record> read_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);

	if (!f)
		throw std::runtime_error("cannot open " + path + ": " + strerror(errno));
	std::ostringstream ss;

	ss << f.rdbuf();
	std::string b = ss.str();

	if (b.size() >= sizeof(kMagic) && !memcmp(b.data(), kMagic, sizeof(kMagic)))
		return decode_binary(b);
	if (!b.empty() && b[0] == '#')
		return decode_text(b);
	throw FormatError(0, "not a pvblk trace (neither the binary magic nor the text header)");
}

void write_file(const std::string &path, const std::vector<Record> &records, bool text)
{
	std::string b = text ? encode_text(records) : encode_binary(records);
	std::ofstream f(path, std::ios::binary | std::ios::trunc);

	if (!f)
		throw std::runtime_error("cannot create " + path + ": " + strerror(errno));
	f.write(b.data(), static_cast<std::streamsize>(b.size()));
	f.close();
	if (!f)
		throw std::runtime_error("writing " + path + " failed");
}

} // namespace pvblk::trace

namespace pvblk::trace {

bool is_binary_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	char m[sizeof(kMagic)] = {};

	f.read(m, sizeof(m));
	return f && !memcmp(m, kMagic, sizeof(kMagic));
}

} // namespace pvblk::trace
