// SPDX-License-Identifier: GPL-2.0-only
// CSV, JSON, table and gnuplot writers of the benchmark report (write.h).
#include "write.h"

#include <cstdio>
#include <iomanip>
#include <set>
#include <sstream>

namespace pvblk::bench {

const char *const emulation_note =
	"software-emulated: absolute numbers meaningless (Xen under QEMU TCG); "
	"compare configurations only within one dom0 vCPU count";

namespace {

std::string num(double v, int prec)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.*f", prec, v);
	return buf;
}

std::string opt(const std::optional<double> &v)
{
	return v ? num(*v, 3) : "";
}

std::string mode_name(int persistent)
{
	return persistent ? "persistent" : "non-persistent";
}

const Point *find(const Report &r, int vcpus, const std::string &d, int m, int k)
{
	for (const auto &p : r.points)
		if (p.vcpus == vcpus && p.driver == d && p.persistent == m && p.guests == k)
			return &p;
	return nullptr;
}

std::string note_of(const Report &r)
{
	return r.emulated ? emulation_note : "measured on a real Xen host (--host)";
}

} // namespace

std::string json_string(const std::string &s)
{
	std::string o = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"':
			o += "\\\"";
			break;
		case '\\':
			o += "\\\\";
			break;
		case '\n':
			o += "\\n";
			break;
		case '\t':
			o += "\\t";
			break;
		case '\r':
			o += "\\r";
			break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				o += buf;
			} else {
				o += static_cast<char>(c);
			}
		}
	}
	return o + "\"";
}

// A plain CSV: the header is the first line, as CSV readers expect; the
// note (emulated or real host) is in the JSON.
void write_csv(std::ostream &out, const Report &r)
{
	out << "dom0_vcpus,driver,frontend,backend,persistent,guests,repeats,median_iops,"
	       "min_iops,max_iops,q1_iops,q3_iops,iqr_iops,persistent_ratio,pvblk_stock_ratio,"
	       "runs_iops\n";
	for (const auto &p : r.points) {
		out << p.vcpus << ',' << p.driver << ',' << frontend_of(p.driver) << ','
		    << backend_of(p.driver) << ',' << p.persistent << ',' << p.guests << ','
		    << p.runs.size() << ',' << num(p.stats.median, 1) << ',' << num(p.stats.min, 1)
		    << ',' << num(p.stats.max, 1) << ',' << num(p.stats.q1, 1) << ','
		    << num(p.stats.q3, 1) << ',' << num(p.stats.iqr(), 1) << ','
		    << opt(p.persistent_ratio) << ',' << opt(p.pvblk_stock_ratio) << ',';
		for (std::size_t i = 0; i < p.runs.size(); i++)
			out << (i ? ";" : "") << num(p.runs[i].iops, 1);
		out << '\n';
	}
}

void write_json(std::ostream &out, const Report &r)
{
	out << "{\n  \"note\": " << json_string(note_of(r)) << ",\n";
	out << "  \"software_emulated\": " << (r.emulated ? "true" : "false") << ",\n";
	out << "  \"boots\": [";
	for (std::size_t i = 0; i < r.boots.size(); i++) {
		const auto &b = r.boots[i];
		out << (i ? "," : "") << "\n    {\"source\": " << json_string(b.source)
		    << ", \"dom0_vcpus\": " << b.need_int("dom0_vcpus", 1)
		    << ", \"kernel\": " << json_string(b.need("kernel"))
		    << ", \"xen\": " << json_string(b.need("xen")) << ",\n     \"config\": {";
		bool first = true;
		for (const auto &[k, v] : b.meta) {
			out << (first ? "" : ", ") << json_string(k) << ": " << json_string(v);
			first = false;
		}
		out << "}}";
	}
	out << "\n  ],\n  \"points\": [";
	for (std::size_t i = 0; i < r.points.size(); i++) {
		const auto &p = r.points[i];
		out << (i ? "," : "") << "\n    {\"dom0_vcpus\": " << p.vcpus
		    << ", \"driver\": " << json_string(p.driver)
		    << ", \"frontend\": " << json_string(frontend_of(p.driver))
		    << ", \"backend\": " << json_string(backend_of(p.driver))
		    << ", \"persistent\": " << p.persistent << ", \"guests\": " << p.guests
		    << ",\n     \"median_iops\": " << num(p.stats.median, 1)
		    << ", \"min_iops\": " << num(p.stats.min, 1)
		    << ", \"max_iops\": " << num(p.stats.max, 1)
		    << ", \"q1_iops\": " << num(p.stats.q1, 1)
		    << ", \"q3_iops\": " << num(p.stats.q3, 1) << ", \"persistent_ratio\": "
		    << (p.persistent_ratio ? num(*p.persistent_ratio, 4) : "null")
		    << ", \"pvblk_stock_ratio\": "
		    << (p.pvblk_stock_ratio ? num(*p.pvblk_stock_ratio, 4) : "null")
		    << ",\n     \"runs\": [";
		for (std::size_t j = 0; j < p.runs.size(); j++) {
			const auto &run = p.runs[j];
			out << (j ? ", " : "") << "{\"repeat\": " << run.repeat
			    << ", \"iops\": " << num(run.iops, 1) << ", \"frontends\": {";
			bool first = true;
			for (const auto &[u, v] : run.units) {
				out << (first ? "" : ", ") << json_string(u) << ": " << num(v, 1);
				first = false;
			}
			out << "}}";
		}
		out << "]}";
	}
	out << "\n  ]\n}\n";
}

