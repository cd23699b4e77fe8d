// SPDX-License-Identifier: GPL-2.0-only
//
// One attached VBD with everything it needs, declared so that
// destruction runs in the safe order: the VBD's teardown first (backend
// Closed, nodes removed, ring grants ended), then the engine's data
// grants, then xenstore, event channels and the gntalloc handle.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/cli.h"
#include "cmd/report.h"
#include "frontend/io_engine.h"
#include "frontend/vbd_attach.h"
#include "xenio/event_channel.h"
#include "xenio/grant_pool.h"
#include "xenio/xenstore_client.h"

namespace pvblk::ring {

struct Session {
	explicit Session(const AttachConfig &cfg); // require_dom0, attach, connect

	std::unique_ptr<GrantSharer> gs;
	std::unique_ptr<EventChannels> ev;
	std::unique_ptr<XenStore> xs;
	std::optional<IoEngine> engine; // emplaced by the command
	std::unique_ptr<Vbd> vbd;	// destroyed first
};

// @spec plus the options every attaching command takes.
std::vector<OptSpec> with_attach_options(std::vector<OptSpec> spec);
AttachConfig attach_config(const Options &o);

// Negotiated values into @rep.
void describe(const Session &s, Report &rep);
void write_json(const std::string &path, const Report &rep);

} // namespace pvblk::ring
