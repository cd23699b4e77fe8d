// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring: a userspace blkif frontend in dom0, and a hostile backend for
// guests (Documentation/harness.rst).
#include <cstring>
#include <iostream>

#include "pvblk/version.h"

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "trace/trace_format.h"

using namespace pvblk::ring;

namespace {

struct Sub {
	const char *name;
	int (*fn)(const Args &);
	const char *what;
};

const Sub kSubs[] = {
	{ "generate", cmd_generate, "attach a VBD and run a synthetic workload" },
	{ "replay", cmd_replay, "attach a VBD and run a trace against it" },
	{ "record", cmd_record, "record pvblkback's ring traffic from its tracepoints" },
	{ "attack", cmd_attack, "attach a VBD and send requests no honest frontend sends" },
	{ "attach", cmd_attach, "attach a VBD, print what was negotiated, tear it down" },
	{ "convert", cmd_convert, "convert a trace between binary and text" },
	{ "backend", cmd_backend, "serve a guest's frontend as an honest or hostile backend" },
};

void top_usage(std::ostream &o)
{
	o << "Usage: pvblk-ring SUBCOMMAND [OPTIONS]   (pvblk-ring SUBCOMMAND --help)\n"
	     "       pvblk-ring --version\n\n";
	for (const auto &s : kSubs)
		o << "  " << s.name << std::string(10 - strlen(s.name), ' ') << s.what << "\n";
	o << "\nExit codes: 0 ok, 1 run failed, 2 usage, 3 environment (not a Xen dom0,\n"
	     "Xen or backend trouble), 4 malformed input, 130 interrupted.\n";
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		top_usage(std::cerr);
		return kExitUsage;
	}
	std::string name = argv[1];

	if (name == "--help" || name == "-h" || name == "help") {
		top_usage(std::cout);
		return kExitOk;
	}
	if (name == "--version") {
		std::cout << "pvblk-ring " PVBLK_VERSION "\n";
		return kExitOk;
	}
	Args args(argv + 2, argv + argc);

	for (const auto &s : kSubs) {
		if (name != s.name)
			continue;
		try {
			return s.fn(args);
		} catch (const Interrupted &) {
			std::cerr << "pvblk-ring " << name << ": interrupted; torn down\n";
			return kExitInterrupted;
		} catch (const UsageError &e) {
			std::cerr << "pvblk-ring " << name << ": " << e.what()
				  << " (see pvblk-ring " << name << " --help)\n";
			return kExitUsage;
		} catch (const EnvError &e) {
			std::cerr << "pvblk-ring " << name << ": " << e.what() << "\n";
			return kExitEnv;
		} catch (const pvblk::trace::FormatError &e) {
			std::cerr << "pvblk-ring " << name << ": malformed trace: " << e.what()
				  << "\n";
			return kExitBadInput;
		} catch (const std::exception &e) {
			std::cerr << "pvblk-ring " << name << ": " << e.what() << "\n";
			return kExitFailed;
		}
	}
	std::cerr << "pvblk-ring: unknown subcommand '" << name << "' (see pvblk-ring --help)\n";
	return kExitUsage;
}
