// SPDX-License-Identifier: GPL-2.0-only
//
// One line of tracefs output (trace_pipe) from pvblkback's tracepoints
// (blkback/trace.h), parsed strictly: pvblkback_req_start (a request and
// its first segments), pvblkback_req_segs (more of its segments) and
// pvblkback_req_done (its response). Documentation/trace-format.rst
// gives the line format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pvblk::ring {

// A malformed pvblkback line (or events that contradict each other):
// "line N, column C: what" (column 1-based; left out when 0).
class TpFormatError : public std::runtime_error {
public:
	TpFormatError(uint64_t line, size_t column, const std::string &what);
	uint64_t line() const { return line_; }
	size_t column() const { return column_; }

private:
	uint64_t line_;
	size_t column_;
};

// One segment as the backend mapped it: grant reference and the first
// and last 512-byte sector used in its page (0 <= first <= last <= 7).
struct TpSeg {
	uint32_t gref = 0;
	uint8_t first = 0;
	uint8_t last = 7;
	bool operator==(const TpSeg &) const = default;
};

enum class TpKind { Start, Segs, Done };

struct TpEvent {
	TpKind kind = TpKind::Start;
	uint64_t line = 0; // where it was read (for errors)
	uint64_t ts_ns = 0;
	unsigned int dom = 0, vbd = 0, ring = 0;
	uint64_t id = 0;
	unsigned int op = 0;	      // start: request op; done: response op
	unsigned int indirect_op = 0; // start
	uint64_t sector = 0;	      // start, done
	uint64_t nr_sectors = 0;      // start
	unsigned int nseg = 0;	      // start, done: the request's segment count
	unsigned int at = 0;	      // start (0), segs: index of segs[0] in the request
	std::vector<TpSeg> segs;      // start, segs: this event's segments
	int status = 0;		      // done
};

// Parse line @lineno of tracefs output: nullopt for comments, empty lines
// and other events' lines; throws TpFormatError for a pvblkback line
// that is not exactly in the format (an unknown pvblkback event, a
// missing or misspelt field, a number out of its range or not written as
// the kernel writes it, a gref, first_sect or last_sect array whose
// length is not n, a segment with first > last or last > 7, trailing
// text, the earlier formats with "grefs {...}" or "segs gref:first-last").
std::optional<TpEvent> parse_tp_line(const std::string &line, uint64_t lineno = 0);

// trace_pipe's note that the kernel's per-CPU buffer overwrote events
// before they were read: "CPU:N [LOST M EVENTS]", or "CPU:N [LOST
// EVENTS]" when the kernel does not know how many (count is then
// nullopt).
struct TpLost {
	unsigned int cpu = 0;
	std::optional<uint64_t> count;
};

// nullopt unless @line begins "CPU:" and holds "[LOST"; such a line that
// is not exactly one of the two forms throws TpFormatError.
std::optional<TpLost> parse_lost_line(const std::string &line, uint64_t lineno = 0);

} // namespace pvblk::ring
