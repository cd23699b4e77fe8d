// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring backend: a blkif backend for a running guest's frontend,
// honest or hostile by a named script (hostile_script.h), with a JSON
// report of what the frontend did.
#include <unistd.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "backend/hostile_backend.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/report.h"
#include "cmd/signals.h"
#include "xenio/event_channel.h"
#include "xenio/grant_map.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

namespace {

void list_cases(std::ostream &o)
{
	for (const auto &c : hostile_cases())
		o << c.name << ' ' << outcome_names(c.allowed) << ' ' << c.does << "\n";
}

std::string report_json(const HostileConfig &cfg, const HostileResult &r)
{
	std::ostringstream o;
	auto b = [](bool v) { return v ? "true" : "false"; };

	o << std::fixed << std::setprecision(3);
	o << "{\n";
	o << "  \"case\": " << json_string(cfg.script.name()) << ",\n";
	o << "  \"allowed\": " << json_string(outcome_names(cfg.script.info->allowed)) << ",\n";
	o << "  \"domid\": " << cfg.domid << ",\n";
	o << "  \"devid\": " << cfg.devid << ",\n";
	o << "  \"end\": " << json_string(r.end) << ",\n";
	o << "  \"front_states\": " << json_string(r.states) << ",\n";
	o << "  \"front_error\": " << json_string(r.front_error) << ",\n";
	o << "  \"refused\": " << b(r.refused) << ",\n";
	o << "  \"reconnected\": " << b(r.reconnected) << ",\n";
	o << "  \"front_closed\": " << b(r.front_closed) << ",\n";
	o << "  \"ring_broken\": " << b(r.ring_broken) << ",\n";
	o << "  \"connections\": " << r.connections << ",\n";
	o << "  \"queues\": " << r.queues << ",\n";
	o << "  \"ring_order\": " << r.ring_order << ",\n";
	o << "  \"front_persistent\": " << b(r.front_persistent) << ",\n";
	o << "  \"requests\": " << r.requests << ",\n";
	o << "  \"responses\": " << r.responses << ",\n";
	o << "  \"io_errors\": " << r.io_errors << ",\n";
	o << "  \"misbehaved\": " << r.misbehaved << ",\n";
	o << "  \"held\": " << r.held << ",\n";
	o << "  \"mapped_at_close\": " << r.mapped_at_close << ",\n";
	o << "  \"close_seconds\": " << r.close_seconds << ",\n";
	o << "  \"seconds\": " << r.seconds << ",\n";
	o << "  \"notes\": [";
	for (size_t i = 0; i < r.notes.size(); i++)
		o << (i ? ", " : "") << json_string(r.notes[i]);
	o << "]\n}\n";
	return o.str();
}

} // namespace

int cmd_backend(const Args &args)
{
	static const std::vector<OptSpec> spec = {
		{ "domid", "D", "the guest whose frontend is served (required)" },
		{ "dev", "PATH", "block device or file the disk is backed by (required)" },
		{ "vdev", "NAME", "the guest's disk name", "xvdc" },
		{ "script", "CASE[:K=V,...]",
		  "what to do: a case of --list, with keys after=N, "
		  "give-up=S, hold=S, reconnect-wait=S",
		  "none" },
		{ "until-file", "FILE", "finish the teardown (remove the nodes) once FILE exists" },
		{ "release-timeout", "S", "longest wait for --until-file", "300" },
		{ "timeout", "S", "limit of each handshake step", "30" },
		{ "json", "FILE", "write the report as JSON" },
		{ "list", nullptr, "list the cases: name, what the guest may see, what it does" },
		{ "verbose", nullptr, "say what happens on stderr" },
	};
	Options o(spec, args);

	if (o.help()) {
		std::cout << usage(
			"backend --domid D --dev PATH [--vdev xvdc] [--script CASE] [OPTIONS]",
			"Serve a vbd to guest D's frontend from dom0 (a backend type no kernel\n"
			"driver serves), honestly (none) or misbehaving as CASE says, then\n"
			"close it and remove its nodes.",
			spec);
		return kExitOk;
	}
	if (o.has("list")) {
		list_cases(std::cout);
		return kExitOk;
	}
	HostileConfig cfg;

	if (!o.has("domid") || !o.has("dev"))
		throw UsageError("--domid and --dev are required");
	cfg.domid = static_cast<uint32_t>(o.u64("domid", 1, 32767));
	cfg.dev = o.str("dev");
	cfg.devid = vdev_number(o.str("vdev"));
	cfg.script = parse_hostile_script(o.str("script"));
	cfg.until_file = o.str("until-file");
	cfg.release_timeout = o.real("release-timeout", 0, 86400);
	cfg.timeout_ms = static_cast<unsigned int>(o.real("timeout", 1, 3600) * 1000);
	cfg.verbose = o.has("verbose");

	if (read_small_file("/proc/xen/capabilities").find("control_d") == std::string::npos)
		throw EnvError("not a Xen dom0 (/proc/xen/capabilities lacks control_d)");
	install_signal_handlers();
	XenStore xs;
	GrantTable gt;
	EventChannels ev;
	HostileResult res;
	int rc = kExitOk;
	{
		HostileBackend hb(xs, gt, ev, cfg);

		try {
			hb.run();
		} catch (const Interrupted &) {
			rc = kExitInterrupted;
		}
		res = hb.result();
	}
	std::cout << "backend " << cfg.script.name() << ": " << res.end << "; frontend states "
		  << res.states << "; " << res.requests << " requests, " << res.responses
		  << " responses, " << res.misbehaved << " misbehaved, " << res.held << " held"
		  << (res.refused ? "; frontend refused" : "")
		  << (res.reconnected ? "; frontend reconnected" : "")
		  << (res.front_error.empty() ? "" : "; frontend error: " + res.front_error)
		  << "\n";
	for (const auto &n : res.notes)
		std::cout << "  " << n << "\n";
	if (o.has("json")) {
		std::ofstream f(o.str("json"));

		f << report_json(cfg, res);
		if (!f)
			throw EnvError("cannot write " + o.str("json"));
	}
	if (rc != kExitOk)
		return rc;
	if (!res.front_closed) {
		std::cerr
			<< "pvblk-ring backend: the frontend did not reach Closed after the backend "
			   "closed\n";
		return kExitFailed;
	}
	if (res.ring_broken) {
		std::cerr << "pvblk-ring backend: the frontend published an impossible req_prod\n";
		return kExitFailed;
	}
	return kExitOk;
}

} // namespace pvblk::ring