void write_table(std::ostream &out, const Report &r)
{
	out << "NOTE: " << note_of(r) << "\n";
	out << "IOPS: median of the repeats [min-max], summed over the concurrent frontends.\n";
	out << "p/np: persistent / non-persistent median; vs stock: pvblk / stock median, same mode.\n\n";
	char line[256];
	std::snprintf(line, sizeof(line), "%5s %6s %-10s %26s %26s %6s %9s %9s\n", "vCPUs",
		      "guests", "driver", "persistent IOPS", "non-persistent IOPS", "p/np",
		      "vs stock p", "vs stock np");
	out << line;
	std::set<std::tuple<int, std::string, int>> done;
	for (const auto &p : r.points) {
		if (!done.emplace(p.vcpus, p.driver, p.guests).second)
			continue;
		const Point *ps = find(r, p.vcpus, p.driver, 1, p.guests);
		const Point *np = find(r, p.vcpus, p.driver, 0, p.guests);
		auto cell = [](const Point *x) {
			if (!x)
				return std::string("-");
			return num(x->stats.median, 0) + " [" + num(x->stats.min, 0) + "-" +
			       num(x->stats.max, 0) + "]";
		};
		const Point *any = ps ? ps : np;
		auto ratio = [](const Point *x) {
			return x && x->pvblk_stock_ratio ? num(*x->pvblk_stock_ratio, 2)
							 : std::string("-");
		};
		std::snprintf(line, sizeof(line), "%5d %6d %-10s %26s %26s %6s %9s %9s\n", p.vcpus,
			      p.guests, p.driver.c_str(), cell(ps).c_str(), cell(np).c_str(),
			      any->persistent_ratio ? num(*any->persistent_ratio, 2).c_str() : "-",
			      ratio(ps).c_str(), ratio(np).c_str());
		out << line;
	}
}

