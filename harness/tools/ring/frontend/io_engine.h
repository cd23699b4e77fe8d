// SPDX-License-Identifier: GPL-2.0-only
//
// The ring I/O engine: keeps up to iodepth requests in flight over the
// VBD's queues, with data pages from a fixed pool (a caching frontend),
// fresh grants per request (a non-persistent one) or a trace's grant
// slots, optional pattern verification, and a trace of what it did.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/report.h"
#include "frontend/front_ring.h"
#include "frontend/vbd_attach.h"
#include "trace/trace_format.h"
#include "xenio/grant_pool.h"

namespace pvblk::ring {

enum class GrantPolicy { Pool, Fresh };

// One request to make: READ/WRITE (data), FLUSH_DISKCACHE, DISCARD.
struct IoOp {
	uint8_t op = PVBLK_OP_READ;
	uint64_t sector = 0;
	uint64_t nr_sectors = 0;	  // READ/WRITE without segs, DISCARD
	std::vector<trace::Segment> segs; // replay: grant slots and bounds
	int queue = -1;			  // -1: the engine chooses
	uint64_t t_ns = 0;		  // paced replay: submit at this offset
	bool generated = false;		  // carries the --verify pattern
};

class IoSource {
public:
	virtual ~IoSource() = default;
	virtual bool next(IoOp &op) = 0;
};

struct EngineConfig {
	std::string name = "run";
	unsigned int iodepth = 32;
	GrantPolicy policy = GrantPolicy::Pool;
	uint32_t max_bytes = 4096;	 // largest generated request
	unsigned int slots = 0;		 // replay: distinct grant slots
	unsigned int max_trace_segs = 0; // replay: largest request in segments
	bool verify = false;
	uint64_t tag = 1;     // pattern run tag
	double runtime_s = 0; // 0: until the source ends
	bool paced = false;
	std::string stop_file; // stop issuing once this file exists
	bool record = false;   // keep a trace of the run
	bool progress = true;
	unsigned int stall_s = 30;
};

class IoEngine {
public:
	IoEngine(Vbd &vbd, GrantSharer &gs, EventChannels &ev, const EngineConfig &cfg);
	~IoEngine();
	// Run @src to its end (or the runtime); throws on a broken backend
	// (stalled, answers an id not in flight, index beyond the ring).
	Report run(IoSource &src);
	EngineConfig &config() { return cfg_; }
	const std::vector<trace::Record> &recorded() const { return trace_; }

private:
	struct Tag;
	void submit(unsigned int t, IoOp &&op);
	void complete(const Response &r);
	unsigned int pick_queue(const IoOp &op, unsigned int tag) const;

	Vbd &vbd_;
	GrantSharer &gs_;
	EventChannels &ev_;
	EngineConfig cfg_;
	std::vector<FrontRing> rings_;
	std::vector<Tag> tags_;
	std::unique_ptr<SharedPages> pool_, ind_pool_, slot_pool_;
	unsigned int pages_per_tag_ = 0, ind_per_tag_ = 0;
	uint64_t fresh_slot_ = 0;
	uint64_t start_ns_ = 0;
	unsigned int inflight_ = 0;
	Report rep_;
	std::vector<trace::Record> trace_;
	std::vector<bool> dirty_;
	uint64_t verify_reported_ = 0;
	std::vector<bool> ind_used_; // indirect pool pages ever sent
	uint64_t ind_uses_ = 0;
};

uint64_t now_ns();

} // namespace pvblk::ring
