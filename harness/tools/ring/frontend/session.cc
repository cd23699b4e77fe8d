// SPDX-License-Identifier: GPL-2.0-only
//
// Session setup and the shared attach options; see session.h.
#include "frontend/session.h"

#include <fstream>

#include "xenio/xen_env.h"

namespace pvblk::ring {

Session::Session(const AttachConfig &cfg)
{
	require_dom0();
	gs = std::make_unique<GrantSharer>();
	ev = std::make_unique<EventChannels>();
	xs = std::make_unique<XenStore>();
	vbd = std::make_unique<Vbd>(*xs, *gs, *ev, cfg);
	vbd->connect();
}

std::vector<OptSpec> with_attach_options(std::vector<OptSpec> spec)
{
	static const OptSpec common[] = {
		{ "devid", "N", "virtual-device number", "a free one from xvdi" },
		{ "persistent", "0|1", "offer feature-persistent", "1" },
		{ "indirect", "N", "indirect segments wanted (0: none)", "0" },
		{ "ring-order", "N", "ring-page-order asked for", "0" },
		{ "queues", "N", "multi-queue-num-queues asked for", "1" },
		{ "read-only", nullptr, "attach with mode r" },
		{ "timeout", "SECONDS", "limit of each xenstore handshake step", "30" },
		{ "verbose", nullptr, "say what is attached" },
	};

	spec.insert(spec.end(), std::begin(common), std::end(common));
	return spec;
}

AttachConfig attach_config(const Options &o)
{
	AttachConfig c;

	c.dev = o.str("dev");
	if (c.dev.empty())
		throw UsageError("--dev is required");
	if (o.has("devid"))
		c.devid = static_cast<unsigned int>(o.u64("devid", 1, 0xffffffffu));
	c.persistent = o.u64("persistent", 0, 1) != 0;
	c.indirect = static_cast<unsigned int>(o.u64("indirect", 0, PVBLK_MAX_INDIRECT_SEGS));
	c.ring_order = static_cast<unsigned int>(o.u64("ring-order", 0, PVBLK_MAX_RING_ORDER));
	c.queues = static_cast<unsigned int>(o.u64("queues", 1, 64));
	c.read_only = o.has("read-only");
	c.timeout_ms = static_cast<unsigned int>(o.u64("timeout", 1, 3600) * 1000);
	c.verbose = o.has("verbose");
	return c;
}

void describe(const Session &s, Report &rep)
{
	const Negotiated &n = s.vbd->neg();

	rep.info["backend"] = n.driver;
	rep.info["vbd"] = vdev_name(s.vbd->devid());
	rep.extra["devid"] = s.vbd->devid();
	rep.extra["persistent"] = n.persistent;
	rep.extra["ring_order"] = n.ring_order;
	rep.extra["queues"] = n.queues;
	rep.extra["indirect_segs"] = n.indirect_segs;
	rep.extra["sectors"] = static_cast<double>(n.sectors);
	rep.extra["grants_shared_total"] = static_cast<double>(s.gs->shared_total());
	rep.extra["notifies"] = static_cast<double>(s.ev->notifies());
}

void write_json(const std::string &path, const Report &rep)
{
	std::ofstream f(path, std::ios::trunc);

	if (!f)
		throw std::runtime_error("cannot create " + path);
	f << rep.json();
	if (!f.flush())
		throw std::runtime_error("writing " + path + " failed");
}

} // namespace pvblk::ring