void write_gnuplot(std::ostream &out, const Report &r)
{
	std::set<int> vcpus, guests;
	std::set<std::pair<int, std::string>> lines; // (driver rank, driver)
	for (const auto &p : r.points) {
		vcpus.insert(p.vcpus);
		if (!p.driver.starts_with("ring-"))
			guests.insert(p.guests);
	}
	std::vector<std::string> drivers;
	for (const auto &d : known_drivers())
		for (const auto &p : r.points)
			if (p.driver == d) {
				drivers.push_back(d);
				break;
			}
	const std::string note = note_of(r);
	out << "# SPDX-License-Identifier: GPL-2.0-only\n";
	out << "# Generated by pvblk-bench-report. " << note << "\n";
	out << "# Run in the output directory: gnuplot bench.gp\n";
	// One datablock per (vcpus, driver, mode): guests median min max.
	for (int v : vcpus)
		for (const auto &d : drivers)
			for (int m : { 1, 0 }) {
				out << "$g_" << v << "_"
				    << (d.starts_with("ring-") ? "ring_" + d.substr(5) : d) << "_"
				    << m << " << EOD\n";
				for (const auto &p : r.points)
					if (p.vcpus == v && p.driver == d && p.persistent == m)
						out << p.guests << ' ' << num(p.stats.median, 1)
						    << ' ' << num(p.stats.min, 1) << ' '
						    << num(p.stats.max, 1) << '\n';
				out << "EOD\n";
			}
	// And per (guests, driver, mode): vcpus median min max.
	for (int k : guests)
		for (const auto &d : drivers)
			for (int m : { 1, 0 }) {
				out << "$v_" << k << "_"
				    << (d.starts_with("ring-") ? "ring_" + d.substr(5) : d) << "_"
				    << m << " << EOD\n";
				for (const auto &p : r.points)
					if (p.guests == k && p.driver == d && p.persistent == m)
						out << p.vcpus << ' ' << num(p.stats.median, 1)
						    << ' ' << num(p.stats.min, 1) << ' '
						    << num(p.stats.max, 1) << '\n';
				out << "EOD\n";
			}
	auto block = [](const std::string &d) {
		return d.starts_with("ring-") ? "ring_" + d.substr(5) : d;
	};
	auto label = [](const std::string &d, int m) {
		std::string f = d.starts_with("ring-") ? "pvblk-ring + " + backend_of(d)
				: d == "pvblk"	       ? "pvblkfront + pvblkback"
						       : "xen-blkfront + xen-blkback";
		return f + ", " + mode_name(m);
	};
	auto style = [&](const std::string &d, int m) {
		// colour by driver pair, dashes by mode
		int colour = 1;
		for (std::size_t i = 0; i < drivers.size(); i++)
			if (drivers[i] == d)
				colour = static_cast<int>(i) + 1;
		return " lc " + std::to_string(colour) + " dt " + (m ? "1" : "2") + " pt " +
		       (m ? "7" : "6") + " lw 2";
	};
	auto plot_lines = [&](const std::string &prefix, int sel, bool guest_axis) {
		out << "plot ";
		bool first = true;
		for (const auto &d : drivers) {
			if (!guest_axis && d.starts_with("ring-"))
				continue;
			for (int m : { 1, 0 }) {
				out << (first ? "" : ", \\\n     ") << "$" << prefix << sel << "_"
				    << block(d) << "_" << m
				    << " using 1:2:3:4 with yerrorlines title "
				    << json_string(label(d, m)) << style(d, m);
				first = false;
			}
		}
		out << "\n";
	};
	const int nv = static_cast<int>(vcpus.size());
	out << "set terminal pngcairo size " << 760 * nv << ",680 font 'sans,9'\n";
	out << "set output 'iops-vs-guests.png'\n";
	out << "set multiplot layout 1," << nv << " title "
	    << json_string("Aggregate 4 KiB random-read IOPS vs concurrent guests\n" + note)
	    << " noenhanced\n";
	// Guests and userspace frontends differ by an order of magnitude: a
	// log scale keeps both readable, and the key sits below the plots.
	out << "set key below noenhanced box\nset grid\nset logscale y\n"
	       "set xlabel 'concurrent guests (replay: pvblk-ring frontends)'\n"
	       "set ylabel 'aggregate IOPS, log scale (median, min-max bars)'\nset xtics 1\n"
	       "set offsets 0.2, 0.2, 0, 0\n";
	for (int v : vcpus) {
		out << "set title 'dom0 vCPUs: " << v << "'\n";
		plot_lines("g_", v, true);
	}
	out << "unset multiplot\n";
	const int ng = static_cast<int>(guests.size());
	out << "set terminal pngcairo size " << 640 * ng << ",680 font 'sans,9'\n";
	out << "set output 'iops-vs-vcpus.png'\n";
	out << "set multiplot layout 1," << ng << " title "
	    << json_string("Aggregate 4 KiB random-read IOPS vs dom0 vCPUs\n" + note)
	    << " noenhanced\n";
	out << "set xlabel 'dom0 vCPUs'\n";
	for (int k : guests) {
		out << "set title '" << k << " guest(s)'\n";
		plot_lines("v_", k, false);
	}
	out << "unset multiplot\nunset output\n";
}

} // namespace pvblk::bench
