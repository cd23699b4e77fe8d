// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring attack: attach a VBD and send what no honest frontend
// sends, one attach per attack (attack/attacks.h), checking the
// backend's answer.
#include <fstream>
#include <iostream>
#include <sstream>

#include "attack/attacker.h"
#include "attack/attacks.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/report.h"
#include "cmd/signals.h"
#include "frontend/session.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

int cmd_attack(const Args &args)
{
	static const std::vector<OptSpec> spec = with_attach_options({
		{ "dev", "PATH", "the block device the backend serves (required)" },
		{ "list", nullptr, "list the attacks and what a correct backend does" },
		{ "json", "FILE", "write the verdicts as JSON" },
	});
	Options o(spec, args);

	if (o.help() || o.has("list")) {
		if (o.help())
			std::cout
				<< usage("attack [OPTIONS] NAME...|all",
					 "Attach a VBD per attack and misbehave; each attack checks the\n"
					 "backend's answer. Exit 0 when every answer was correct, 1 if not.",
					 spec)
				<< "\nAttacks:\n";
		for (const Attack &a : attack_table())
			std::cout << "  " << a.name << ": " << a.what << "; expect " << a.expect
				  << "\n";
		return kExitOk;
	}
	std::vector<std::string> names = o.positional();
	if (names.empty())
		throw UsageError("name an attack, or all (see --list)");
	std::vector<const Attack *> attacks;
	if (names.size() == 1 && names[0] == "all") {
		for (const Attack &a : attack_table())
			attacks.push_back(&a);
	} else {
		for (const auto &nm : names) {
			const Attack *a = find_attack(nm);
			if (!a)
				throw UsageError("unknown attack '" + nm + "' (see --list)");
			attacks.push_back(a);
		}
	}
	AttachConfig base = attach_config(o);
	require_dom0(); // refuse before trying anything
	if (!o.has("indirect"))
		base.indirect = PVBLK_MAX_INDIRECT_SEGS;
	install_signal_handlers();
	unsigned int failed = 0;
	std::ostringstream js;

	js << "{\n  \"attacks\": [";
	for (size_t i = 0; i < attacks.size(); i++) {
		const Attack &atk = *attacks[i];
		AttachConfig ac = base;
		ac.read_only |= atk.read_only;
		AttackResult r;
		bool clean = false;
		try {
			Session s(ac);
			Attacker attacker(s);
			r = atk.run(attacker);
			clean = s.vbd->close();
		} catch (const Interrupted &) {
			throw;
		} catch (const UsageError &) {
			throw;
		} catch (const std::exception &e) {
			r.pass = false;
			r.detail = std::string("error: ") + e.what();
		}
		if (!clean) {
			r.pass = false;
			r.detail += "; teardown not clean";
		}
		failed += !r.pass;
		std::cout << "attack " << atk.name << ": " << (r.pass ? "PASS" : "FAIL") << " - "
			  << r.detail << "\n"
			  << std::flush;
		js << (i ? "," : "") << "\n    {\"name\": " << json_string(atk.name)
		   << ", \"pass\": " << (r.pass ? "true" : "false")
		   << ", \"detail\": " << json_string(r.detail) << "}";
	}
	js << "\n  ],\n  \"failed\": " << failed << "\n}\n";
	if (o.has("json")) {
		std::ofstream f(o.str("json"));
		f << js.str();
	}
	std::cout << "attack: " << attacks.size() - failed << " of " << attacks.size()
		  << " passed\n";
	return failed ? kExitFailed : kExitOk;
}

} // namespace pvblk::ring
