// SPDX-License-Identifier: GPL-2.0-only
// pvblk-logwrites: the log format - logs built by hand and by LogWriter,
// and malformed logs refused with the byte offset of the problem.
#include <gtest/gtest.h>

#include <cstring>

#include "le.h"
#include "log_reader.h"
#include "log_writer.h"
#include "test_util.h"

using namespace pvblk::logwrites;
using namespace pvblk::logwrites::test;

namespace {

std::vector<std::byte> le(std::uint64_t v)
{
	std::vector<std::byte> b(8);
	put_le64(b.data(), v);
	return b;
}

// The offset of the LogError read_log() throws for @fd, or -1.
long long error_offset(const Fd &fd)
{
	try {
		read_log(fd);
	} catch (const LogError &e) {
		EXPECT_NE(std::string(e.what()).find("byte " + std::to_string(e.offset())),
			  std::string::npos)
			<< e.what();
		return static_cast<long long>(e.offset());
	}
	return -1;
}

} // namespace

// A log laid out byte by byte from the format description, not by our
// writer: the reader must find every field where the kernel puts it.
TEST(LogFormat, HandBuiltLog)
{
	Fd fd = scratch(8192);
	auto data = pattern(1, 2);

	poke(fd, 0, le(kMagic));
	poke(fd, 8, le(1));
	poke(fd, 16, le(3));
	poke(fd, 24, { std::byte{ 0x00 }, std::byte{ 0x02 }, std::byte{ 0 }, std::byte{ 0 } });
	// entry 0 at block 1: 2 blocks at sector 4, data in blocks 2-3
	poke(fd, 512, le(4));
	poke(fd, 520, le(2));
	poke(fd, 528, le(kFua | kMetadata));
	fd.pwrite_all(data, 1024);
	// entry 1 at block 4: an empty flush
	poke(fd, 2048 + 16, le(kFlush));
	// entry 2 at block 5: a mark, its name inline after the header
	poke(fd, 2560 + 16, le(kMark));
	poke(fd, 2560 + 24, le(4));
	fd.pwrite_all(std::as_bytes(std::span("mkfs", 4)), 2560 + 32);

	Log log = read_log(fd);
	EXPECT_EQ(log.sectorsize, 512u);
	EXPECT_EQ(log.nr_entries, 3u);
	ASSERT_EQ(log.entries.size(), 3u);
	EXPECT_EQ(log.entries[0].offset, 512u);
	EXPECT_EQ(log.entries[0].sector, 4u);
	EXPECT_EQ(log.entries[0].nr_sectors, 2u);
	EXPECT_EQ(flag_names(log.entries[0].flags), "FUA|META");
	EXPECT_EQ(log.entries[1].offset, 2048u);
	EXPECT_EQ(flag_names(log.entries[1].flags), "FLUSH");
	EXPECT_EQ(log.entries[2].offset, 2560u);
	EXPECT_EQ(log.entries[2].mark, "mkfs");
	EXPECT_EQ(find_mark(log, "mkfs"), 2u);
	EXPECT_THROW(find_mark(log, "nope"), std::invalid_argument);
}

class RoundTrip : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(RoundTrip, EveryKindOfEntry)
{
	const std::uint32_t ss = GetParam();
	Fd fd = scratch();
	LogWriter w(fd, ss);
	auto a = pattern(2, 3, ss), b = pattern(3, 1, ss);

	EXPECT_EQ(w.write(10, a), 0u);
	EXPECT_EQ(w.flush(), 1u);
	EXPECT_EQ(w.write(7, b, kFlush | kFua), 2u);
	EXPECT_EQ(w.discard(20, 5), 3u);
	EXPECT_EQ(w.mark("point-a"), 4u);
	w.finish();

	Log log = read_log(fd);
	EXPECT_EQ(log.sectorsize, ss);
	ASSERT_EQ(log.entries.size(), 6u);
	const auto &e = log.entries;
	EXPECT_EQ(e[0].offset, ss);
	EXPECT_EQ(e[0].sector, 10u);
	EXPECT_EQ(e[0].nr_sectors, 3u);
	EXPECT_EQ(e[0].flags, 0u);
	EXPECT_EQ(e[1].offset, 5ull * ss); // header + 3 data blocks later
	EXPECT_EQ(e[1].flags, kFlush);
	EXPECT_EQ(e[2].flags, kFlush | kFua);
	EXPECT_EQ(e[3].flags, kDiscard);
	EXPECT_EQ(e[3].nr_sectors, 5u);
	EXPECT_EQ(e[4].offset, e[3].offset + ss); // a discard has no data
	EXPECT_EQ(e[4].mark, "point-a");
	EXPECT_EQ(e[5].mark, "dm-log-writes-end");
	EXPECT_EQ(w.bytes(), e[5].offset + ss);

