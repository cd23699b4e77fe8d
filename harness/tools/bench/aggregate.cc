// SPDX-License-Identifier: GPL-2.0-only
// Grouping, completeness checks, medians, spreads and ratios (aggregate.h).
#include "aggregate.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace pvblk::bench {

namespace {

double quantile(const std::vector<double> &sorted, double q)
{
	const double pos = q * static_cast<double>(sorted.size() - 1);
	const auto lo = static_cast<std::size_t>(pos);
	const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
	const double frac = pos - static_cast<double>(lo);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

std::vector<std::string> words(const std::string &s)
{
	std::istringstream in(s);
	std::vector<std::string> w;
	for (std::string x; in >> x;)
		w.push_back(x);
	return w;
}

using Key = std::tuple<int, std::string, int, int>; // vcpus driver persistent guests

int driver_rank(const std::string &d)
{
	const auto &k = known_drivers();
	return static_cast<int>(std::find(k.begin(), k.end(), d) - k.begin());
}

// Configured driver pairs of one boot, the replay ones included.
std::vector<std::string> configured_drivers(const Boot &b, int &replay)
{
	std::vector<std::string> d;
	replay = b.need_int("replay", 0);
	for (const auto &w : words(b.need("drivers"))) {
		if (w != "pvblk" && w != "stock")
			throw InputError(b.source + ": meta drivers: unknown driver pair '" + w +
					 "'");
		d.push_back(w);
	}
	if (d.empty())
		throw InputError(b.source + ": meta drivers is empty");
	if (replay > 0) {
		const auto n = d.size();
		for (std::size_t i = 0; i < n; i++)
			d.push_back("ring-" + d[i]);
	}
	return d;
}

std::vector<int> configured_modes(const Boot &b)
{
	std::vector<int> m;
	for (const auto &w : words(b.need("modes"))) {
		if (w != "0" && w != "1")
			throw InputError(b.source + ": meta modes: '" + w + "' is not 0 or 1");
		m.push_back(w == "1");
	}
	if (m.empty())
		throw InputError(b.source + ": meta modes is empty");
	return m;
}

} // namespace

Spread summarize(std::vector<double> v)
{
	if (v.empty())
		throw std::invalid_argument("summarize: no values");
	std::sort(v.begin(), v.end());
	Spread s;
	s.min = v.front();
	s.max = v.back();
	s.median = quantile(v, 0.5);
	s.q1 = quantile(v, 0.25);
	s.q3 = quantile(v, 0.75);
	return s;
}

std::string frontend_of(const std::string &driver)
{
	if (driver == "pvblk")
		return "pvblkfront";
	if (driver == "stock")
		return "xen-blkfront";
	return "pvblk-ring";
}

std::string backend_of(const std::string &driver)
{
	return (driver == "pvblk" || driver == "ring-pvblk") ? "pvblkback" : "xen-blkback";
}

Report aggregate(std::vector<Boot> boots)
{
	if (boots.empty())
		throw InputError("no raw result files given");
	Report rep;
	std::map<int, std::string> seen_vcpus;
	std::map<Key, std::map<int, Run>> groups;
	for (const auto &b : boots) {
		const int v = b.need_int("dom0_vcpus", 1);
		if (auto [it, fresh] = seen_vcpus.emplace(v, b.source); !fresh)
			throw InputError(b.source + ": dom0 vCPUs " + std::to_string(v) +
					 " already measured by " + it->second);
		(void)b.need("platform");
		int replay = 0;
		const auto drivers = configured_drivers(b, replay);
		const auto modes = configured_modes(b);
		const int guests = b.need_int("guests", 1);
		const int repeat = b.need_int("repeat", 1);
		for (const auto &s : b.samples) {
			const std::string what = b.source + ": " + s.driver +
						 " persistent=" + std::to_string(s.persistent) +
						 " guests=" + std::to_string(s.guests) +
						 " repeat " + std::to_string(s.repeat);
			if (s.vcpus != v)
				throw InputError(what + ": dom0 vCPUs " + std::to_string(s.vcpus) +
						 " in a boot of " + std::to_string(v));
			if (std::find(drivers.begin(), drivers.end(), s.driver) == drivers.end())
				throw InputError(what +
						 ": driver pair not configured in this boot");
			Run &r = groups[{ v, s.driver, s.persistent, s.guests }][s.repeat];
			r.repeat = s.repeat;
			if (!r.units.emplace(s.unit, s.iops).second)
				throw InputError(what + ": frontend " + s.unit + " reported twice");
			r.iops += s.iops;
		}
		// No sample outside the configuration.
		for (const auto &s : b.samples) {
			const int kmax = s.driver.starts_with("ring-") ? replay : guests;
			if (s.guests > kmax || s.repeat > repeat ||
			    std::find(modes.begin(), modes.end(), s.persistent) == modes.end())
				throw InputError(b.source + ": " + s.driver +
						 " persistent=" + std::to_string(s.persistent) +
						 " guests=" + std::to_string(s.guests) +
						 " repeat " + std::to_string(s.repeat) +
						 ": outside the configured sweep");
		}
		// Every configured point and repeat present, each with all its frontends.
		for (const auto &d : drivers) {
			const int kmax = d.starts_with("ring-") ? replay : guests;
			for (int m : modes)
				for (int k = 1; k <= kmax; k++) {
					const std::string what = b.source + ": " + d +
								 " persistent=" +
								 std::to_string(m) +
								 " guests=" + std::to_string(k);
					auto g = groups.find({ v, d, m, k });
					for (int r = 1; r <= repeat; r++) {
						if (g == groups.end() || !g->second.count(r))
							throw InputError(what + ": repeat " +
									 std::to_string(r) +
									 " missing");
						const auto n = g->second.at(r).units.size();
						if (n != static_cast<std::size_t>(k))
							throw InputError(what + ": repeat " +
									 std::to_string(r) +
									 " has " +
									 std::to_string(n) +
									 " frontend(s), want " +
									 std::to_string(k));
					}
					if (g->second.size() != static_cast<std::size_t>(repeat))
						throw InputError(what + ": " +
								 std::to_string(g->second.size()) +
								 " repeats, configured " +
								 std::to_string(repeat));
				}
		}
	}
	rep.emulated = false;
	for (const auto &b : boots)
		if (b.need("platform") != "host")
			rep.emulated = true;

	for (auto &[key, runs] : groups) {
		Point p;
		std::tie(p.vcpus, p.driver, p.persistent, p.guests) = key;
		std::vector<double> v;
		for (auto &[r, run] : runs) {
			v.push_back(run.iops);
			p.runs.push_back(std::move(run));
		}
		p.stats = summarize(v);
		rep.points.push_back(std::move(p));
	}
	auto find = [&](int vc, const std::string &d, int m, int k) -> const Point * {
		for (const auto &p : rep.points)
			if (p.vcpus == vc && p.driver == d && p.persistent == m && p.guests == k)
				return &p;
		return nullptr;
	};
	for (auto &p : rep.points) {
		if (const Point *o = find(p.vcpus, p.driver, 1 - p.persistent, p.guests))
			p.persistent_ratio = p.persistent ? p.stats.median / o->stats.median
							  : o->stats.median / p.stats.median;
		std::string peer;
		if (p.driver == "pvblk")
			peer = "stock";
		else if (p.driver == "ring-pvblk")
			peer = "ring-stock";
		if (!peer.empty())
			if (const Point *o = find(p.vcpus, peer, p.persistent, p.guests))
				p.pvblk_stock_ratio = p.stats.median / o->stats.median;
	}
	std::sort(rep.points.begin(), rep.points.end(), [](const Point &a, const Point &b) {
		return std::tuple(a.vcpus, driver_rank(a.driver), a.guests, -a.persistent) <
		       std::tuple(b.vcpus, driver_rank(b.driver), b.guests, -b.persistent);
	});
	std::sort(boots.begin(), boots.end(), [](const Boot &a, const Boot &b) {
		return a.need_int("dom0_vcpus", 1) < b.need_int("dom0_vcpus", 1);
	});
	rep.boots = std::move(boots);
	return rep;
}

} // namespace pvblk::bench
