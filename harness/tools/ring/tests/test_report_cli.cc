// SPDX-License-Identifier: GPL-2.0-only
//
// Reports (percentiles, the JSON contract) and the option parser.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cmd/cli.h"
#include "cmd/report.h"

using namespace pvblk::ring;

TEST(Report, Percentiles)
{
	std::vector<uint64_t> v;

	for (uint64_t i = 1; i <= 1000; i++)
		v.push_back(i);
	EXPECT_EQ(percentile(v, 50), 500u);
	EXPECT_EQ(percentile(v, 99), 990u);
	EXPECT_EQ(percentile(v, 99.9), 999u);
	EXPECT_EQ(percentile(v, 100), 1000u);
	EXPECT_EQ(percentile({}, 50), 0u);
	EXPECT_EQ(percentile({ 7 }, 99.9), 7u);
}

TEST(Report, JsonContract)
{
	Report r;

	r.command = "generate";
	r.seconds = 2;
	r.requests = 1000;
	r.bytes = 4096000;
	r.errors = 1;
	for (uint64_t i = 0; i < 1000; i++)
		r.lat_ns.push_back(1000 - i);
	r.info["backend"] = "pv\"blk";
	r.finish();
	std::string j = r.json();

	EXPECT_NE(j.find("\"iops\": 500.000"), std::string::npos) << j;
	EXPECT_NE(j.find("\"bw_bytes\": 2048000.000"), std::string::npos);
	EXPECT_NE(j.find("\"requests\": 1000,"), std::string::npos);
	EXPECT_NE(j.find("\"errors\": 1,"), std::string::npos);
	EXPECT_NE(j.find("\"p50\": 500, \"p99\": 990, \"p99.9\": 999"), std::string::npos);
	EXPECT_NE(j.find("\"backend\": \"pv\\\"blk\""), std::string::npos);
	EXPECT_NE(r.text().find("iops 500"), std::string::npos);
}

TEST(Cli, Options)
{
	static const std::vector<OptSpec> spec = {
		{ "bs", "BYTES", "block size", "4096" },
		{ "verify", nullptr, "check data" },
		{ "dev", "PATH", "device" },
	};
	Options o(spec, { "--bs=8k", "--verify", "pos", "--dev", "/dev/ram0" });

	EXPECT_EQ(o.u64("bs", 512, 1 << 20), 8192u);
	EXPECT_TRUE(o.has("verify"));
	EXPECT_EQ(o.str("dev"), "/dev/ram0");
	EXPECT_EQ(o.positional(), std::vector<std::string>{ "pos" });
	Options d(spec, {});
	EXPECT_EQ(d.u64("bs", 512, 1 << 20), 4096u);
	EXPECT_THROW(d.u64("dev", 0, 1), UsageError); // required, absent
	EXPECT_THROW(Options(spec, { "--nope" }), UsageError);
	EXPECT_THROW(Options(spec, { "--dev" }), UsageError);
	EXPECT_THROW(Options(spec, { "--verify=1" }), UsageError);
	Options big(spec, { "--bs", "4x" });
	EXPECT_THROW(big.u64("bs", 0, 10), UsageError);
	Options range(spec, { "--bs", "2m" });
	EXPECT_THROW(range.u64("bs", 512, 1 << 20), UsageError);
	EXPECT_TRUE(Options(spec, { "--help" }).help());
	EXPECT_NE(usage("x", "y", spec).find("--bs BYTES"), std::string::npos);
}
