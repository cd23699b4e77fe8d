// SPDX-License-Identifier: GPL-2.0-only
// Aggregation of the benchmark's raw samples into points: per point (dom0
// vCPUs, driver pair, persistent mode, guest count) the aggregate IOPS of
// each repeat (the sum over its concurrent frontends), their median and
// spread, and ratio columns computed between points of the same boot.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "raw.h"

namespace pvblk::bench {

struct Spread {
	double median = 0, min = 0, max = 0, q1 = 0, q3 = 0;
	double iqr() const { return q3 - q1; }
};

// Median, min/max and quartiles (linear interpolation between order
// statistics). Throws std::invalid_argument on an empty list.
Spread summarize(std::vector<double> v);

struct Run {
	int repeat = 0;
	double iops = 0;		     // sum over the units
	std::map<std::string, double> units; // each frontend's IOPS
};

struct Point {
	int vcpus = 0;
	std::string driver;
	int persistent = 0;
	int guests = 0;
	std::vector<Run> runs; // by repeat
	Spread stats;
	// median(persistent) / median(non-persistent), same vcpus/driver/guests
	std::optional<double> persistent_ratio;
	// median(pvblk) / median(stock) (ring-pvblk / ring-stock), same
	// vcpus/mode/guests; on the pvblk rows only
	std::optional<double> pvblk_stock_ratio;
};

struct Report {
	std::vector<Boot> boots; // sorted by dom0 vCPUs
	std::vector<Point> points;
	bool emulated = true; // any boot ran on the QEMU rig
};

// Groups, checks and summarizes. Throws InputError when a boot lacks its
// configuration, two boots share a vCPU count, a run has the wrong number
// of frontends (or one twice), or a configured point or repeat is missing.
Report aggregate(std::vector<Boot> boots);

// The frontend and backend a driver pair names.
std::string frontend_of(const std::string &driver);
std::string backend_of(const std::string &driver);

} // namespace pvblk::bench
