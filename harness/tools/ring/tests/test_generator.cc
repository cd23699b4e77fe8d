// SPDX-License-Identifier: GPL-2.0-only
//
// The generator: deterministic from its seed, within its region, aligned,
// with the requested read/write mix; the --verify pattern.
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "frontend/generator.h"

using namespace pvblk::ring;

namespace {

std::vector<Io> run(const GenConfig &c, int n)
{
	Generator g(c);
	std::vector<Io> v;

	for (int i = 0; i < n; i++)
		v.push_back(g.next());
	return v;
}

} // namespace

TEST(Generator, DeterministicFromSeed)
{
	GenConfig c;
	c.region_sectors = 1 << 17;
	c.read_pct = 70;
	c.seed = 12345;
	auto a = run(c, 5000), b = run(c, 5000);

	EXPECT_EQ(a, b);
	c.seed = 12346;
	EXPECT_NE(run(c, 5000), a);
	// A fixed expectation: the stream is the same on every machine.
	SplitMix64 r(0);
	EXPECT_EQ(r.next(), 0xe220a8397b1dcdafull);
	EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ull);
}

TEST(Generator, RandomStaysInRegionAligned)
{
	GenConfig c;
	c.region_sectors = 1000; // 125 blocks of 8 sectors
	c.bs = 4096;
	auto v = run(c, 20000);
	std::set<uint64_t> seen;

	for (const auto &io : v) {
		EXPECT_EQ(io.sector % 8, 0u);
		EXPECT_LE(io.sector + io.nr_sectors, 1000u);
		EXPECT_EQ(io.nr_sectors, 8u);
		EXPECT_FALSE(io.write);
		seen.insert(io.sector);
	}
	EXPECT_EQ(seen.size(), 125u); // every block hit
}

TEST(Generator, SequentialWraps)
{
	GenConfig c;
	c.pattern = Pattern::Sequential;
	c.read_pct = 0;
	c.bs = 8192;
	c.region_sectors = 64;
	auto v = run(c, 9);

	for (int i = 0; i < 9; i++) {
		EXPECT_EQ(v[i].sector, (uint64_t)(i % 4) * 16);
		EXPECT_TRUE(v[i].write);
	}
}

TEST(Generator, Mix)
{
	GenConfig c;
	c.region_sectors = 1 << 20;
	c.read_pct = 30;
	int writes = 0;

	for (const auto &io : run(c, 10000))
		writes += io.write;
	EXPECT_GT(writes, 6700);
	EXPECT_LT(writes, 7300);
}

TEST(Generator, BadConfig)
{
	GenConfig c;
	c.region_sectors = 100;
	c.bs = 1000;
	EXPECT_THROW(Generator{ c }, std::invalid_argument);
	c.bs = 65536; // 128 sectors > region
	EXPECT_THROW(Generator{ c }, std::invalid_argument);
}

TEST(Generator, ParseRw)
{
	Pattern p;
	unsigned int pct = 55;
	bool mixed;

	ASSERT_TRUE(parse_rw("randread", &p, &pct, &mixed));
	EXPECT_EQ(p, Pattern::Random);
	EXPECT_EQ(pct, 100u);
	EXPECT_FALSE(mixed);
	pct = 55;
	ASSERT_TRUE(parse_rw("rw", &p, &pct, &mixed));
	EXPECT_EQ(p, Pattern::Sequential);
	EXPECT_EQ(pct, 55u);
	EXPECT_TRUE(mixed);
	EXPECT_FALSE(parse_rw("randomread", &p, &pct, &mixed));
}

TEST(Pattern, DetectsEveryKindOfBadData)
{
	std::vector<uint8_t> buf(4096);

	fill_pattern(buf.data(), 800, 8, 99);
	EXPECT_EQ(check_pattern(buf.data(), 800, 8, 99), -1);
	EXPECT_EQ(check_pattern(buf.data(), 808, 8, 99), 0); // misplaced
	EXPECT_EQ(check_pattern(buf.data(), 800, 8, 98), 0); // stale run
	buf[3 * 512 + 17] ^= 1;
	EXPECT_EQ(check_pattern(buf.data(), 800, 8, 99), 3); // torn
}
