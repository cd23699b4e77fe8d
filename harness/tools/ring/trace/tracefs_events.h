// SPDX-License-Identifier: GPL-2.0-only
//
// The recorder: pairs pvblkback's tracepoint events (tracepoint_line.h)
// into trace records, assembling each request's segments from its
// pvblkback_req_start and pvblkback_req_segs events, with grant
// references numbered into grant slots.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "trace/trace_format.h"
#include "trace/tracepoint_line.h"

namespace pvblk::ring {

class Recorder {
public:
	// Only events of domain @dom / vbd @vbd when given.
	Recorder(std::optional<unsigned int> dom, std::optional<unsigned int> vbd);
	// One line of trace_pipe output (lines are numbered from 1); throws
	// TpFormatError naming the line for a malformed pvblkback line.
	void feed_line(const std::string &line);
	// One parsed event. Throws TpFormatError (at e.line) when it
	// contradicts the request's other events: segments past its nseg or
	// given twice, a response whose nseg differs from the request's.
	void feed(const TpEvent &e);
	// Records completed so far, in submission order.
	std::vector<trace::Record> records() const;
	uint64_t lines() const { return lines_; }
	uint64_t events() const { return events_; }
	// Requests seen but not complete (no response or missing segments).
	uint64_t incomplete() const { return pending_.size(); }
	// Responses to requests that started before the recording.
	uint64_t unmatched() const { return unmatched_; }
	// trace_pipe's "[LOST ...]" notes: how many, and the events they
	// count (notes without a count add none).
	uint64_t lost_notes() const { return lost_notes_; }
	uint64_t lost_events() const { return lost_events_; }

private:
	using Key = std::tuple<unsigned int, unsigned int, unsigned int, uint64_t>;
	struct Pending {
		std::optional<TpEvent> start;
		std::vector<TpSeg> segs; // [start->nseg]
		std::vector<bool> have;
		unsigned int have_n = 0;
		std::vector<TpEvent> early; // pvblkback_req_segs before the start
		std::optional<TpEvent> done;
		std::vector<uint32_t> slots; // once every segment is known
	};
	void add_segs(Pending &p, const TpEvent &e);
	void finish_if_complete(const Key &k, Pending &p);

	std::optional<unsigned int> dom_, vbd_;
	std::map<Key, Pending> pending_;
	std::map<std::pair<uint64_t, uint32_t>, uint32_t> slot_of_; // (dom<<32|vbd, gref)
	uint32_t next_slot_ = 0;
	std::optional<uint64_t> t0_;
	std::vector<trace::Record> out_;
	uint64_t unmatched_ = 0, lines_ = 0, events_ = 0;
	uint64_t lost_notes_ = 0, lost_events_ = 0;
};

} // namespace pvblk::ring
