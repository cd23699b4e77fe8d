// SPDX-License-Identifier: GPL-2.0-only
//
// A blkif backend in dom0 for a running guest's frontend, serving a dom0
// block device or file and misbehaving as a HostileScript says.
//
// It is its own toolstack: it writes the backend directory under a
// backend type no kernel driver serves (/local/domain/0/backend/
// pvblk-hostile/<domid>/<devid>, dom0's, readable by the guest) and the
// guest's frontend directory (/local/domain/<domid>/device/vbd/<devid>,
// the guest's, readable by dom0), so the guest's vbd frontend probes it
// while neither xen-blkback nor pvblkback sees it. Rings are mapped with
// gntdev, data moves by grant copy (nothing of the guest stays mapped
// unless a case holds it), requests and responses go through the
// protocol core (core/wire.c, core/req_check.c).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/back_io.h"
#include "backend/back_ring.h"
#include "backend/hostile_script.h"
#include "xenio/event_channel.h"
#include "xenio/grant_map.h"
#include "xenio/xenstore_client.h"

namespace pvblk::ring {

struct HostileConfig {
	uint32_t domid = 0;
	std::string dev;	// block device or file served
	unsigned int devid = 0; // virtual-device number
	HostileScript script;
	std::string until_file;		       // teardown completes once this exists
	unsigned int timeout_ms = 30000;       // each handshake step
	unsigned int close_timeout_ms = 10000; // frontend's answer to Closing
	double release_timeout = 300;	       // s to wait for until_file
	bool verbose = false;
};

// What happened, for the report.
struct HostileResult {
	std::string states;			 // frontend states seen, e.g. "1 3 4 6"
	std::string front_error;		 // the guest's xenbus error node, if any
	std::string end;			 // why serving ended
	std::vector<std::string> notes;		 // one line per notable event
	unsigned int connections = 0;		 // rings mapped this many times
	bool refused = false;			 // frontend closed before connecting
	bool reconnected = false;		 // a second connection after a restart
	bool front_closed = true;		 // frontend reached Closed after our Closing
	double close_seconds = 0;		 // our Closing -> its Closed
	unsigned int queues = 0, ring_order = 0; // of the last connection
	bool front_persistent = false;
	uint64_t requests = 0, responses = 0, misbehaved = 0, held = 0;
	uint64_t io_errors = 0;	      // requests answered with an error
	uint64_t mapped_at_close = 0; // pages of the guest mapped at Closing
	bool ring_broken = false;     // the frontend's req_prod was insane
	double seconds = 0;
};

class HostileBackend {
public:
	HostileBackend(XenStore &xs, GrantTable &gt, EventChannels &ev, const HostileConfig &cfg);
	~HostileBackend(); // removes every node it wrote
	HostileBackend(const HostileBackend &) = delete;
	HostileBackend &operator=(const HostileBackend &) = delete;

	void run();
	const HostileResult &result() const { return res_; }
	const std::string &fe_path() const { return fe_; }
	const std::string &be_path() const { return be_; }

private:
	enum class End { Released, FrontClosed, GiveUp, Restart, CloseInflight, Broken };

	void create_nodes();
	void write_offer(unsigned int connection);
	int front_state();
	bool wait_front(const std::vector<int> &want, unsigned int ms, int *got);
	bool connect();
	void disconnect();
	End serve();
	bool serve_ring(BackRing &r, End *end);
	void handle(BackRing &r, const pvblk_req &q, End *end);
	void hold_grants(const pvblk_req &q);
	bool triggers(const pvblk_req &q) const;
	bool released() const;
	void close_handshake();
	void remove_nodes();
	void note(const std::string &s);

	XenStore &xs_;
	GrantTable &gt_;
	EventChannels &ev_;
	HostileConfig cfg_;
	const HostileScript &sc_;
	std::string fe_, be_;
	bool nodes_ = false;
	BackIo io_;
	BackOfferKeys offer_;
	unsigned int connection_ = 0;
	bool offered_again_ = false; // a refused reconnect was offered anew
	std::vector<std::unique_ptr<BackRing>> rings_;
	std::vector<std::unique_ptr<ForeignMapping>> held_maps_;
	std::vector<ForeignMapping *> scribble_; // held writable: a read's pages
	std::vector<pvblk_req> held_;
	unsigned int trig_seen_ = 0;
	bool armed_ = false;
	bool frozen_ = false; // rsp_prod left where a case put it
	std::chrono::steady_clock::time_point armed_at_;
	int last_state_ = -1;
	HostileResult res_;
};

} // namespace pvblk::ring
