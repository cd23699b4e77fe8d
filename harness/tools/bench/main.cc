// SPDX-License-Identifier: GPL-2.0-only
// pvblk-bench-report: turn the benchmark's raw per-run results into
// bench.csv, bench.json, table.txt-style output on stdout and bench.gp.
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "pvblk/version.h"

#include "aggregate.h"
#include "raw.h"
#include "write.h"

namespace {

constexpr const char *usage_text =
	"usage: pvblk-bench-report --out DIR RAW.tsv...\n"
	"       pvblk-bench-report --help | --version\n"
	"\n"
	"Aggregates the IOPS-scaling benchmark's raw results (one file per boot,\n"
	"from scripts/bench/rig-sweep.sh: 'meta KEY VALUE' and 'run VCPUS DRIVER\n"
	"PERSISTENT GUESTS REPEAT UNIT IOPS' lines) into DIR/bench.csv,\n"
	"DIR/bench.json and DIR/bench.gp (run 'gnuplot bench.gp' in DIR for\n"
	"iops-vs-guests.png and iops-vs-vcpus.png), and prints the table.\n"
	"Per point: the median, min/max and quartiles of the repeats' aggregate\n"
	"IOPS; ratios persistent/non-persistent and pvblk/stock between points\n"
	"of the same boot. Every configured point and repeat must be present.\n"
	"\n"
	"Exit status: 0 report written; 1 malformed or incomplete input, or an\n"
	"output file cannot be written; 2 bad usage.\n";

void write_file(const std::filesystem::path &p,
		void (*fn)(std::ostream &, const pvblk::bench::Report &),
		const pvblk::bench::Report &r)
{
	std::ofstream f(p);
	if (f)
		fn(f, r);
	f.close();
	if (!f)
		throw std::runtime_error(p.string() + ": cannot write");
}

} // namespace

int main(int argc, char **argv)
{
	std::string out;
	std::vector<std::string> files;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "-h" || a == "--help") {
			std::cout << usage_text;
			return 0;
		} else if (a == "--version") {
			std::cout << "pvblk-bench-report " PVBLK_VERSION "\n";
			return 0;
		} else if (a == "--out") {
			if (i + 1 >= argc) {
				std::cerr << "pvblk-bench-report: --out needs a directory\n";
				return 2;
			}
			out = argv[++i];
		} else if (a.starts_with("-")) {
			std::cerr << "pvblk-bench-report: unknown option '" << a
				  << "' (see --help)\n";
			return 2;
		} else {
			files.push_back(a);
		}
	}
	if (out.empty() || files.empty()) {
		std::cerr
			<< "pvblk-bench-report: give --out DIR and at least one raw file (see --help)\n";
		return 2;
	}
	try {
		std::vector<pvblk::bench::Boot> boots;
		for (const auto &f : files)
			boots.push_back(pvblk::bench::read_raw_file(f));
		const auto rep = pvblk::bench::aggregate(std::move(boots));
		std::filesystem::create_directories(out);
		const std::filesystem::path dir(out);
		write_file(dir / "bench.csv", pvblk::bench::write_csv, rep);
		write_file(dir / "bench.json", pvblk::bench::write_json, rep);
		write_file(dir / "bench.gp", pvblk::bench::write_gnuplot, rep);
		pvblk::bench::write_table(std::cout, rep);
	} catch (const std::exception &e) {
		std::cerr << "pvblk-bench-report: error: " << e.what() << "\n";
		return 1;
	}
	return 0;
}
