// SPDX-License-Identifier: GPL-2.0-only
// Unit tests of pvblk-bench-report: the raw-file parser, the aggregation
// (median, spread, ratios, completeness) and the CSV/JSON/table writers.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "aggregate.h"
#include "raw.h"
#include "write.h"

using namespace pvblk::bench;

namespace {

// The meta block of one boot: VCPUS dom0 vCPUs, guests 1..GUESTS, REPEAT
// repeats, both driver pairs, both modes, no replay.
std::string meta(int vcpus, int guests, int repeat, int replay = 0,
		 const std::string &platform = "qemu-tcg")
{
	std::ostringstream o;
	o << "meta\tplatform\t" << platform << "\n"
	  << "meta\tkernel\t6.1.0-57-amd64\n"
	  << "meta\txen\t4.17.5\n"
	  << "meta\tdom0_vcpus\t" << vcpus << "\n"
	  << "meta\tguests\t" << guests << "\n"
	  << "meta\trepeat\t" << repeat << "\n"
	  << "meta\tdrivers\tpvblk stock\n"
	  << "meta\tmodes\t1 0\n"
	  << "meta\treplay\t" << replay << "\n";
	return o.str();
}

std::string run(int vcpus, const std::string &drv, int p, int k, int r, const std::string &unit,
		double iops)
{
	std::ostringstream o;
	o << "run\t" << vcpus << '\t' << drv << '\t' << p << '\t' << k << '\t' << r << '\t' << unit
	  << '\t' << iops << '\n';
	return o.str();
}

// Every point of a boot; a guest's IOPS is BASE(driver, mode) * guest index + repeat.
std::string full_boot(int vcpus, int guests, int repeat)
{
	std::string s = meta(vcpus, guests, repeat);
	for (const std::string d : { "pvblk", "stock" })
		for (int p : { 1, 0 })
			for (int k = 1; k <= guests; k++)
				for (int r = 1; r <= repeat; r++)
					for (int u = 1; u <= k; u++) {
						double base = (d == "pvblk" ? 1000 : 800) *
							      (p ? 2 : 1);
						s += run(vcpus, d, p, k, r, "g" + std::to_string(u),
							 base * u + r);
					}
	return s;
}

Boot parse(const std::string &text, const std::string &name = "raw.tsv")
{
	std::istringstream in(text);
	return parse_raw(in, name);
}

std::string error_of(const std::string &text)
{
	try {
		aggregate({ parse(text) });
	} catch (const InputError &e) {
		return e.what();
	}
	return "";
}

const Point &point(const Report &r, int v, const std::string &d, int p, int k)
{
	for (const auto &x : r.points)
		if (x.vcpus == v && x.driver == d && x.persistent == p && x.guests == k)
			return x;
	throw std::runtime_error("no such point");
}

} // namespace

TEST(Summarize, OddCountMedianAndQuartiles)
{
	auto s = summarize({ 5, 1, 3 });
	EXPECT_DOUBLE_EQ(s.median, 3);
	EXPECT_DOUBLE_EQ(s.min, 1);
	EXPECT_DOUBLE_EQ(s.max, 5);
	EXPECT_DOUBLE_EQ(s.q1, 2);
	EXPECT_DOUBLE_EQ(s.q3, 4);
	EXPECT_DOUBLE_EQ(s.iqr(), 2);
}

TEST(Summarize, EvenCountInterpolates)
{
	auto s = summarize({ 4, 1, 3, 2 });
	EXPECT_DOUBLE_EQ(s.median, 2.5);
	EXPECT_DOUBLE_EQ(s.q1, 1.75);
	EXPECT_DOUBLE_EQ(s.q3, 3.25);
}

TEST(Summarize, SingleValueHasNoSpread)
{
	auto s = summarize({ 7 });
	EXPECT_DOUBLE_EQ(s.median, 7);
	EXPECT_DOUBLE_EQ(s.min, 7);
	EXPECT_DOUBLE_EQ(s.max, 7);
	EXPECT_DOUBLE_EQ(s.iqr(), 0);
}

TEST(Summarize, EmptyThrows)
{
	EXPECT_THROW(summarize({}), std::invalid_argument);
}

