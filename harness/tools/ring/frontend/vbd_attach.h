// SPDX-License-Identifier: GPL-2.0-only
//
// Attaching a VBD to dom0 itself the way "xl block-attach 0" does, with
// this process as the frontend: the backend and frontend xenstore
// directories (physical-device written here, as the hotplug script
// would), feature negotiation, one shared ring and event channel per
// queue, and the teardown (frontend Closing then Closed, wait for the
// backend, remove every node) in the destructor - on exit, on error and
// on SIGINT alike.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xenio/event_channel.h"
#include "xenio/grant_pool.h"
#include "xenio/xenstore_client.h"

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

struct AttachConfig {
	std::string dev;		 // the physical device, e.g. /dev/ram0
	unsigned int devid = 0;		 // virtual-device number; 0 picks a free one
	bool read_only = false;		 // mode "r"
	bool persistent = true;		 // feature-persistent we offer
	unsigned int ring_order = 0;	 // ring-page-order we ask for
	unsigned int queues = 1;	 // multi-queue-num-queues we ask for
	unsigned int indirect = 0;	 // indirect segments we want (0: none)
	bool clamp = true;		 // clamp to the backend's maxima
	unsigned int timeout_ms = 30000; // each xenstore handshake step
	bool verbose = false;
};

struct Negotiated {
	bool persistent = false;
	unsigned int ring_order = 0;
	unsigned int queues = 1;
	unsigned int indirect_segs = 0; // 0: INDIRECT not available
	uint64_t sectors = 0;		// 512-byte sectors
	unsigned int sector_size = 512;
	unsigned int info = 0;
	bool flush = false, barrier = false, discard = false;
	std::string driver; // the backend driver bound ("pvblkback", "vbd")
};

struct RingQueue {
	std::unique_ptr<SharedPages> pages;
	uint32_t port = 0;
};

class Vbd {
public:
	Vbd(XenStore &xs, GrantSharer &gs, EventChannels &ev, const AttachConfig &cfg);
	~Vbd();
	Vbd(const Vbd &) = delete;
	Vbd &operator=(const Vbd &) = delete;

	// Grant the rings, bind the channels, publish, wait for Connected.
	void connect();
	// Teardown now (the destructor does it too); returns false and says
	// why on stderr when the backend did not close in time. @closed, when
	// given, runs once the backend is Closed (or did not get there),
	// while the rings are still shared: the last answers can be read.
	bool close(const std::function<void()> &closed = {});

	unsigned int devid() const { return devid_; }
	const std::string &fe_path() const { return fe_; }
	const std::string &be_path() const { return be_; }
	const Negotiated &neg() const { return neg_; }
	pvblk_abi abi() const { return PVBLK_ABI_X86_64; }
	std::vector<RingQueue> &queues() { return queues_; }
	// The backend's statistics/ files now, and as read just before
	// teardown (empty when the backend has none).
	std::map<std::string, int64_t> backend_stats() const;
	const std::map<std::string, int64_t> &final_stats() const { return final_stats_; }
	std::string backend_error() const;

private:
	void create_nodes(const AttachConfig &cfg);
	void wait_backend_state(const std::vector<int> &want, const char *what);
	int backend_state() const;

	XenStore &xs_;
	GrantSharer &gs_;
	EventChannels &ev_;
	AttachConfig cfg_;
	unsigned int devid_ = 0;
	std::string fe_, be_;
	bool created_ = false;
	Negotiated neg_;
	std::vector<RingQueue> queues_;
	std::map<std::string, int64_t> final_stats_;
};

// The kernel-style name of a virtual-device number (51712 -> "xvda").
std::string vdev_name(unsigned int devid);

} // namespace pvblk::ring
