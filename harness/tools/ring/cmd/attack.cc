// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring attack: attach a VBD and send what no honest frontend
// sends, one attach per attack, checking the backend's answer.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "attack/attacks.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "frontend/front_ring.h"
#include "frontend/io_engine.h"
#include "frontend/request_builder.h"
#include "frontend/session.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

namespace {

class Attacker {
public:
	explicit Attacker(Session &s)
		: s_(s), ring_(s.vbd->queues()[0].pages->base(), s.vbd->neg().ring_order, s.vbd->abi(),
			       *s.ev, s.vbd->queues()[0].port),
		  pool_(*s.gs, 16)
	{
	}

	AttackResult run(const std::string &name);

private:
	uint16_t handle() const { return static_cast<uint16_t>(s_.vbd->devid()); }
	pvblk_req read(uint64_t id, uint64_t sector, unsigned int page = 0) const
	{
		uint32_t ref = pool_.ref(page);
		return make_direct(PVBLK_OP_READ, id, handle(), sector, segments_for(8, { &ref, 1 }));
	}
	void put(const pvblk_req &r)
	{
		pvblk_encode_req(ring_.next_slot(), &r, s_.vbd->abi());
		ring_.produce();
	}
	void send(const pvblk_req &r)
	{
		put(r);
		ring_.push();
	}
	// Responses until @want arrived or @ms passed.
	std::vector<Response> collect(size_t want, int ms)
	{
		std::vector<Response> got;
		auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);

		while (got.size() < want && std::chrono::steady_clock::now() < end) {
			bool overrun = false;

			check_interrupted();
			ring_.consume([&](const Response &r) { got.push_back(r); }, &overrun);
			if (got.size() < want)
				s_.ev->wait(50);
		}
		return got;
	}
	// Send @reqs (distinct ids); each must come back with an error, and a
	// READ after them must still be served.
	AttackResult expect_errors(const std::vector<pvblk_req> &reqs);
	AttackResult still_serves(AttackResult r);

	Session &s_;
	FrontRing ring_;
	SharedPages pool_;
};

std::string status_list(const std::vector<Response> &v)
{
	std::ostringstream o;

	for (size_t i = 0; i < v.size(); i++)
		o << (i ? "," : "") << "id " << v[i].id << ":" << v[i].status;
	return o.str();
}

AttackResult Attacker::still_serves(AttackResult r)
{
	send(read(999, 0, 1));
	auto v = collect(1, 10000);

	if (v.size() != 1 || v[0].id != 999 || v[0].status != PVBLK_RSP_OKAY) {
		r.pass = false;
		r.detail += "; then a valid READ got " + (v.empty() ? "no answer" : status_list(v));
	} else {
		r.detail += "; a valid READ after it was served";
	}
	return r;
}

AttackResult Attacker::expect_errors(const std::vector<pvblk_req> &reqs)
{
	AttackResult r;

	for (const auto &q : reqs)
		put(q);
	ring_.push();
	auto v = collect(reqs.size(), 10000);

	r.pass = v.size() == reqs.size();
	for (const auto &x : v)
		r.pass &= x.status != PVBLK_RSP_OKAY;
	r.detail = v.size() == reqs.size() ? "answered " + status_list(v)
					   : std::to_string(v.size()) + " of " +
						     std::to_string(reqs.size()) + " answered (" +
						     status_list(v) + ")";
	return r.pass ? still_serves(r) : r;
}

