// SPDX-License-Identifier: GPL-2.0-only
// The benchmark's raw results: one file per boot (one dom0 vCPU count),
// written by scripts/bench/rig-sweep.sh. Tab-separated lines:
//
//   meta  KEY  VALUE
//   run   VCPUS  DRIVER  PERSISTENT  GUESTS  REPEAT  UNIT  IOPS
//
// A "run" line is one frontend's IOPS (UNIT: a guest, or a pvblk-ring
// instance) in one repeat of one point; the point's aggregate is the sum
// over its GUESTS units. Empty lines are ignored.
#pragma once

#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pvblk::bench {

// Malformed input: what() is "FILE:LINE: problem".
struct InputError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Sample {
	int vcpus = 0;
	std::string driver; // pvblk, stock, ring-pvblk, ring-stock
	int persistent = 0; // 0 or 1
	int guests = 0;	    // concurrent frontends at this point
	int repeat = 0;	    // 1-based
	std::string unit;   // which frontend
	double iops = 0;
};

struct Boot {
	std::string source; // file name, for messages
	std::map<std::string, std::string> meta;
	std::vector<Sample> samples;

	// meta[key] or throws InputError naming the file.
	const std::string &need(const std::string &key) const;
	// meta[key] as a whole number >= min, or throws.
	int need_int(const std::string &key, int min) const;
};

// The driver pairs a raw file may name, in report order.
const std::vector<std::string> &known_drivers();

Boot parse_raw(std::istream &in, const std::string &source);
Boot read_raw_file(const std::string &path);

} // namespace pvblk::bench
