// SPDX-License-Identifier: GPL-2.0-only
//
// Synthetic workload generator; see generator.h.
#include "frontend/generator.h"

#include <cstring>
#include <stdexcept>

namespace pvblk::ring {

bool parse_rw(const std::string &rw, Pattern *pattern, unsigned int *read_pct, bool *mixed)
{
	struct Name {
		const char *name;
		Pattern pattern;
		int read_pct; // -1: mixed
	};
	static const Name names[] = {
		{ "read", Pattern::Sequential, 100 }, { "write", Pattern::Sequential, 0 },
		{ "randread", Pattern::Random, 100 }, { "randwrite", Pattern::Random, 0 },
		{ "rw", Pattern::Sequential, -1 },    { "readwrite", Pattern::Sequential, -1 },
		{ "randrw", Pattern::Random, -1 },
	};

	for (const auto &n : names) {
		if (rw != n.name)
			continue;
		*pattern = n.pattern;
		*mixed = n.read_pct < 0;
		if (n.read_pct >= 0)
			*read_pct = static_cast<unsigned int>(n.read_pct);
		return true;
	}
	return false;
}

uint64_t SplitMix64::next()
{
	uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n)
{
	// Rejection sampling: no modulo bias.
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;

	do {
		v = next();
	} while (v >= limit);
	return v % n;
}

Generator::Generator(const GenConfig &cfg) : cfg_(cfg), rng_(cfg.seed)
{
	if (!cfg.bs || cfg.bs % 512)
		throw std::invalid_argument("block size must be a positive multiple of 512");
	if (cfg.read_pct > 100)
		throw std::invalid_argument("read percentage above 100");
	blocks_ = cfg.region_sectors / (cfg.bs / 512);
	if (!blocks_)
		throw std::invalid_argument("the region is smaller than one block");
}

Io Generator::next()
{
	Io io;
	uint64_t block;

	if (cfg_.pattern == Pattern::Random) {
		block = rng_.below(blocks_);
	} else {
		block = seq_;
		seq_ = (seq_ + 1) % blocks_;
	}
	io.sector = block * (cfg_.bs / 512);
	io.nr_sectors = cfg_.bs / 512;
	if (cfg_.read_pct == 100)
		io.write = false;
	else if (cfg_.read_pct == 0)
		io.write = true;
	else
		io.write = rng_.below(100) >= cfg_.read_pct;
	return io;
}

namespace {

uint64_t pattern_word(uint64_t sector, unsigned int word, uint64_t tag)
{
	return (sector << 8 | word) ^ (tag * 0x9e3779b97f4a7c15ull);
}

} // namespace

void fill_pattern(void *buf, uint64_t sector, uint32_t nr_sectors, uint64_t tag)
{
	auto *p = static_cast<uint8_t *>(buf);

	for (uint32_t s = 0; s < nr_sectors; s++)
		for (unsigned int w = 0; w < 64; w++) {
			uint64_t v = pattern_word(sector + s, w, tag);

			memcpy(p + s * 512 + w * 8, &v, 8);
		}
}

int64_t check_pattern(const void *buf, uint64_t sector, uint32_t nr_sectors, uint64_t tag)
{
	const auto *p = static_cast<const uint8_t *>(buf);

	for (uint32_t s = 0; s < nr_sectors; s++)
		for (unsigned int w = 0; w < 64; w++) {
			uint64_t v = pattern_word(sector + s, w, tag), got;

			memcpy(&got, p + s * 512 + w * 8, 8);
			if (got != v)
				return s;
		}
	return -1;
}

} // namespace pvblk::ring