AttackResult Attacker::run(const std::string &name)
{
	const Negotiated &n = s_.vbd->neg();
	AttackResult res;

	if (name == "bad-op") {
		std::vector<pvblk_req> v;
		uint8_t ops[] = { 4, 7, 255 };
		for (unsigned int i = 0; i < 3; i++) {
			pvblk_req q = read(i + 1, 0);
			q.operation = ops[i];
			v.push_back(q);
		}
		return expect_errors(v);
	}
	if (name == "zero-segs") {
		pvblk_req q = make_direct(PVBLK_OP_READ, 1, handle(), 0, {});
		return expect_errors({ q });
	}
	if (name == "too-many-segs") {
		pvblk_req q = read(1, 0);
		for (unsigned int i = 0; i < PVBLK_MAX_SEGS_DIRECT; i++)
			q.seg[i] = q.seg[0];
		q.nr_segments = PVBLK_MAX_SEGS_DIRECT + 1;	// the wire says 12
		return expect_errors({ q });
	}
	if (name == "first-gt-last" || name == "last-ge-8") {
		pvblk_req q = read(1, 0);
		if (name == "first-gt-last") {
			q.seg[0].first_sect = 5;
			q.seg[0].last_sect = 2;
		} else {
			q.seg[0].last_sect = 8;
		}
		return expect_errors({ q });
	}
	if (name == "past-end")
		return expect_errors({ read(1, n.sectors), read(2, n.sectors - 4),
				       read(3, UINT64_MAX - 7) });
	if (name == "write-ro") {
		uint32_t ref = pool_.ref(0);
		return expect_errors({ make_direct(PVBLK_OP_WRITE, 1, handle(), 0,
						   segments_for(8, { &ref, 1 })) });
	}
	if (name == "bad-gref") {
		pvblk_req a = read(1, 0), b = read(2, 0);
		a.seg[0].gref = 0xfffffff0u;
		b.seg[0].gref = 0x7fffffffu;
		return expect_errors({ a, b });
	}
	if (name == "indirect-too-many" || name == "indirect-bad-op") {
		std::vector<uint32_t> refs;
		std::vector<void *> pages;
		for (unsigned int i = 0; i < PVBLK_MAX_INDIRECT_PAGES; i++) {
			refs.push_back(pool_.ref(8 + i));
			pages.push_back(pool_.page(8 + i));
		}
		std::vector<pvblk_seg> segs(PVBLK_MAX_INDIRECT_SEGS);
		for (auto &g : segs) {
			g.gref = pool_.ref(0);
			g.first_sect = 0;
			g.last_sect = 7;
		}
		write_indirect_segs(pages, segs);
		if (name == "indirect-bad-op") {
			pvblk_req q = make_indirect(PVBLK_OP_FLUSH_DISKCACHE, 1, handle(), 0, 1,
						    { refs.data(), 1 });
			return expect_errors({ q });
		}
		std::vector<pvblk_req> v = { make_indirect(PVBLK_OP_READ, 1, handle(), 0,
							    PVBLK_MAX_INDIRECT_SEGS, refs) };
		unsigned int lim = n.indirect_segs;
		if (lim && lim < PVBLK_MAX_INDIRECT_SEGS)
			v.push_back(make_indirect(PVBLK_OP_READ, 2, handle(), 0,
						  static_cast<uint16_t>(lim + 1), refs));
		return expect_errors(v);
	}
	if (name == "prod-overflow") {
		uint32_t before = ring_.backend_rsp_prod();
		ring_.push_raw(ring_.req_prod_pvt() + ring_.slots() + 7);
		auto v = collect(1, 3000);
		res.pass = v.empty() && ring_.backend_rsp_prod() == before;
		res.detail = res.pass ? "no answer in 3 s: the ring stopped"
				      : "the backend answered " + status_list(v) + " after the bad index";
		// restore our view so that nothing else is pushed
		return res;
	}
	if (name == "rsp-scribble") {
		auto *h = ring_.hdr();
		__atomic_store_n(&h->rsp_prod, 0xdeadbeefu, __ATOMIC_SEQ_CST);
		__atomic_store_n(&h->rsp_event, 0x12345678u, __ATOMIC_SEQ_CST);
		send(read(5, 0));
		std::vector<Response> v;
		auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
		while (v.empty() && std::chrono::steady_clock::now() < end) {
			check_interrupted();
			if (ring_.backend_rsp_prod() == 1)
				v = collect(1, 100);
			else
				s_.ev->wait(50);
		}
		res.pass = v.size() == 1 && v[0].id == 5 && v[0].status == PVBLK_RSP_OKAY;
		res.detail = v.empty() ? "no answer (rsp_prod " + std::to_string(ring_.backend_rsp_prod()) + ")"
				       : "answered " + status_list(v) + ", rsp_prod rewritten to 1";
		return res;
	}
	if (name == "evtchn-storm") {
		auto t0 = std::chrono::steady_clock::now();
		for (int i = 0; i < 200000; i++) {
			if (!(i & 4095))
				check_interrupted();
			s_.ev->notify(ring_.port());
		}
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		res.pass = true;
		res.detail = "200000 notifications in " + std::to_string(s) + " s";
		return still_serves(res);
	}
	if (name == "dup-id") {
		put(read(7, 0, 2));
		put(read(7, 64, 3));
		ring_.push();
		auto v = collect(2, 10000);
		res.pass = v.size() == 2 && v[0].id == 7 && v[1].id == 7;
		res.detail = std::to_string(v.size()) + " answers: " + status_list(v);
		return res.pass ? still_serves(res) : res;
	}
	if (name == "teardown-inflight") {
		unsigned int k = std::min(ring_.slots(), 32u);
		for (unsigned int i = 0; i < k; i++)
			put(read(i, static_cast<uint64_t>(i) * 8, i % 16));
		ring_.push();
		bool clean = s_.vbd->close();
		res.pass = clean;
		res.detail = clean ? std::to_string(k) + " in flight; the backend closed"
				   : "the backend did not close with requests in flight";
		return res;
	}
	if (name == "close-under-discards") {
		// Whole-device discards run one at a time in the backend: a
		// backend that serves the ring out before it closes takes
		// slots x one discard. Closing is sent once the first answer
		// is back (the backend is then working through the ring) or
		// after 2 s; the line printed before it lets a script start
		// an honest VBD at that moment.
		// The last slots are cache flushes. None may come back as an
		// error: one refused at the close must still be done for real
		// (OKAY); one served before it is OKAY, or "not supported" on a
		// device without a write cache.
		unsigned int k = ring_.slots();
		const unsigned int flushes = 4;
		for (unsigned int i = 0; i < k; i++)
			put(i + flushes >= k ? make_direct(PVBLK_OP_FLUSH_DISKCACHE, i, handle(), 0, {})
					     : make_discard(i, 0, n.sectors, false));
		ring_.push();
		auto t0 = std::chrono::steady_clock::now();
		auto v = collect(1, 2000);
		std::cout << "close-under-discards: " << k - flushes << " discards and " << flushes
			  << " flushes sent, " << v.size()
			  << " answered before Closing; closing\n"
			  << std::flush;
		auto t1 = std::chrono::steady_clock::now();
		std::chrono::steady_clock::time_point t2;
		// Every request posted must come back, served or refused: a
		// frontend that closes waits for each one it sent. Read before
		// the ring is given up.
		std::vector<Response> rest;
		bool clean = s_.vbd->close([&] {
			t2 = std::chrono::steady_clock::now();
			rest = collect(k - v.size(), 5000);
		});
		auto ms = [](auto a, auto b) {
			return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
		};
		size_t answered = v.size() + rest.size();
		unsigned int flushed = 0, flush_errors = 0;
		for (const auto *part : { &v, &rest })
			for (const Response &r : *part)
				if (r.id + flushes >= k) {
					flushed += r.status == PVBLK_RSP_OKAY;
					flush_errors += r.status == PVBLK_RSP_ERROR;
				}
		res.pass = clean && answered == k && flush_errors == 0;
		res.detail = std::to_string(k) + " discards in flight after " +
			     std::to_string(ms(t0, t1)) + " ms; closed_ms " + std::to_string(ms(t1, t2)) +
			     (clean ? " (Closing to Closed)" : " (the backend did not close)") + "; " +
			     std::to_string(answered) + " of " + std::to_string(k) + " answered, " +
			     std::to_string(flushed) + " of " + std::to_string(flushes) + " flushes OKAY, " +
			     std::to_string(flush_errors) + " answered with an error";
		return res;
	}
	if (name == "grant-flood") {
		std::string p = read_small_file("/sys/module/pvblkback/parameters/max_persistent_grants");
		if (p.empty())
			p = read_small_file("/sys/module/xen_blkback/parameters/max_persistent_grants");
		unsigned int maxp = p.empty() ? 1056 : static_cast<unsigned int>(std::stoul(p));
		unsigned int count = 3 * maxp;

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
		} src;
		src.n = count;
		src.sectors = n.sectors;
		EngineConfig ec;
		ec.name = "grant-flood";
		ec.iodepth = 32;
		ec.slots = count;
		ec.max_bytes = 0;
		ec.max_trace_segs = 1;
		ec.progress = false;
		s_.engine.emplace(*s_.vbd, *s_.gs, *s_.ev, ec);
		Report rep = s_.engine->run(src);
		auto st = s_.vbd->backend_stats();
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
	throw UsageError("unknown attack '" + name + "' (pvblk-ring attack --list)");
}

}	// namespace