	std::vector<std::byte> got(a.size());
	fd.pread_all(got, e[0].offset + ss);
	EXPECT_EQ(got, a);
	got.resize(b.size());
	fd.pread_all(got, e[2].offset + ss);
	EXPECT_EQ(got, b);
}

INSTANTIATE_TEST_SUITE_P(SectorSizes, RoundTrip, ::testing::Values(512u, 4096u));

// The super block counts entries only up to the last FUA or MARK.
TEST(LogFormat, SuperCountsOnlyFuaAndMark)
{
	Fd fd = scratch();
	LogWriter w(fd, 512);
	auto d = pattern(4, 1);

	w.write(0, d);
	w.flush();
	EXPECT_EQ(read_log(fd).entries.size(), 0u);
	w.write(1, d, kFua);
	EXPECT_EQ(read_log(fd).entries.size(), 3u);
	w.write(2, d);
	w.discard(3, 1);
	EXPECT_EQ(read_log(fd).entries.size(), 3u);
	w.mark("x");
	EXPECT_EQ(read_log(fd).entries.size(), 6u);
	w.finish();
	EXPECT_EQ(read_log(fd).entries.size(), 7u);
}

TEST(LogFormat, EmptyLog)
{
	Fd fd = scratch();
	LogWriter w(fd, 512);
	w.write_super(0);
	EXPECT_TRUE(read_log(fd).entries.empty());
}

TEST(Malformed, TooShortOrNotALog)
{
	EXPECT_EQ(error_offset(scratch()), 0);
	EXPECT_EQ(error_offset(scratch(511)), 0);
	EXPECT_EQ(error_offset(scratch(4096)), 0); // zeros: bad magic
}

TEST(Malformed, SuperBlockFields)
{
	{
		Fd fd = scratch();
		LogWriter w(fd, 512);
		poke(fd, 8, le(2));
		EXPECT_EQ(error_offset(fd), 8);
	}
	for (std::uint32_t bad : { 0u, 256u, 1000u, 131072u }) {
		Fd fd = scratch(4096);
		LogWriter w(fd, 512);
		std::vector<std::byte> b(4);
		put_le32(b.data(), bad);
		poke(fd, 24, b);
		EXPECT_EQ(error_offset(fd), 24) << bad;
	}
	{
		// 4096-byte blocks in a 2048-byte file
		Fd fd = scratch();
		LogWriter w(fd, 4096);
		ASSERT_EQ(ftruncate(fd.get(), 2048), 0);
		EXPECT_EQ(error_offset(fd), 0);
	}
	{
		Fd fd = scratch();
		LogWriter w(fd, 512);
		w.flush();
		w.write_super(1000); // more than 512 bytes per entry can hold
		EXPECT_EQ(error_offset(fd), 16);
	}
}

TEST(Malformed, TruncatedEntries)
{
	Fd fd = scratch();
	LogWriter w(fd, 512);
	w.write(0, pattern(5, 4)); // header 512, data 1024..3071
	w.flush();		   // header 3072
	w.write_super(2);

	ASSERT_EQ(ftruncate(fd.get(), 3072 + 100), 0);
	EXPECT_EQ(error_offset(fd), 3072); // header cut short
	ASSERT_EQ(ftruncate(fd.get(), 3000), 0);
	EXPECT_EQ(error_offset(fd), 512 + 8); // data cut short
}

TEST(Malformed, BadEntryFields)
{
	struct Case {
		std::uint64_t nr_sectors, flags, data_len;
		long long where; // offset from the header
	} cases[] = {
		{ 0, 1u << 5, 0, 16 },		// unknown flag
		{ 0, kMark, 512 - 32 + 1, 24 }, // mark name longer than its block
		{ 1, kMark, 2, 8 },		// mark with data sectors
		{ 0, kFlush, 16, 24 },		// data_len on a non-mark
		{ 1u << 20, 0, 0, 8 },		// data past the end of the log
		{ UINT64_MAX / 2, 0, 0, 0 },	// sector range overflows
	};
	for (const Case &c : cases) {
		Fd fd = scratch();
		LogWriter w(fd, 512);
		w.flush();
		w.raw(c.where == 0 ? UINT64_MAX / 4 : 3, c.nr_sectors, c.flags, c.data_len);
		w.write_super(2);
		EXPECT_EQ(error_offset(fd), 1024 + c.where)
			<< "flags " << c.flags << " nr " << c.nr_sectors;
	}
}
