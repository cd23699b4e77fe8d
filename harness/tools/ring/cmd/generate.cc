// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring generate: attach a VBD over a block device and run a
// synthetic workload through the backend; optionally verify the data
// (fill the region with a known pattern, run, read it all back).
#include <fstream>
#include <iostream>
#include <optional>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "frontend/generator.h"
#include "frontend/io_engine.h"
#include "frontend/session.h"

namespace pvblk::ring {

namespace {

class GenSource : public IoSource {
public:
	GenSource(const GenConfig &c, uint64_t count) : gen_(c), left_(count) {}
	bool next(IoOp &op) override
	{
		if (!left_)
			return false;
		left_--;
		Io io = gen_.next();
		op.op = io.write ? PVBLK_OP_WRITE : PVBLK_OP_READ;
		op.sector = io.sector;
		op.nr_sectors = io.nr_sectors;
		op.generated = true;
		return true;
	}

private:
	Generator gen_;
	uint64_t left_;
};

const std::vector<OptSpec> kSpec = with_attach_options({
	{ "dev", "PATH", "the block device the backend serves (required)" },
	{ "rw", "MODE", "read write randread randwrite rw readwrite randrw", "randread" },
	{ "rwmixread", "PCT", "reads in percent for rw/randrw", "50" },
	{ "bs", "BYTES", "request size (k/m suffixes)", "4096" },
	{ "iodepth", "N", "requests in flight", "32" },
	{ "runtime", "SECONDS", "stop issuing after this long" },
	{ "count", "N", "stop after N requests" },
	{ "until-file", "PATH", "stop issuing once PATH exists" },
	{ "size", "BYTES", "span of the device used", "the whole device" },
	{ "seed", "N", "generator seed", "1" },
	{ "grants", "pool|fresh", "fixed page pool, or fresh grants per request", "pool" },
	{ "verify", nullptr, "fill --size with a pattern first, check reads, read all back" },
	{ "json", "FILE", "write the results as JSON" },
	{ "trace", "FILE", "write a trace of the main run (binary)" },
	{ "quiet", nullptr, "no progress lines" },
});

} // namespace

int cmd_generate(const Args &args)
{
	Options o(kSpec, args);

	if (o.help()) {
		std::cout << usage(
			"generate --dev PATH [OPTIONS]",
			"Attach a VBD over PATH (this process is the frontend), run a\n"
			"synthetic workload, report IOPS, bandwidth and latency, detach.\n"
			"Without --runtime, --count or --until-file it runs 10 s.",
			kSpec);
		return kExitOk;
	}
	GenConfig gc;
	bool mixed = false;

	if (!parse_rw(o.str("rw"), &gc.pattern, &gc.read_pct, &mixed))
		throw UsageError("unknown --rw '" + o.str("rw") + "'");
	if (mixed)
		gc.read_pct = static_cast<unsigned int>(o.u64("rwmixread", 0, 100));
	gc.bs = static_cast<uint32_t>(o.u64("bs", 512, PVBLK_MAX_INDIRECT_SEGS * 4096ull));
	if (gc.bs % 512)
		throw UsageError("--bs must be a multiple of 512");
	gc.seed = o.u64("seed", 0, UINT64_MAX);
	std::string grants = o.str("grants");
	if (grants != "pool" && grants != "fresh")
		throw UsageError("--grants must be pool or fresh");
	double runtime = o.has("runtime") ? o.real("runtime", 0.001, 86400) : 0;
	uint64_t count = o.has("count") ? o.u64("count", 1, UINT64_MAX) : UINT64_MAX;
	if (!o.has("runtime") && !o.has("count") && !o.has("until-file"))
		runtime = 10;
	AttachConfig ac = attach_config(o);

	install_signal_handlers();
	Session s(ac);
	const Negotiated &n = s.vbd->neg();
	uint64_t region = n.sectors;
	if (o.has("size"))
		region = std::min<uint64_t>(region, o.u64("size", 512, UINT64_MAX) / 512);
	if (gc.bs % n.sector_size)
		throw UsageError("--bs " + std::to_string(gc.bs) +
				 " is not a multiple of the disk's " +
				 std::to_string(n.sector_size) + "-byte sectors");
	gc.region_sectors = region;

	EngineConfig ec;
	ec.iodepth = static_cast<unsigned int>(o.u64("iodepth", 1, 4096));
	ec.policy = grants == "pool" ? GrantPolicy::Pool : GrantPolicy::Fresh;
	ec.max_bytes = gc.bs;
	ec.verify = o.has("verify");
	ec.tag = gc.seed * 2654435761u + 17;
	ec.progress = !o.has("quiet");
	ec.record = o.has("trace");
	s.engine.emplace(*s.vbd, *s.gs, *s.ev, ec);

	Report pre, post;
	uint64_t blocks = Generator(gc).blocks();
	if (ec.verify) {
		GenConfig f = gc;
		f.pattern = Pattern::Sequential;
		f.read_pct = 0;
		GenSource fill(f, blocks);
		s.engine->config().name = "verify-fill";
		s.engine->config().record = false;
		pre = s.engine->run(fill);
	}
	GenSource main_src(gc, count);
	s.engine->config().name = "generate";
	s.engine->config().runtime_s = runtime;
	s.engine->config().record = ec.record;
	s.engine->config().stop_file = o.str("until-file");
	Report rep = s.engine->run(main_src);
	if (ec.record)
		trace::write_file(o.str("trace"), s.engine->recorded(), false);
	if (ec.verify) {
		GenConfig r = gc;
		r.pattern = Pattern::Sequential;
		r.read_pct = 100;
		GenSource back(r, blocks);
		s.engine->config().name = "verify-readback";
		s.engine->config().runtime_s = 0;
		s.engine->config().record = false;
		s.engine->config().stop_file.clear();
		post = s.engine->run(back);
	}
	bool clean = s.vbd->close();
	rep.backend = s.vbd->final_stats();
	rep.verify_errors += pre.verify_errors + post.verify_errors;
	rep.extra["total_requests"] = static_cast<double>(pre.requests + rep.requests +
							  post.requests);
	rep.extra["total_errors"] = static_cast<double>(pre.errors + rep.errors + post.errors);
	describe(s, rep);
	rep.info["rw"] = o.str("rw");
	rep.info["grants"] = grants;
	rep.extra["bs"] = gc.bs;
	rep.extra["iodepth"] = s.engine->config().iodepth;
	rep.extra["teardown_clean"] = clean;
	std::cout << rep.text();
	if (ec.verify)
		std::cout << "  verify: " << pre.requests << " writes filled, " << post.requests
			  << " reads checked, " << rep.verify_errors << " mismatches\n";
	if (o.has("json"))
		write_json(o.str("json"), rep);
	return (rep.errors || pre.errors || post.errors || rep.verify_errors || !clean)
		       ? kExitFailed
		       : kExitOk;
}

} // namespace pvblk::ring
