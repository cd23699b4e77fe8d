// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring attach: attach, print what was negotiated (and the
// backend's view), optionally hold the VBD, then tear it down.
#include <unistd.h>

#include <iostream>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "frontend/session.h"

namespace pvblk::ring {

int cmd_attach(const Args &args)
{
	static const std::vector<OptSpec> spec = with_attach_options({
		{ "dev", "PATH", "the block device the backend serves (required)" },
		{ "hold", "SECONDS", "keep the VBD attached this long (SIGINT ends it)", "0" },
		{ "json", "FILE", "write what was negotiated as JSON" },
	});
	Options o(spec, args);

	if (o.help()) {
		std::cout << usage(
			"attach --dev PATH [OPTIONS]",
			"Attach a VBD over PATH with this process as its frontend, print\n"
			"the negotiated connection, hold it, then tear it down.",
			spec);
		return kExitOk;
	}
	AttachConfig ac = attach_config(o);
	double hold = o.real("hold", 0, 86400);

	install_signal_handlers();
	Session s(ac);
	Report rep;

	rep.command = "attach";
	const Negotiated &n = s.vbd->neg();
	std::cout << "attach: " << vdev_name(s.vbd->devid()) << " (" << s.vbd->devid() << ") via "
		  << (n.driver.empty() ? "?" : n.driver) << ": " << n.sectors << " sectors of "
		  << n.sector_size << " bytes, " << n.queues << " queue(s), ring order "
		  << n.ring_order << ", " << (n.persistent ? "persistent" : "non-persistent")
		  << " grants, " << n.indirect_segs << " indirect segments\n";
	for (double t = 0; t < hold && !interrupted(); t += 0.1)
		usleep(100000);
	bool clean = s.vbd->close();
	rep.backend = s.vbd->final_stats();
	describe(s, rep);
	rep.extra["teardown_clean"] = clean;
	if (o.has("json"))
		write_json(o.str("json"), rep);
	if (interrupted())
		return kExitInterrupted;
	return clean ? kExitOk : kExitFailed;
}

} // namespace pvblk::ring
