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

#include "cli.h"
#include "event_channel.h"
#include "grant_pool.h"
#include "io_engine.h"
#include "report.h"
#include "vbd_attach.h"
#include "xenstore_client.h"

namespace pvblk::ring {

struct Session {
	explicit Session(const AttachConfig &cfg);	// require_dom0, attach, connect

	std::unique_ptr<GrantSharer> gs;
	std::unique_ptr<EventChannels> ev;
	std::unique_ptr<XenStore> xs;
	std::optional<IoEngine> engine;	// emplaced by the command
	std::unique_ptr<Vbd> vbd;	// destroyed first
};

// @spec plus the options every attaching command takes.
std::vector<OptSpec> with_attach_options(std::vector<OptSpec> spec);
AttachConfig attach_config(const Options &o);

// Negotiated values into @rep.
void describe(const Session &s, Report &rep);
void write_json(const std::string &path, const Report &rep);

}	// namespace pvblk::ring