TEST(Parse, ReadsMetaAndRuns)
{
	auto b = parse(meta(2, 1, 1) + "\n" + run(2, "stock", 0, 1, 1, "g1", 1234.5));
	EXPECT_EQ(b.need("kernel"), "6.1.0-57-amd64");
	ASSERT_EQ(b.samples.size(), 1u);
	EXPECT_EQ(b.samples[0].driver, "stock");
	EXPECT_EQ(b.samples[0].persistent, 0);
	EXPECT_EQ(b.samples[0].unit, "g1");
	EXPECT_DOUBLE_EQ(b.samples[0].iops, 1234.5);
}

TEST(Parse, ErrorsNameTheLine)
{
	auto err = [](const std::string &text) {
		try {
			parse(text, "f.tsv");
		} catch (const InputError &e) {
			return std::string(e.what());
		}
		return std::string();
	};
	EXPECT_EQ(err("meta\ta\tb\nrun\t1\tpvblk\t1\t1\t1\tg1\n"),
		  "f.tsv:2: a run line needs 8 tab-separated fields (run VCPUS DRIVER PERSISTENT "
		  "GUESTS REPEAT UNIT IOPS), got 7");
	EXPECT_EQ(err("\n\nrun\t1\tpvblk\t1\t1\t1\tg1\tfast\n"),
		  "f.tsv:3: IOPS 'fast' is not a number");
	EXPECT_EQ(err("run\t1\tpvblk\t1\t1\t1\tg1\t0\n"),
		  "f.tsv:1: IOPS 0 is not positive (a run that moved no data)");
	EXPECT_EQ(err("run\t1\tpvblk\t1\t1\t1\tg1\t1e999\n"),
		  "f.tsv:1: IOPS '1e999' is not a number");
	EXPECT_EQ(err("run\t1\tvirtio\t1\t1\t1\tg1\t5\n"),
		  "f.tsv:1: unknown driver pair 'virtio' (pvblk, stock, ring-pvblk, ring-stock)");
	EXPECT_EQ(err("run\t1\tpvblk\t2\t1\t1\tg1\t5\n"),
		  "f.tsv:1: persistent 2 is out of range 0..1");
	EXPECT_EQ(err("run\tx\tpvblk\t1\t1\t1\tg1\t5\n"),
		  "f.tsv:1: vCPU count 'x' is not a whole number");
	EXPECT_EQ(err("meta\tk\tv\nmeta\tk\tw\n"), "f.tsv:2: meta k given twice");
	EXPECT_EQ(err("iops 5\n"), "f.tsv:1: unknown record 'iops 5' (want meta or run)");
}

TEST(Aggregate, SumsFrontendsAndTakesMedians)
{
	auto rep = aggregate({ parse(full_boot(1, 2, 3)) });
	ASSERT_EQ(rep.points.size(), 2u * 2 * 2);
	const auto &p = point(rep, 1, "pvblk", 1, 2);
	// guests g1, g2: 2000*1 + r + 2000*2 + r = 6000 + 2r; r = 1..3
	ASSERT_EQ(p.runs.size(), 3u);
	EXPECT_DOUBLE_EQ(p.runs[0].iops, 6002);
	EXPECT_DOUBLE_EQ(p.stats.median, 6004);
	EXPECT_DOUBLE_EQ(p.stats.min, 6002);
	EXPECT_DOUBLE_EQ(p.stats.max, 6006);
	EXPECT_EQ(p.runs[1].units.size(), 2u);
	EXPECT_TRUE(rep.emulated);
}

TEST(Aggregate, RatiosComeFromTheSameBoot)
{
	auto rep = aggregate({ parse(full_boot(2, 1, 1)), parse(full_boot(1, 1, 1), "b.tsv") });
	const auto &pv = point(rep, 2, "pvblk", 1, 1);	// 2001
	const auto &pvn = point(rep, 2, "pvblk", 0, 1); // 1001
	const auto &st = point(rep, 2, "stock", 1, 1);	// 1601
	ASSERT_TRUE(pv.persistent_ratio);
	EXPECT_DOUBLE_EQ(*pv.persistent_ratio, 2001.0 / 1001.0);
	EXPECT_DOUBLE_EQ(*pvn.persistent_ratio, 2001.0 / 1001.0);
	ASSERT_TRUE(pv.pvblk_stock_ratio);
	EXPECT_DOUBLE_EQ(*pv.pvblk_stock_ratio, 2001.0 / 1601.0);
	EXPECT_FALSE(st.pvblk_stock_ratio);
	// sorted by dom0 vCPUs, boots too
	EXPECT_EQ(rep.points.front().vcpus, 1);
	EXPECT_EQ(rep.boots.front().source, "b.tsv");
}

