// SPDX-License-Identifier: GPL-2.0-only
//
// The trace format: binary and text round trips, and every malformed or
// truncated input rejected with the byte offset of the problem.
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "trace/trace_format.h"

extern "C" {
#include "pvblk/wire.h"
}

using namespace pvblk::trace;

namespace {

std::vector<Record> sample()
{
	std::vector<Record> v;
	Record a;

	a.time_ns = 1000;
	a.latency_ns = 52000;
	a.sector = 2048;
	a.id = 7;
	a.queue = 1;
	a.op = PVBLK_OP_READ;
	a.segs = { { 0, 0, 7 }, { 1, 0, 3 } };
	v.push_back(a);
	Record b;
	b.time_ns = 0xffffffffffull;
	b.latency_ns = 1;
	b.sector = UINT64_MAX - 8;
	b.id = UINT64_MAX;
	b.op = PVBLK_OP_INDIRECT;
	b.indirect_op = PVBLK_OP_WRITE;
	b.status = PVBLK_RSP_ERROR;
	b.flags = kFlagBoundsGuessed | kFlagSlotsGuessed;
	for (uint32_t i = 0; i < 600; i++)
		b.segs.push_back({ i * 3, static_cast<uint8_t>(i % 8), 7 });
	v.push_back(b);
	Record c;
	c.op = PVBLK_OP_DISCARD;
	c.sector = 8;
	c.nr_sectors = 1 << 20;
	c.status = PVBLK_RSP_EOPNOTSUPP;
	v.push_back(c);
	Record d;
	d.op = PVBLK_OP_FLUSH_DISKCACHE;
	v.push_back(d);
	return v;
}

// Offset of a FormatError thrown by @fn, or -1 when none is thrown.
template <typename F> int64_t error_offset(F fn)
{
	try {
		fn();
	} catch (const FormatError &e) {
		EXPECT_NE(std::string(e.what()).find("offset " + std::to_string(e.offset())),
			  std::string::npos);
		return static_cast<int64_t>(e.offset());
	}
	return -1;
}

int64_t bin_err(const std::string &b)
{
	return error_offset([&] { decode_binary(b); });
}

int64_t text_err(const std::string &t)
{
	return error_offset([&] { decode_text(t); });
}

const size_t kRec0 = kFileHeaderSize;

} // namespace

TEST(TraceBinary, RoundTrip)
{
	auto v = sample();
	std::string b = encode_binary(v);

	EXPECT_EQ(b.size(), kFileHeaderSize + 4 * kRecordHeaderSize + 602 * kSegmentSize);
	EXPECT_EQ(0, memcmp(b.data(), "PVBLKTRC", 8));
	EXPECT_EQ(decode_binary(b), v);
}

TEST(TraceBinary, Empty)
{
	EXPECT_TRUE(decode_binary(encode_binary({})).empty());
}

TEST(TraceBinary, HeaderErrors)
{
	std::string b = encode_binary(sample());

	EXPECT_EQ(bin_err(""), 0);
	EXPECT_EQ(bin_err("PVBLKTRX" + b.substr(8)), 0);
	EXPECT_EQ(bin_err(b.substr(0, 20)), 20); // truncated header
	std::string v = b;
	v[8] = 2;
	EXPECT_EQ(bin_err(v), 8); // version
	v = b;
	v[10] = 33;
	EXPECT_EQ(bin_err(v), 10);
	v = b;
	v[12] = 55;
	EXPECT_EQ(bin_err(v), 12);
	v = b;
	v[14] = 9;
	EXPECT_EQ(bin_err(v), 14);
	v = b;
	v[30] = 1;
	EXPECT_EQ(bin_err(v), 24);
}

TEST(TraceBinary, TruncatedAnywhere)
{
	std::string b = encode_binary(sample());

	// Every proper prefix is rejected, at an offset inside it.
	for (size_t n = 0; n < b.size(); n++) {
		int64_t off = bin_err(b.substr(0, n));

		ASSERT_GE(off, 0) << "prefix " << n << " accepted";
		ASSERT_LE(static_cast<size_t>(off), n) << "prefix " << n;
	}
	// Truncated inside record 0's header: reported at the record's start.
	EXPECT_EQ(bin_err(b.substr(0, kRec0 + 10)), (int64_t)kRec0);
	// Inside record 0's segments: at the first segment.
	EXPECT_EQ(bin_err(b.substr(0, kRec0 + kRecordHeaderSize + 3)),
		  (int64_t)(kRec0 + kRecordHeaderSize));
}

TEST(TraceBinary, TrailingBytes)
{
	std::string b = encode_binary(sample());

	EXPECT_EQ(bin_err(b + "x"), (int64_t)b.size());
	// A count one short leaves the last record as trailing bytes.
	std::string c = b;
	c[16] = 3;
	EXPECT_EQ(bin_err(c), (int64_t)(b.size() - kRecordHeaderSize));
}

