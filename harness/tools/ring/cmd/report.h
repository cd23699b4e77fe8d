// SPDX-License-Identifier: GPL-2.0-only
//
// Run results: counts, latency percentiles, IOPS and bandwidth, printed
// as text and written as JSON (the benchmark's contract: top-level
// "iops", "bw_bytes", "lat_ns" {"p50","p99","p99.9"}, "requests",
// "errors").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pvblk::ring {

// Nearest-rank percentile @p (0..100] of @sorted (ascending); 0 if empty.
uint64_t percentile(const std::vector<uint64_t> &sorted, double p);

struct Report {
	std::string command; // "generate", "replay", ...
	double seconds = 0;
	uint64_t requests = 0; // answered
	uint64_t errors = 0;   // answered with a non-OKAY status
	uint64_t verify_errors = 0;
	uint64_t reads = 0, writes = 0, others = 0;
	uint64_t bytes = 0;
	std::vector<uint64_t> lat_ns;		 // one per answered request
	std::map<std::string, std::string> info; // extra string fields
	std::map<std::string, double> extra;	 // extra numeric fields
	std::map<std::string, int64_t> backend;	 // "backend_stats": sysfs statistics/

	void finish(); // sorts lat_ns
	double iops() const;
	double bw_bytes() const;
	std::string json() const;
	std::string text() const;
};

// Escape @s for a JSON string literal (quotes included).
std::string json_string(const std::string &s);

} // namespace pvblk::ring
