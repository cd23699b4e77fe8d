// SPDX-License-Identifier: GPL-2.0-only
// Parser of the benchmark's raw result files (see raw.h).
#include "raw.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pvblk::bench {

namespace {

std::vector<std::string> split_tabs(const std::string &line)
{
	std::vector<std::string> f;
	std::string::size_type start = 0;
	for (;;) {
		auto tab = line.find('\t', start);
		f.push_back(line.substr(start, tab - start));
		if (tab == std::string::npos)
			return f;
		start = tab + 1;
	}
}

[[noreturn]] void bad(const std::string &where, const std::string &what)
{
	throw InputError(where + ": " + what);
}

int to_int(const std::string &s, const std::string &where, const char *field, int min, int max)
{
	int v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (s.empty() || ec != std::errc() || p != s.data() + s.size())
		bad(where, std::string(field) + " '" + s + "' is not a whole number");
	if (v < min || v > max)
		bad(where, std::string(field) + " " + s + " is out of range " +
				   std::to_string(min) + ".." + std::to_string(max));
	return v;
}

double to_iops(const std::string &s, const std::string &where)
{
	// strtod: from_chars for double needs a newer libstdc++ than Debian 12's gcc 12 has everywhere.
	if (s.empty() || s.find_first_not_of("0123456789.eE+-") != std::string::npos)
		bad(where, "IOPS '" + s + "' is not a number");
	errno = 0;
	char *end = nullptr;
	double v = std::strtod(s.c_str(), &end);
	if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v))
		bad(where, "IOPS '" + s + "' is not a number");
	if (v <= 0)
		bad(where, "IOPS " + s + " is not positive (a run that moved no data)");
	return v;
}

} // namespace

const std::vector<std::string> &known_drivers()
{
	static const std::vector<std::string> d = { "pvblk", "stock", "ring-pvblk", "ring-stock" };
	return d;
}

const std::string &Boot::need(const std::string &key) const
{
	auto it = meta.find(key);
	if (it == meta.end())
		throw InputError(source + ": no 'meta " + key + "' line");
	return it->second;
}

int Boot::need_int(const std::string &key, int min) const
{
	return to_int(need(key), source + ": meta " + key, "value", min, 1 << 20);
}

Boot parse_raw(std::istream &in, const std::string &source)
{
	Boot b;
	b.source = source;
	std::string line;
	for (int n = 1; std::getline(in, line); n++) {
		const std::string where = source + ":" + std::to_string(n);
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		if (line.empty())
			continue;
		auto f = split_tabs(line);
		if (f[0] == "meta") {
			if (f.size() != 3 || f[1].empty())
				bad(where,
				    "a meta line needs 3 tab-separated fields (meta KEY VALUE), got " +
					    std::to_string(f.size()));
			if (!b.meta.emplace(f[1], f[2]).second)
				bad(where, "meta " + f[1] + " given twice");
		} else if (f[0] == "run") {
			if (f.size() != 8)
				bad(where,
				    "a run line needs 8 tab-separated fields (run VCPUS DRIVER "
				    "PERSISTENT GUESTS REPEAT UNIT IOPS), got " +
					    std::to_string(f.size()));
			Sample s;
			s.vcpus = to_int(f[1], where, "vCPU count", 1, 4096);
			s.driver = f[2];
			const auto &kd = known_drivers();
			if (std::find(kd.begin(), kd.end(), s.driver) == kd.end())
				bad(where, "unknown driver pair '" + s.driver +
						   "' (pvblk, stock, ring-pvblk, ring-stock)");
			s.persistent = to_int(f[3], where, "persistent", 0, 1);
			s.guests = to_int(f[4], where, "guest count", 1, 4096);
			s.repeat = to_int(f[5], where, "repeat", 1, 100000);
			s.unit = f[6];
			if (s.unit.empty())
				bad(where, "empty unit name");
			s.iops = to_iops(f[7], where);
			b.samples.push_back(std::move(s));
		} else {
			bad(where, "unknown record '" + f[0] + "' (want meta or run)");
		}
	}
	if (in.bad())
		throw InputError(source + ": read error");
	return b;
}

Boot read_raw_file(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		throw InputError(path + ": cannot open");
	return parse_raw(f, path);
}

} // namespace pvblk::bench