int cmd_attack(const Args &args)
{
	static const std::vector<OptSpec> spec = with_attach_options({
		{ "dev", "PATH", "the block device the backend serves (required)" },
		{ "list", nullptr, "list the attacks and what a correct backend does" },
		{ "json", "FILE", "write the verdicts as JSON" },
	});
	Options o(spec, args);

	if (o.help() || o.has("list")) {
		if (o.help())
			std::cout << usage("attack [OPTIONS] NAME...|all",
					   "Attach a VBD per attack and misbehave; each attack checks the\n"
					   "backend's answer. Exit 0 when every answer was correct, 1 if not.",
					   spec)
				  << "\nAttacks:\n";
		for (const auto &a : attack_list())
			std::cout << "  " << a.name << ": " << a.what << "; expect " << a.expect << "\n";
		return kExitOk;
	}
	std::vector<std::string> names = o.positional();
	if (names.empty())
		throw UsageError("name an attack, or all (see --list)");
	if (names.size() == 1 && names[0] == "all") {
		names.clear();
		for (const auto &a : attack_list())
			names.push_back(a.name);
	}
	for (const auto &nm : names) {
		bool known = false;
		for (const auto &a : attack_list())
			known |= nm == a.name;
		if (!known)
			throw UsageError("unknown attack '" + nm + "' (see --list)");
	}
	AttachConfig base = attach_config(o);
	require_dom0();	// refuse before trying anything
	if (!o.has("indirect"))
		base.indirect = PVBLK_MAX_INDIRECT_SEGS;
	install_signal_handlers();
	unsigned int failed = 0;
	std::ostringstream js;

	js << "{\n  \"attacks\": [";
	for (size_t i = 0; i < names.size(); i++) {
		AttachConfig ac = base;
		for (const auto &a : attack_list())
			if (names[i] == a.name)
				ac.read_only |= a.read_only;
		AttackResult r;
		bool clean = false;
		try {
			Session s(ac);
			Attacker atk(s);
			r = atk.run(names[i]);
			clean = s.vbd->close();
		} catch (const Interrupted &) {
			throw;
		} catch (const UsageError &) {
			throw;
		} catch (const std::exception &e) {
			r.pass = false;
			r.detail = std::string("error: ") + e.what();
		}
		if (!clean) {
			r.pass = false;
			r.detail += "; teardown not clean";
		}
		failed += !r.pass;
		std::cout << "attack " << names[i] << ": " << (r.pass ? "PASS" : "FAIL") << " - "
			  << r.detail << "\n"
			  << std::flush;
		js << (i ? "," : "") << "\n    {\"name\": " << json_string(names[i])
		   << ", \"pass\": " << (r.pass ? "true" : "false")
		   << ", \"detail\": " << json_string(r.detail) << "}";
	}
	js << "\n  ],\n  \"failed\": " << failed << "\n}\n";
	if (o.has("json")) {
		std::ofstream f(o.str("json"));
		f << js.str();
	}
	std::cout << "attack: " << names.size() - failed << " of " << names.size() << " passed\n";
	return failed ? kExitFailed : kExitOk;
}

}	// namespace pvblk::ring