TEST(Aggregate, MissingRepeatIsAnError)
{
	std::string t = full_boot(1, 2, 2);
	// drop the stock non-persistent guests=2 repeat 2 lines
	std::string cut;
	std::istringstream in(t);
	for (std::string l; std::getline(in, l);)
		if (l.rfind("run\t1\tstock\t0\t2\t2\t", 0) != 0)
			cut += l + "\n";
	EXPECT_EQ(error_of(cut), "raw.tsv: stock persistent=0 guests=2: repeat 2 missing");
}

TEST(Aggregate, MissingFrontendIsAnError)
{
	std::string t = full_boot(1, 2, 1);
	auto pos = t.find(run(1, "pvblk", 1, 2, 1, "g2", 4001));
	ASSERT_NE(pos, std::string::npos);
	t.erase(pos, run(1, "pvblk", 1, 2, 1, "g2", 4001).size());
	EXPECT_EQ(error_of(t),
		  "raw.tsv: pvblk persistent=1 guests=2: repeat 1 has 1 frontend(s), want 2");
}

TEST(Aggregate, DuplicateFrontendIsAnError)
{
	std::string t = full_boot(1, 1, 1) + run(1, "pvblk", 1, 1, 1, "g1", 5);
	EXPECT_EQ(error_of(t),
		  "raw.tsv: pvblk persistent=1 guests=1 repeat 1: frontend g1 reported twice");
}

TEST(Aggregate, SampleOutsideTheSweepIsAnError)
{
	std::string t = full_boot(1, 1, 1) + run(1, "pvblk", 1, 1, 2, "g1", 5);
	EXPECT_EQ(error_of(t),
		  "raw.tsv: pvblk persistent=1 guests=1 repeat 2: outside the configured sweep");
	t = full_boot(1, 1, 1) + run(1, "ring-pvblk", 1, 1, 1, "ring0", 5);
	EXPECT_EQ(
		error_of(t),
		"raw.tsv: ring-pvblk persistent=1 guests=1 repeat 1: driver pair not configured in this boot");
}

TEST(Aggregate, ReplayPointsRequiredWhenConfigured)
{
	std::string t = full_boot(1, 1, 1);
	t.replace(t.find("replay\t0"), 8, "replay\t1");
	EXPECT_EQ(error_of(t), "raw.tsv: ring-pvblk persistent=1 guests=1: repeat 1 missing");
	for (const std::string d : { "ring-pvblk", "ring-stock" })
		for (int p : { 1, 0 })
			t += run(1, d, p, 1, 1, "ring0", d == "ring-pvblk" ? 300 : 200);
	auto rep = aggregate({ parse(t) });
	ASSERT_TRUE(point(rep, 1, "ring-pvblk", 0, 1).pvblk_stock_ratio);
	EXPECT_DOUBLE_EQ(*point(rep, 1, "ring-pvblk", 0, 1).pvblk_stock_ratio, 1.5);
}

TEST(Aggregate, ConfigurationProblems)
{
	EXPECT_EQ(error_of(run(1, "pvblk", 1, 1, 1, "g1", 5)),
		  "raw.tsv: no 'meta dom0_vcpus' line");
	std::string t = full_boot(1, 1, 1);
	t.replace(t.find("guests\t1"), 8, "guests\tx");
	EXPECT_EQ(error_of(t), "raw.tsv: meta guests: value 'x' is not a whole number");
	try {
		aggregate({ parse(full_boot(1, 1, 1), "a"), parse(full_boot(1, 1, 1), "b") });
		FAIL() << "two boots of 1 vCPU accepted";
	} catch (const InputError &e) {
		EXPECT_STREQ(e.what(), "b: dom0 vCPUs 1 already measured by a");
	}
	EXPECT_THROW(aggregate({}), InputError);
}

