// SPDX-License-Identifier: GPL-2.0-only
//
// The commands' behaviour that needs no Xen: --help on every subcommand,
// bad options, the clear refusal outside a Xen dom0, convert on good and
// malformed files, virtual-device names.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "attack/attacks.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "frontend/vbd_attach.h"
#include "trace/trace_format.h"
#include "xenio/xen_env.h"

using namespace pvblk::ring;

namespace {

bool in_dom0()
{
	return read_small_file("/proc/xen/capabilities").find("control_d") != std::string::npos;
}

// Runs @fn with stdout captured.
template <typename F> std::string captured(F fn)
{
	std::stringstream buf;
	auto *old = std::cout.rdbuf(buf.rdbuf());

	try {
		fn();
	} catch (...) {
		std::cout.rdbuf(old);
		throw;
	}
	std::cout.rdbuf(old);
	return buf.str();
}

} // namespace

TEST(Commands, HelpEverywhere)
{
	int (*cmds[])(const Args &) = { cmd_convert, cmd_generate, cmd_replay,
					cmd_record,  cmd_attack,   cmd_attach };

	for (auto *c : cmds) {
		int rc = -1;
		std::string out = captured([&] { rc = c({ "--help" }); });

		EXPECT_EQ(rc, kExitOk);
		EXPECT_EQ(out.rfind("Usage: pvblk-ring ", 0), 0u) << out;
		EXPECT_NE(out.find("--help"), std::string::npos);
	}
}

TEST(Commands, AttackList)
{
	int rc = -1;
	std::string out = captured([&] { rc = cmd_attack({ "--list" }); });

	EXPECT_EQ(rc, kExitOk);
	// every catalogued attack is listed, the teardown ones included
	for (const Attack &a : attack_table())
		EXPECT_NE(out.find(std::string("  ") + a.name + ": "), std::string::npos) << a.name;
	EXPECT_NE(out.find("  close-under-discards: "), std::string::npos) << out;
	EXPECT_NE(out.find("  teardown-inflight: "), std::string::npos) << out;
}

TEST(Commands, BadOptions)
{
	EXPECT_THROW(cmd_generate({ "--dev", "/dev/ram0", "--rw", "sideways" }), UsageError);
	EXPECT_THROW(cmd_generate({ "--dev", "/dev/ram0", "--bs", "1000" }), UsageError);
	EXPECT_THROW(cmd_generate({ "--dev", "/dev/ram0", "--grants", "some" }), UsageError);
	EXPECT_THROW(cmd_generate({ "--dev", "/dev/ram0", "--persistent", "2" }), UsageError);
	EXPECT_THROW(cmd_generate({ "--rw", "read" }), UsageError);	// no --dev
	EXPECT_THROW(cmd_replay({ "--dev", "/dev/ram0" }), UsageError); // no --trace
	EXPECT_THROW(cmd_attack({ "--dev", "/dev/ram0", "no-such-attack" }), UsageError);
	EXPECT_THROW(cmd_attack({ "--dev", "/dev/ram0" }), UsageError);
	EXPECT_THROW(cmd_record({}), UsageError);
	EXPECT_THROW(cmd_convert({ "only-one" }), UsageError);
}

TEST(Commands, RefusesOutsideDom0)
{
	if (in_dom0()) {
		EXPECT_NO_THROW(require_dom0());
		return;
	}
	try {
		require_dom0();
		FAIL() << "require_dom0() accepted a machine that is not a Xen dom0";
	} catch (const EnvError &e) {
		EXPECT_NE(std::string(e.what()).find("dom0"), std::string::npos) << e.what();
	}
	EXPECT_THROW(cmd_generate({ "--dev", "/dev/null", "--count", "1" }), EnvError);
	EXPECT_THROW(cmd_attack({ "--dev", "/dev/null", "bad-op" }), EnvError);
	EXPECT_THROW(cmd_record({ "--out", "/tmp/x" }), EnvError);
}

TEST(Commands, ConvertFiles)
{
	char dir[] = "/tmp/pvblk-conv-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	std::string d = dir, txt = d + "/a.txt", bin = d + "/a.bin", back = d + "/b.txt";
	{
		std::ofstream f(txt);
		f << "# pvblk-trace text v1\n"
		     "t=1 lat=2 q=0 id=3 op=read sector=8 nsect=0 status=0 flags=0 segs=0:0-7\n"
		     "t=5 lat=2 q=1 id=4 op=write sector=16 nsect=0 status=-1 flags=1 segs=1:0-7,0:2-3\n";
	}
	captured([&] { EXPECT_EQ(cmd_convert({ txt, bin }), kExitOk); });
	EXPECT_TRUE(pvblk::trace::is_binary_file(bin));
	captured([&] { EXPECT_EQ(cmd_convert({ bin, back }), kExitOk); });
	std::ifstream a(txt), b(back);
	std::stringstream sa, sb;
	sa << a.rdbuf();
	sb << b.rdbuf();
	EXPECT_EQ(sa.str(), sb.str());
	{
		std::ofstream f(d + "/bad.txt");
		f << "# pvblk-trace text v1\nt=1 lat=2 q=0 id=3 op=reed\n";
	}
	try {
		cmd_convert({ d + "/bad.txt", d + "/x" });
		FAIL() << "malformed input accepted";
	} catch (const pvblk::trace::FormatError &e) {
		EXPECT_EQ(e.offset(), 22u + 22u); // the header line, then "t=1 ... op="
	}
	for (const char *f : { "a.txt", "a.bin", "b.txt", "bad.txt" })
		unlink((d + "/" + f).c_str());
	rmdir(dir);
}

TEST(Commands, VdevNames)
{
	EXPECT_EQ(vdev_name(51712), "xvda");
	EXPECT_EQ(vdev_name(51712 + 8 * 16), "xvdi");
	EXPECT_EQ(vdev_name(51712 + 15 * 16), "xvdp");
	EXPECT_EQ(vdev_name(1u << 28 | 16u << 8), "xvdq");
	EXPECT_EQ(vdev_name(1u << 28 | 26u << 8), "xvdaa");
	EXPECT_EQ(vdev_name(768), "vbd768");
}
