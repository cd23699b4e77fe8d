// SPDX-License-Identifier: GPL-2.0-only
//
// Result reporting; see report.h.
#include "cmd/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace pvblk::ring {

uint64_t percentile(const std::vector<uint64_t> &sorted, double p)
{
	if (sorted.empty())
		return 0;
	double rank = std::ceil(p * static_cast<double>(sorted.size()) / 100.0 - 1e-9);
	size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;

	return sorted[std::min(i, sorted.size() - 1)];
}

void Report::finish()
{
	std::sort(lat_ns.begin(), lat_ns.end());
}

double Report::iops() const
{
	return seconds > 0 ? static_cast<double>(requests) / seconds : 0;
}

double Report::bw_bytes() const
{
	return seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
}

std::string json_string(const std::string &s)
{
	std::string o = "\"";

	for (char c : s) {
		if (c == '"' || c == '\\') {
			o += '\\';
			o += c;
		} else if (static_cast<unsigned char>(c) < 0x20) {
			char b[8];

			snprintf(b, sizeof(b), "\\u%04x", c);
			o += b;
		} else {
			o += c;
		}
	}
	return o + "\"";
}

static std::string num(double v)
{
	char b[64];

	snprintf(b, sizeof(b), "%.3f", v);
	return b;
}

std::string Report::json() const
{
	std::ostringstream o;
	uint64_t mean = 0;

	if (!lat_ns.empty()) {
		long double sum = 0;

		for (auto v : lat_ns)
			sum += v;
		mean = static_cast<uint64_t>(sum / lat_ns.size());
	}
	o << "{\n  \"command\": " << json_string(command) << ",\n"
	  << "  \"seconds\": " << num(seconds) << ",\n"
	  << "  \"requests\": " << requests << ",\n"
	  << "  \"errors\": " << errors << ",\n"
	  << "  \"verify_errors\": " << verify_errors << ",\n"
	  << "  \"reads\": " << reads << ",\n"
	  << "  \"writes\": " << writes << ",\n"
	  << "  \"others\": " << others << ",\n"
	  << "  \"bytes\": " << bytes << ",\n"
	  << "  \"iops\": " << num(iops()) << ",\n"
	  << "  \"bw_bytes\": " << num(bw_bytes()) << ",\n"
	  << "  \"lat_ns\": {\"min\": " << (lat_ns.empty() ? 0 : lat_ns.front())
	  << ", \"mean\": " << mean << ", \"p50\": " << percentile(lat_ns, 50)
	  << ", \"p99\": " << percentile(lat_ns, 99) << ", \"p99.9\": " << percentile(lat_ns, 99.9)
	  << ", \"max\": " << (lat_ns.empty() ? 0 : lat_ns.back()) << "}";
	for (const auto &[k, v] : extra)
		o << ",\n  " << json_string(k) << ": " << num(v);
	if (!backend.empty()) {
		o << ",\n  \"backend_stats\": {";
		bool first = true;

		for (const auto &[k, v] : backend) {
			o << (first ? "" : ", ") << json_string(k) << ": " << v;
			first = false;
		}
		o << "}";
	}
	for (const auto &[k, v] : info)
		o << ",\n  " << json_string(k) << ": " << json_string(v);
	o << "\n}\n";
	return o.str();
}

std::string Report::text() const
{
	char b[512];

	snprintf(b, sizeof(b),
		 "%s: %llu requests (%llu read, %llu write, %llu other) in %.2f s, "
		 "%llu errors, %llu verify errors\n"
		 "  iops %.0f  bw %.2f MiB/s  lat p50 %.1f us  p99 %.1f us  p99.9 %.1f us\n",
		 command.c_str(), (unsigned long long)requests, (unsigned long long)reads,
		 (unsigned long long)writes, (unsigned long long)others, seconds,
		 (unsigned long long)errors, (unsigned long long)verify_errors, iops(),
		 bw_bytes() / 1048576.0, percentile(lat_ns, 50) / 1000.0,
		 percentile(lat_ns, 99) / 1000.0, percentile(lat_ns, 99.9) / 1000.0);
	return b;
}

} // namespace pvblk::ring
