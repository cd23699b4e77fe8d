// SPDX-License-Identifier: GPL-2.0-only
//
// grant-flood: more distinct grants than the backend may keep mapped
// persistently; every request must be served and the persistent cache
// stay within its bound.
#include <cstdint>
#include <string>

#include "attack/attacker.h"
#include "attack/handlers.h"
#include "frontend/io_engine.h"
#include "xenio/xen_env.h"

namespace pvblk::ring::attack {

namespace {

// @n one-page READs, each through its own grant slot.
struct FloodSource : IoSource {
	unsigned int i = 0, n = 0;
	uint64_t sectors = 0;
	bool next(IoOp &op) override
	{
		if (i >= n)
			return false;
		op = IoOp();
		op.op = PVBLK_OP_READ;
		op.sector = (static_cast<uint64_t>(i) * 8) % (sectors - 8);
		op.nr_sectors = 8;
		op.segs = { { i, 0, 7 } };
		i++;
		return true;
	}
};

} // namespace

AttackResult grant_flood(Attacker &a)
{
	AttackResult res;
	Session &s = a.session();
	std::string p = read_small_file("/sys/module/pvblkback/parameters/max_persistent_grants");

	if (p.empty())
		p = read_small_file("/sys/module/xen_blkback/parameters/max_persistent_grants");
	unsigned int maxp = p.empty() ? 1056 : static_cast<unsigned int>(std::stoul(p));
	unsigned int count = 3 * maxp;

	FloodSource src;
	src.n = count;
	src.sectors = a.neg().sectors;
	EngineConfig ec;
	ec.name = "grant-flood";
	ec.iodepth = 32;
	ec.slots = count;
	ec.max_bytes = 0;
	ec.max_trace_segs = 1;
	ec.progress = false;
	s.engine.emplace(*s.vbd, *s.gs, *s.ev, ec);
	Report rep = s.engine->run(src);
	auto st = s.vbd->backend_stats();
	res.pass = rep.requests == count && rep.errors == 0;
	res.detail = std::to_string(count) + " distinct grants, " + std::to_string(rep.requests) +
		     " answered, " + std::to_string(rep.errors) + " errors";
	if (st.count("pgnt_mapped")) {
		res.detail += ", pgnt_mapped " + std::to_string(st["pgnt_mapped"]) + " (max " +
			      std::to_string(maxp) + "), evictions " +
			      std::to_string(st["pgnt_evictions"]);
		res.pass &= st["pgnt_mapped"] <= static_cast<int64_t>(maxp);
	}
	return res;
}

} // namespace pvblk::ring::attack