TEST(Aggregate, HostRunIsNotEmulated)
{
	std::string t = full_boot(1, 1, 1);
	t.replace(t.find("qemu-tcg"), 8, "host");
	EXPECT_FALSE(aggregate({ parse(t) }).emulated);
}

TEST(Writers, CsvHasPlainHeaderAndEveryPoint)
{
	auto rep = aggregate({ parse(full_boot(1, 2, 3)) });
	std::ostringstream o;
	write_csv(o, rep);
	std::istringstream in(o.str());
	std::string header, row;
	std::getline(in, header);
	EXPECT_EQ(o.str().find('#'), std::string::npos) << "no comment line in a CSV";
	EXPECT_EQ(
		header.rfind(
			"dom0_vcpus,driver,frontend,backend,persistent,guests,repeats,median_iops,",
			0),
		0u);
	int rows = 0;
	while (std::getline(in, row))
		rows++;
	EXPECT_EQ(rows, 8);
	// pvblk persistent guests=2: median 6004, runs 6002;6004;6006, ratio vs stock 6004/4804
	EXPECT_NE(
		o.str().find(
			"1,pvblk,pvblkfront,pvblkback,1,2,3,6004.0,6002.0,6006.0,6003.0,6005.0,2.0,"
			"1.999,1.250,6002.0;6004.0;6006.0\n"),
		std::string::npos)
		<< o.str();
}

TEST(Writers, JsonCarriesConfigVersionsAndRawRuns)
{
	auto rep = aggregate({ parse(full_boot(1, 1, 2)) });
	std::ostringstream o;
	write_json(o, rep);
	const std::string j = o.str();
	EXPECT_NE(j.find("\"note\": \"software-emulated: absolute numbers meaningless"),
		  std::string::npos);
	EXPECT_NE(j.find("\"kernel\": \"6.1.0-57-amd64\", \"xen\": \"4.17.5\""), std::string::npos);
	EXPECT_NE(
		j.find("\"runs\": [{\"repeat\": 1, \"iops\": 2001.0, \"frontends\": {\"g1\": 2001.0}}, "
		       "{\"repeat\": 2, \"iops\": 2002.0, \"frontends\": {\"g1\": 2002.0}}]"),
		std::string::npos)
		<< j;
	EXPECT_NE(j.find("\"pvblk_stock_ratio\": null"), std::string::npos);
	// balanced brackets outside strings
	int depth = 0;
	bool in_str = false;
	for (std::size_t i = 0; i < j.size(); i++) {
		char c = j[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			ASSERT_GT(depth, 0);
			depth--;
		}
	}
	EXPECT_EQ(depth, 0);
	EXPECT_FALSE(in_str);
}

TEST(Writers, JsonStringEscapes)
{
	EXPECT_EQ(json_string("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
}

TEST(Writers, TableAndPlotScript)
{
	auto rep = aggregate({ parse(full_boot(1, 1, 1)), parse(full_boot(2, 1, 1), "b") });
	std::ostringstream t, g;
	write_table(t, rep);
	EXPECT_EQ(t.str().rfind(std::string("NOTE: ") + emulation_note, 0), 0u);
	EXPECT_NE(t.str().find("    1      1 pvblk"), std::string::npos) << t.str();
	EXPECT_NE(t.str().find("2001 [2001-2001]"), std::string::npos) << t.str();
	write_gnuplot(g, rep);
	const std::string s = g.str();
	EXPECT_NE(s.find("set output 'iops-vs-guests.png'"), std::string::npos);
	EXPECT_NE(s.find("set output 'iops-vs-vcpus.png'"), std::string::npos);
	EXPECT_NE(s.find("set multiplot layout 1,2"), std::string::npos);
	EXPECT_NE(s.find("$g_2_stock_0 << EOD\n1 801.0 801.0 801.0\nEOD\n"), std::string::npos)
		<< s;
	EXPECT_NE(
		s.find("$v_1_pvblk_1 << EOD\n1 2001.0 2001.0 2001.0\n2 2001.0 2001.0 2001.0\nEOD\n"),
		std::string::npos)
		<< s;
	EXPECT_NE(s.find("software-emulated"), std::string::npos);
}