TEST(TraceBinary, FieldErrors)
{
	std::string b = encode_binary(sample());
	auto at = [&](size_t off, uint8_t val) {
		std::string c = b;
		c[off] = static_cast<char>(val);
		return bin_err(c);
	};
	const size_t r = kRec0;

	EXPECT_EQ(at(r + 42, 4), (int64_t)r); // op 4 does not exist
	EXPECT_EQ(at(r + 42, 200), (int64_t)r);
	EXPECT_EQ(at(r + 43, 1), (int64_t)r);	     // indirect_op on a direct read
	EXPECT_EQ(at(r + 44, 5), (int64_t)r);	     // status 5
	EXPECT_EQ(at(r + 48, 0x80), (int64_t)r);     // unknown flag
	EXPECT_EQ(at(r + 24, 1), (int64_t)r);	     // nr_sectors on a read
	EXPECT_EQ(at(r + 50, 1), (int64_t)(r + 50)); // reserved
	EXPECT_EQ(at(r + 55, 1), (int64_t)(r + 50));
	EXPECT_EQ(at(r + 47, 0x20), (int64_t)(r + 46)); // 8194 segments
	const size_t s0 = r + kRecordHeaderSize;
	EXPECT_EQ(at(s0 + 4, 8), (int64_t)r);	     // first 8 > last 7
	EXPECT_EQ(at(s0 + 5, 8), (int64_t)r);	     // last 8
	EXPECT_EQ(at(s0 + 6, 1), (int64_t)(s0 + 6)); // segment reserved
	EXPECT_EQ(at(r + 46, 0), (int64_t)r);	     // a read with 0 segments
}

TEST(TraceBinary, WriterRejectsInvalid)
{
	Record r;

	r.op = 9;
	EXPECT_THROW(encode_binary({ r }), FormatError);
	EXPECT_THROW(encode_text({ r }), FormatError);
}

TEST(TraceText, RoundTrip)
{
	auto v = sample();
	std::string t = encode_text(v);

	EXPECT_EQ(t.rfind("# pvblk-trace text v1\n", 0), 0u);
	EXPECT_NE(t.find("op=indirect-write"), std::string::npos);
	EXPECT_NE(t.find("segs=0:0-7,1:0-3\n"), std::string::npos);
	EXPECT_EQ(decode_text(t), v);
	EXPECT_EQ(decode_binary(encode_binary(decode_text(t))), v);
}

TEST(TraceText, CommentsAndBlankLines)
{
	auto v = sample();
	std::string t = encode_text(v);

	t.insert(t.find('\n') + 1, "# a comment\n\n");
	EXPECT_EQ(decode_text(t), v);
}

TEST(TraceText, Errors)
{
	const std::string h = "# pvblk-trace text v1\n";
	const int64_t l = (int64_t)h.size();
	const std::string good =
		"t=1 lat=2 q=0 id=3 op=read sector=8 nsect=0 status=0 flags=0 segs=0:0-7";

	EXPECT_EQ(text_err(h + good + "\n"), -1);
	EXPECT_EQ(text_err("garbage\n"), 0);
	EXPECT_EQ(text_err(h + good), (int64_t)(h.size() + good.size())); // no newline
	EXPECT_EQ(text_err(h + "t=1 lat=2\n"), l + 9);			  // missing " q="
	EXPECT_EQ(text_err(h + "t=x lat=2\n"), l + 2);
	EXPECT_EQ(text_err(h + "t=99999999999999999999 lat=2\n"), l + 2); // > 2^64
	std::string bad_op = good;
	bad_op.replace(bad_op.find("read"), 4, "reed");
	EXPECT_EQ(text_err(h + bad_op + "\n"), l + (int64_t)good.find("read"));
	std::string bad_q = good;
	bad_q.replace(bad_q.find("q=0"), 3, "q=65536");
	EXPECT_EQ(text_err(h + bad_q + "\n"), l + (int64_t)good.find("q=0") + 2);
	EXPECT_EQ(text_err(h + good + ",\n"), l + (int64_t)good.size() + 1);
	EXPECT_EQ(text_err(h + good + " x\n"), l + (int64_t)good.size());
	std::string bad_seg = good;
	bad_seg.replace(bad_seg.find("0-7"), 3, "5-3"); // first > last
	EXPECT_EQ(text_err(h + bad_seg + "\n"), l);
	std::string bad_status = good;
	bad_status.replace(bad_status.find("status=0"), 8, "status=-7");
	EXPECT_EQ(text_err(h + bad_status + "\n"), l);
	// The second line's error is reported at its own offset.
	EXPECT_EQ(text_err(h + good + "\n" + bad_op + "\n"),
		  l + (int64_t)good.size() + 1 + (int64_t)good.find("read"));
}

TEST(TraceFile, BothFormsAndErrors)
{
	char dir[] = "/tmp/pvblk-trace-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	std::string bin = std::string(dir) + "/t.bin", txt = std::string(dir) + "/t.txt";
	auto v = sample();

	write_file(bin, v, false);
	write_file(txt, v, true);
	EXPECT_TRUE(is_binary_file(bin));
	EXPECT_FALSE(is_binary_file(txt));
	EXPECT_EQ(read_file(bin), v);
	EXPECT_EQ(read_file(txt), v);
	EXPECT_THROW(read_file(std::string(dir) + "/missing"), std::runtime_error);
	FILE *f = fopen((std::string(dir) + "/junk").c_str(), "w");
	fputs("hello\n", f);
	fclose(f);
	EXPECT_EQ(error_offset([&] { read_file(std::string(dir) + "/junk"); }), 0);
	unlink(bin.c_str());
	unlink(txt.c_str());
	unlink((std::string(dir) + "/junk").c_str());
	rmdir(dir);
}

TEST(TraceRecord, SectorsAndDataOp)
{
	auto v = sample();

	EXPECT_EQ(v[0].sectors(), 12u);
	EXPECT_EQ(v[0].data_op(), PVBLK_OP_READ);
	EXPECT_EQ(v[1].data_op(), PVBLK_OP_WRITE);
	EXPECT_EQ(v[2].sectors(), 1u << 20);
}
