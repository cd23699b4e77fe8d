// SPDX-License-Identifier: GPL-2.0-only
//
// The synthetic workload generator: a deterministic stream of I/Os from a
// seed (random or sequential offsets, reads/writes/a mix), and the data
// pattern --verify writes and checks.
#pragma once

#include <cstdint>
#include <string>

namespace pvblk::ring {

enum class Pattern { Sequential, Random };

struct GenConfig {
	Pattern pattern = Pattern::Random;
	unsigned int read_pct = 100; // 100: reads only, 0: writes only
	uint32_t bs = 4096;	     // bytes, a multiple of 512
	uint64_t region_sectors = 0; // the span of the device used
	uint64_t seed = 1;
};

struct Io {
	bool write = false;
	uint64_t sector = 0;
	uint32_t nr_sectors = 0;
	bool operator==(const Io &) const = default;
};

// Parse fio-style --rw: read write randread randwrite rw readwrite randrw.
// Returns false on an unknown name; @read_pct is set for pure workloads
// and left alone for mixed ones.
bool parse_rw(const std::string &rw, Pattern *pattern, unsigned int *read_pct, bool *mixed);

// A small, fast, well-mixed PRNG (splitmix64): the same seed always
// gives the same stream on every machine.
class SplitMix64 {
public:
	explicit SplitMix64(uint64_t seed) : s_(seed) {}
	uint64_t next();
	// Uniform in [0, n); n > 0.
	uint64_t below(uint64_t n);

private:
	uint64_t s_;
};

class Generator {
public:
	// Throws std::invalid_argument on a bs that is not a positive
	// multiple of 512, or a region smaller than one block.
	explicit Generator(const GenConfig &cfg);
	Io next();
	uint64_t blocks() const { return blocks_; }

private:
	GenConfig cfg_;
	SplitMix64 rng_;
	uint64_t blocks_;
	uint64_t seq_ = 0;
};

// The --verify pattern: the content of 512-byte sector @sector under
// run tag @tag (every 8-byte word names the sector, the word and the
// tag), so misplaced, stale and torn data are all told apart.
void fill_pattern(void *buf, uint64_t sector, uint32_t nr_sectors, uint64_t tag);
// Returns the index of the first bad sector, or -1 when all match.
int64_t check_pattern(const void *buf, uint64_t sector, uint32_t nr_sectors, uint64_t tag);

} // namespace pvblk::ring
