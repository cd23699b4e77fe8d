// SPDX-License-Identifier: GPL-2.0-only
//
// The hostile blkif backend; see hostile_backend.h.
#include "backend/hostile_backend.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "cmd/cli.h"
#include "cmd/signals.h"
#include "frontend/vbd_attach.h"

extern "C" {
#include "pvblk/negotiate.h"
}

namespace pvblk::ring {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kInitialising = 1, kInitWait = 2, kInitialised = 3, kConnected = 4, kClosing = 5,
	      kClosed = 6;

std::string secs(double s)
{
	char b[32];

	snprintf(b, sizeof(b), "%.1f s", s);
	return b;
}

double since(Clock::time_point t)
{
	return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

HostileBackend::HostileBackend(XenStore &xs, GrantTable &gt, EventChannels &ev,
			       const HostileConfig &cfg)
	: xs_(xs), gt_(gt), ev_(ev), cfg_(cfg), sc_(cfg_.script), io_(gt, cfg.domid, cfg.dev)
{
	std::string d = std::to_string(cfg_.domid), id = std::to_string(cfg_.devid);

	fe_ = "/local/domain/" + d + "/device/vbd/" + id;
	be_ = "/local/domain/0/backend/pvblk-hostile/" + d + "/" + id;
}

HostileBackend::~HostileBackend()
{
	try {
		rings_.clear();
		remove_nodes();
	} catch (...) {
		// a destructor must not throw; the nodes are reported left over
	}
	held_maps_.clear();
}

void HostileBackend::note(const std::string &s)
{
	res_.notes.push_back(s);
	if (cfg_.verbose)
		std::cerr << "backend " << sc_.name() << ": " << s << "\n";
}

void HostileBackend::write_offer(unsigned int connection)
{
	offer_ = offer_keys(sc_, connection);
	xs_.transaction([&](XenStore::Txn &t) {
		auto w = [&](const char *k, const std::string &v) { t.write(be_ + "/" + k, v); };

		for (const char *k : { "sectors", "info", "sector-size", "physical-sector-size" })
			t.rm(be_ + "/" + k);
		w("feature-persistent", offer_.persistent);
		w("max-ring-page-order", offer_.max_ring_order);
		w("multi-queue-max-queues", offer_.max_queues);
		w("feature-max-indirect-segments", offer_.max_indirect);
		w("feature-flush-cache", offer_.flush);
		w("feature-barrier", "0");
		w("feature-discard", "0");
		w("state", std::to_string(kInitWait));
	});
}

void HostileBackend::create_nodes()
{
	std::string d = std::to_string(cfg_.domid), id = std::to_string(cfg_.devid);

	xs_.transaction([&](XenStore::Txn &t) {
		if (t.read(fe_) || t.read(be_))
			throw EnvError("virtual device " + id + " of domain " + d +
				       " exists already (" + fe_ + ")");
		if (!t.read("/local/domain/" + d))
			throw EnvError("domain " + d + " does not exist");
		t.write(be_, "");
		t.set_perms(be_, 0, { cfg_.domid });
		auto b = [&](const char *k, const std::string &v) { t.write(be_ + "/" + k, v); };
		b("frontend", fe_);
		b("frontend-id", d);
		b("online", "1");
		b("removable", "0");
		b("dev", vdev_name(cfg_.devid));
		b("type", "phy");
		b("mode", "w");
		b("params", cfg_.dev);
		b("state", std::to_string(kInitialising));

		t.write(fe_, "");
		t.set_perms(fe_, cfg_.domid, { 0 });
		auto f = [&](const char *k, const std::string &v) { t.write(fe_ + "/" + k, v); };
		f("backend", be_);
		f("backend-id", "0");
		f("virtual-device", id);
		f("device-type", "disk");
		f("state", std::to_string(kInitialising));
	});
	nodes_ = true;
	write_offer(0);
}

void HostileBackend::remove_nodes()
{
	if (!nodes_)
		return;
	auto err = xs_.read("/local/domain/" + std::to_string(cfg_.domid) + "/error/device/vbd/" +
			    std::to_string(cfg_.devid) + "/error");
	if (err && res_.front_error.empty())
		res_.front_error = *err;
	xs_.transaction([&](XenStore::Txn &t) {
		t.rm(fe_);
		t.rm(be_);
	});
	nodes_ = false;
}

int HostileBackend::front_state()
{
	auto v = xs_.read(fe_ + "/state");
	int s = v ? atoi(v->c_str()) : 0;

	if (s != last_state_) {
		res_.states += (res_.states.empty() ? "" : " ") + std::to_string(s);
		last_state_ = s;
	}
	return s;
}

bool HostileBackend::wait_front(const std::vector<int> &want, unsigned int ms, int *got)
{
	auto end = Clock::now() + std::chrono::milliseconds(ms);

	for (;;) {
		*got = front_state();
		for (int w : want)
			if (*got == w)
				return true;
		if (Clock::now() >= end)
			return false;
		check_interrupted();
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
}

bool HostileBackend::released() const
{
	return !cfg_.until_file.empty() && access(cfg_.until_file.c_str(), F_OK) == 0;
}

// Map the frontend's rings and go Connected; false when its keys are unusable.
bool HostileBackend::connect()
{
	auto fk = [&](const std::string &k) { return xs_.read(fe_ + "/" + k); };
	auto cstr = [](const std::optional<std::string> &v) { return v ? v->c_str() : nullptr; };
	auto persistent = fk("feature-persistent"), order = fk("ring-page-order"),
	     nq = fk("multi-queue-num-queues"), proto = fk("protocol");
	pvblk_front_offer fo;
	enum pvblk_neg_err e = pvblk_parse_front_offer(&fo, cstr(persistent), cstr(order), cstr(nq),
						       cstr(proto));

	if (e != PVBLK_NEG_OK || fo.ring_order > PVBLK_MAX_RING_ORDER ||
	    fo.nr_queues > PVBLK_MAX_QUEUES) {
		note(std::string("frontend keys unusable: ") + pvblk_neg_reason(e));
		return false;
	}
	for (unsigned int q = 0; q < fo.nr_queues; q++) {
		std::string dir = fo.nr_queues > 1 ? "queue-" + std::to_string(q) + "/" : "";
		std::vector<uint32_t> refs;
		uint32_t v = 0;

		for (unsigned int i = 0; i < (1u << fo.ring_order); i++) {
			auto r = fk(dir +
				    (fo.ring_order ? "ring-ref" + std::to_string(i) : "ring-ref"));

			if (pvblk_parse_u32(cstr(r), 0, UINT32_MAX, &v) != PVBLK_NEG_OK) {
				note("frontend key " + dir + "ring-ref" + std::to_string(i) +
				     " unusable");
				disconnect();
				return false;
			}
			refs.push_back(v);
		}
		if (pvblk_parse_u32(cstr(fk(dir + "event-channel")), 0, UINT32_MAX, &v) !=
		    PVBLK_NEG_OK) {
			note("frontend key " + dir + "event-channel unusable");
			disconnect();
			return false;
		}
		uint32_t port = ev_.bind_interdomain(cfg_.domid, v);

		rings_.push_back(std::make_unique<BackRing>(gt_, cfg_.domid, refs, fo.ring_order,
							    fo.abi, port));
	}
	res_.connections++;
	res_.queues = fo.nr_queues;
	res_.ring_order = fo.ring_order;
	res_.front_persistent = fo.persistent;
	uint32_t ind = 0;

	if (pvblk_parse_u32(offer_.max_indirect.c_str(), 0, UINT32_MAX, &ind) != PVBLK_NEG_OK)
		ind = 0;
	io_.set_limits(offer_.sector_size, ind, offer_.flush == "1");
	xs_.transaction([&](XenStore::Txn &t) {
		auto w = [&](const char *k, const std::string &v) { t.write(be_ + "/" + k, v); };

		w("sectors", std::to_string(io_.sectors()));
		w("info", "0");
		w("sector-size", std::to_string(offer_.sector_size));
		w("physical-sector-size", std::to_string(offer_.sector_size));
		w("state", std::to_string(kConnected));
	});
	note("connection " + std::to_string(connection_) + ": " + std::to_string(fo.nr_queues) +
	     " queue(s), ring order " + std::to_string(fo.ring_order) + ", sector-size " +
	     std::to_string(offer_.sector_size));
	return true;
}

// Unmap the rings and unbind their channels (an honest backend does this
// before it tells the frontend it is closing).
void HostileBackend::disconnect()
{
	for (auto &r : rings_) {
		res_.requests += r->requests();
		res_.responses += r->responses();
		ev_.unbind(r->port());
	}
	rings_.clear();
}

bool HostileBackend::triggers(const pvblk_req &q) const
{
	switch (sc_.info->trigger) {
	case HostileTrigger::Write:
		return is_write_req(q);
	case HostileTrigger::Flush:
		return q.operation == PVBLK_OP_FLUSH_DISKCACHE;
	case HostileTrigger::AnyRequest:
		return true;
	}
	return false;
}

// Keep the guest's pages of @q mapped: the pages a READ fills writable
// (the frontend grants them so), everything else read-only.
void HostileBackend::hold_grants(const pvblk_req &q)
{
	bool read = q.operation == PVBLK_OP_READ ||
		    (q.operation == PVBLK_OP_INDIRECT && q.indirect_op == PVBLK_OP_READ);
	std::vector<std::pair<uint32_t, bool>> refs;

	if (q.operation == PVBLK_OP_INDIRECT) {
		for (unsigned int i = 0;
		     i < pvblk_indirect_pages(q.nr_segments) && i < PVBLK_MAX_INDIRECT_PAGES; i++)
			refs.push_back({ q.indirect_grefs[i], false });
		std::vector<pvblk_seg> segs;

		if (io_.segments(q, &segs))
			for (const auto &s : segs)
				refs.push_back({ s.gref, read });
	} else {
		for (unsigned int i = 0; i < q.nr_segments && i < PVBLK_MAX_SEGS_DIRECT; i++)
			refs.push_back({ q.seg[i].gref, read });
	}
	for (auto [ref, writable] : refs) {
		try {
			held_maps_.push_back(std::make_unique<ForeignMapping>(
				gt_, cfg_.domid, std::vector<uint32_t>{ ref }, writable));
			if (writable)
				scribble_.push_back(held_maps_.back().get());
		} catch (const EnvError &e) {
			note(std::string("holding a grant: ") + e.what());
		}
	}
}

void HostileBackend::handle(BackRing &r, const pvblk_req &q, End *end)
{
	uint8_t op = q.operation;

	if (connection_ == 0 && !armed_ && triggers(q)) {
		if (trig_seen_ >= sc_.after) {
			armed_ = true;
			armed_at_ = Clock::now();
			note("misbehaving from request id " + std::to_string(q.id) + " (op " +
			     std::to_string(op) + ")");
		}
		trig_seen_++;
	}
	if (!armed_ || connection_ > 0) {
		int16_t st = io_.serve(q);

		res_.io_errors += st != PVBLK_RSP_OKAY;
		r.respond(q.id, op, st);
		return;
	}
	switch (sc_.id()) {
	case HostileCase::Withhold:
	case HostileCase::WithholdProbe:
		held_.push_back(q);
		res_.held++;
		return;
	case HostileCase::CloseInflight:
	case HostileCase::CloseInflightProbe:
		held_.push_back(q);
		res_.held++;
		hold_grants(q);
		return;
	case HostileCase::FlushEopnotsupp:
		if (res_.misbehaved == 0 && op == PVBLK_OP_FLUSH_DISKCACHE) {
			r.respond(q.id, op, PVBLK_RSP_EOPNOTSUPP);
			res_.misbehaved++;
			return;
		}
		held_.push_back(q);
		res_.held++;
		return;
	case HostileCase::Duplicate: {
		int16_t st = io_.serve(q);

		r.respond(q.id, op, st);
		if (res_.misbehaved == 0) {
			res_.misbehaved++;
			r.respond(q.id, op, st, true);
		}
		return;
	}
	case HostileCase::UnknownId:
		if (res_.misbehaved == 0) {
			res_.misbehaved++;
			r.respond(q.id + 0xdead000000000000ull, op, PVBLK_RSP_OKAY);
			return;
		}
		break;
	case HostileCase::WrongOp:
		if (res_.misbehaved == 0) {
			res_.misbehaved++;
			int16_t st = io_.serve(q);

			r.respond(q.id, op == PVBLK_OP_READ ? PVBLK_OP_WRITE : PVBLK_OP_READ, st);
			return;
		}
		break;
	case HostileCase::ProdOverrun:
		if (res_.misbehaved == 0) {
			res_.misbehaved++;
			r.respond(q.id, op, io_.serve(q));
			r.publish_raw(r.req_prod() + 17);
			frozen_ = true;
			return;
		}
		break;
	case HostileCase::Restart:
	case HostileCase::ReconnectSectorSize:
	case HostileCase::ReconnectFeatures:
		r.respond(q.id, op, io_.serve(q));
		res_.misbehaved++;
		*end = End::Restart;
		return;
	case HostileCase::RestartProbe:
		// Unanswered: the frontend must carry it to the new connection.
		res_.misbehaved++;
		*end = End::Restart;
		return;
	default:
		break;
	}
	int16_t st = io_.serve(q);

	res_.io_errors += st != PVBLK_RSP_OKAY;
	r.respond(q.id, op, st);
}

// Consume what @r has; false when the serving must end (*@end says why).
bool HostileBackend::serve_ring(BackRing &r, End *end)
{
	pvblk_req q;
	bool broken = false;

	do {
		uint64_t before = r.responses();

		while (r.next(&q, &broken)) {
			handle(r, q, end);
			if (*end != End::Released)
				break;
		}
		if (broken) {
			res_.ring_broken = true;
			note("frontend's req_prod " + std::to_string(r.req_prod()) +
			     " is not within one ring of our responses: ring stopped");
			*end = End::Broken;
			return false;
		}
		if (r.responses() != before) {
			if (!frozen_) // an overrun rsp_prod stays
				r.publish();
			ev_.notify(r.port());
		}
		if (*end != End::Released)
			return false;
	} while (r.want_more());
	return true;
}

HostileBackend::End HostileBackend::serve()
{
	auto last_check = Clock::now();

	for (;;) {
		End end = End::Released;

		ev_.wait(20);
		check_interrupted();
		for (auto &r : rings_)
			if (!serve_ring(*r, &end))
				return end;
		if (since(last_check) < 0.1)
			continue;
		last_check = Clock::now();
		int st = front_state();

		if (st == kClosing || st == kClosed || st == 0)
			return End::FrontClosed;
		if (released())
			return End::Released;
		if (!held_.empty() && sc_.closes_inflight() && since(armed_at_) > 1)
			return End::CloseInflight;
		if (!held_.empty() && since(armed_at_) > sc_.give_up)
			return End::GiveUp;
	}
}

// Closing, wait for the frontend's Closed, then Closed.
void HostileBackend::close_handshake()
{
	int st = front_state();

	res_.mapped_at_close = gt_.mapped_now();
	xs_.write(be_ + "/state", std::to_string(kClosing));
	auto t0 = Clock::now();

	if (st != kClosed) {
		res_.front_closed = wait_front({ kClosed }, cfg_.close_timeout_ms, &st);
		res_.close_seconds = since(t0);
		if (!res_.front_closed)
			note("frontend still in state " + std::to_string(st) + " " +
			     std::to_string(cfg_.close_timeout_ms / 1000) + " s after our Closing");
	}
	xs_.write(be_ + "/state", std::to_string(kClosed));
}

void HostileBackend::run()
{
	auto t0 = Clock::now();
	static const char *const kEnds[] = { "released", "frontend closed",   "gave up",
					     "restart",	 "closing in flight", "ring broken" };
	int st = 0;

	create_nodes();
	for (;;) {
		if (!wait_front({ kInitialised, kConnected, kClosing, kClosed }, cfg_.timeout_ms,
				&st)) {
			note("frontend did not answer InitWait within " +
			     std::to_string(cfg_.timeout_ms / 1000) + " s (state " +
			     std::to_string(st) + ")");
			res_.end = "no frontend";
			break;
		}
		if (st == kClosing || st == kClosed) {
			if (connection_ == 0)
				res_.refused = true;
			note("frontend closed at connection " + std::to_string(connection_) +
			     " without connecting");
			res_.end = "refused";
			break;
		}
		if (!connect()) {
			res_.end = "frontend keys unusable";
			break;
		}
		if (connection_ > 0)
			res_.reconnected = true;
		End end = serve();

		res_.end = kEnds[static_cast<int>(end)];
		note("serving ended: " + res_.end);
		if (end == End::FrontClosed && connection_ > 0 && !offered_again_) {
			// The frontend refused what the restart offered (a disk
			// cannot change its sector size under its users, say).
			// Unbinding and binding it asks for a new connection, with
			// a new disk: offer one, once.
			offered_again_ = true;
			disconnect();
			xs_.write(be_ + "/state", std::to_string(kClosed));
			if (!wait_front({ kInitialising },
					static_cast<unsigned int>(sc_.reconnect_wait * 1000),
					&st)) {
				note("frontend not rebound within " +
				     std::to_string(static_cast<int>(sc_.reconnect_wait)) +
				     " s (state " + std::to_string(st) + ")");
				break;
			}
			connection_++;
			write_offer(connection_);
			xs_.write(be_ + "/state", std::to_string(kInitWait));
			note("rebound: InitWait for connection " + std::to_string(connection_));
			continue;
		}
		if (end != End::Restart)
			break;
		// An honest restart: unmap, Closed, wait for the frontend to
		// let go - Closed, or Initialising, which asks a Closed backend
		// for a new connection, as both Linux backends take it - then
		// offer a new connection.
		disconnect();
		xs_.write(be_ + "/state", std::to_string(kClosed));
		res_.front_closed = wait_front({ kClosed, kInitialising }, cfg_.close_timeout_ms,
					       &st);
		if (!res_.front_closed) {
			note("frontend still in state " + std::to_string(st) + " after our Closed");
			break;
		}
		connection_++;
		write_offer(connection_);
		xs_.write(be_ + "/state", std::to_string(kInitWait));
		note("restarted: InitWait for connection " + std::to_string(connection_));
		// The frontend may come back (Initialised) or stay Closed.
		if (!wait_front({ kInitialised, kConnected },
				static_cast<unsigned int>(sc_.reconnect_wait * 1000), &st)) {
			note("frontend did not come back within " +
			     std::to_string(static_cast<int>(sc_.reconnect_wait)) + " s (state " +
			     std::to_string(st) + ")");
			res_.end = "not reconnected";
			break;
		}
	}
	// Close-inflight keeps the rings and the held pages mapped through
	// the close and the removal of the nodes; everyone else unmaps first.
	bool hold = sc_.closes_inflight() && !held_.empty();

	if (!hold)
		disconnect();
	close_handshake();
	auto rel_end = Clock::now() + std::chrono::duration<double>(cfg_.release_timeout);

	while (!released() && Clock::now() < rel_end) {
		check_interrupted();
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	remove_nodes();
	if (hold) {
		note("nodes removed with " + std::to_string(gt_.mapped_now()) +
		     " guest page(s) still mapped; holding them " + secs(sc_.hold));
		for (double t = 0; t < sc_.hold; t += 0.05) {
			check_interrupted();
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
		}
		// What a backend that still maps pages may do: write them. A
		// frontend that handed them back to its allocator finds its
		// memory changed (page poisoning reports it).
		for (auto *m : scribble_)
			memset(m->base(), 0x5a, PVBLK_PAGE_SIZE);
		if (!scribble_.empty())
			note("wrote into " + std::to_string(scribble_.size()) +
			     " held page(s) of in-flight reads before unmapping them");
		scribble_.clear();
		disconnect();
		held_maps_.clear();
	}
	res_.seconds = since(t0);
}

} // namespace pvblk::ring
