// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring replay: attach a VBD and run a trace against it, as fast as
// possible at a queue depth or at the trace's own pace, each grant slot
// of the trace backed by one page granted for the whole run (so the
// backend sees the trace's grant reuse pattern).
#include <algorithm>
#include <iostream>
#include <map>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "frontend/io_engine.h"
#include "frontend/session.h"
#include "trace/trace_format.h"

namespace pvblk::ring {

namespace {

class TraceSource : public IoSource {
public:
	TraceSource(const std::vector<trace::Record> &r, bool keep_queue, uint64_t dev_sectors)
		: recs_(r), keep_queue_(keep_queue), dev_sectors_(dev_sectors)
	{
	}
	uint64_t clipped() const { return clipped_; }
	bool next(IoOp &op) override
	{
		if (i_ >= recs_.size())
			return false;
		const trace::Record &r = recs_[i_++];

		op = IoOp();
		op.op = r.data_op();
		op.sector = r.sector;
		op.nr_sectors = r.op == PVBLK_OP_DISCARD ? r.nr_sectors : r.sectors();
		op.segs = r.segs;
		// Recorded without bounds (whole pages assumed): trim what would
		// run past the device's end back to it.
		if ((r.flags & trace::kFlagBoundsGuessed) && r.sector < dev_sectors_ &&
		    r.sector + op.nr_sectors > dev_sectors_) {
			uint64_t room = dev_sectors_ - r.sector;
			std::vector<trace::Segment> segs;

			for (auto g : op.segs) {
				uint64_t n = static_cast<uint64_t>(g.last - g.first) + 1;
				if (!room)
					break;
				if (n > room)
					g.last = static_cast<uint8_t>(g.first + room - 1);
				room -= std::min(n, room);
				segs.push_back(g);
			}
			op.segs = segs;
			op.nr_sectors = dev_sectors_ - r.sector;
			clipped_++;
		}
		op.queue = keep_queue_ ? r.queue : -1;
		op.t_ns = r.time_ns;
		return true;
	}

private:
	const std::vector<trace::Record> &recs_;
	bool keep_queue_;
	uint64_t dev_sectors_;
	size_t i_ = 0;
	uint64_t clipped_ = 0;
};

} // namespace

int cmd_replay(const Args &args)
{
	static const std::vector<OptSpec> spec = with_attach_options({
		{ "dev", "PATH", "the block device the backend serves (required)" },
		{ "trace", "FILE", "the trace to replay, binary or text (required)" },
		{ "iodepth", "N", "requests in flight (as fast as possible)", "32" },
		{ "pace", nullptr, "submit each request at its recorded time" },
		{ "max-slots", "N", "refuse traces with more distinct grant slots", "65536" },
		{ "json", "FILE", "write the results as JSON" },
		{ "out-trace", "FILE", "write a trace of this replay" },
		{ "quiet", nullptr, "no progress lines" },
	});
	Options o(spec, args);

	if (o.help()) {
		std::cout << usage(
			"replay --dev PATH --trace FILE [OPTIONS]",
			"Attach a VBD over PATH and run a trace's requests against it.\n"
			"Each grant slot of the trace is one page granted for the whole\n"
			"run; the trace's statuses are not expected back, only counted.",
			spec);
		return kExitOk;
	}
	if (o.str("trace").empty())
		throw UsageError("--trace is required");
	auto recs = trace::read_file(o.str("trace"));
	uint64_t max_slots = o.u64("max-slots", 1, 1u << 20);
	uint32_t slots = 0;
	unsigned int max_segs = 0;
	bool multi_queue = false;
	uint64_t trace_segs = 0;
	std::map<uint32_t, bool> seen;

	for (const auto &r : recs) {
		for (const auto &s : r.segs) {
			slots = std::max(slots, s.slot + 1);
			seen[s.slot] = true;
		}
		trace_segs += r.segs.size();
		max_segs = std::max(max_segs, static_cast<unsigned int>(r.segs.size()));
		multi_queue |= r.queue != 0;
	}
	if (slots > max_slots)
		throw UsageError("the trace uses grant slots up to " + std::to_string(slots) +
				 ", above --max-slots " + std::to_string(max_slots));
	AttachConfig ac = attach_config(o);
	if (max_segs > PVBLK_MAX_SEGS_DIRECT && ac.indirect < max_segs)
		ac.indirect = std::min<unsigned int>(max_segs, PVBLK_MAX_INDIRECT_SEGS);

	install_signal_handlers();
	Session s(ac);
	EngineConfig ec;
	ec.name = "replay";
	ec.iodepth = static_cast<unsigned int>(o.u64("iodepth", 1, 4096));
	ec.slots = slots;
	ec.max_bytes = 0;
	ec.max_trace_segs = max_segs;
	ec.paced = o.has("pace");
	ec.progress = !o.has("quiet");
	ec.record = o.has("out-trace");
	s.engine.emplace(*s.vbd, *s.gs, *s.ev, ec);
	TraceSource src(recs, multi_queue && s.vbd->neg().queues > 1, s.vbd->neg().sectors);
	Report rep = s.engine->run(src);

	if (ec.record)
		trace::write_file(o.str("out-trace"), s.engine->recorded(), false);
	bool clean = s.vbd->close();
	rep.backend = s.vbd->final_stats();
	describe(s, rep);
	uint64_t t_reads = 0, t_writes = 0, t_errors = 0;
	for (const auto &r : recs) {
		t_reads += r.data_op() == PVBLK_OP_READ;
		t_writes += r.data_op() == PVBLK_OP_WRITE;
		t_errors += r.status != PVBLK_RSP_OKAY;
	}
	rep.extra["trace_requests"] = static_cast<double>(recs.size());
	rep.extra["trace_reads"] = static_cast<double>(t_reads);
	rep.extra["trace_writes"] = static_cast<double>(t_writes);
	rep.extra["trace_errors"] = static_cast<double>(t_errors);
	rep.extra["trace_segments"] = static_cast<double>(trace_segs);
	rep.extra["trace_slots"] = static_cast<double>(seen.size());
	rep.extra["teardown_clean"] = clean;
	rep.extra["clipped_at_end"] = static_cast<double>(src.clipped());
	rep.info["trace"] = o.str("trace");
	rep.info["mode"] = ec.paced ? "paced" : "as-fast-as-possible";
	std::cout << rep.text() << "  trace: " << recs.size() << " requests (" << t_reads
		  << " read, " << t_writes << " write), " << seen.size() << " grant slots\n";
	if (o.has("json"))
		write_json(o.str("json"), rep);
	return (rep.errors || !clean) ? kExitFailed : kExitOk;
}

} // namespace pvblk::ring
