// SPDX-License-Identifier: GPL-2.0-only
//
// The ring I/O engine; see io_engine.h.
#include "frontend/io_engine.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "cmd/cli.h"
#include "cmd/signals.h"
#include "frontend/generator.h"
#include "frontend/request_builder.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

uint64_t now_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct IoEngine::Tag {
	bool busy = false;
	IoOp op;
	uint64_t t0 = 0;
	unsigned int queue = 0;
	uint8_t *data = nullptr; // contiguous data pages (generated ops)
	std::unique_ptr<SharedPages> fresh;
	std::vector<trace::Segment> segs; // as sent, for the trace
	uint8_t wire_op = 0, indirect_op = 0;
};

IoEngine::IoEngine(Vbd &vbd, GrantSharer &gs, EventChannels &ev, const EngineConfig &cfg)
	: vbd_(vbd), gs_(gs), ev_(ev), cfg_(cfg)
{
	const Negotiated &n = vbd.neg();
	unsigned int per_ring = 0;

	for (auto &q : vbd.queues()) {
		rings_.emplace_back(q.pages->base(), n.ring_order, vbd.abi(), ev, q.port);
		per_ring = rings_.back().slots();
	}
	if (rings_.empty())
		throw std::logic_error("engine on an unconnected VBD");
	cfg_.iodepth = std::clamp(cfg_.iodepth, 1u,
				  per_ring * static_cast<unsigned int>(rings_.size()));
	tags_.resize(cfg_.iodepth);
	pages_per_tag_ = (cfg_.max_bytes + 4095) / 4096;
	unsigned int max_segs = std::max(pages_per_tag_, cfg_.max_trace_segs);

	if (max_segs > PVBLK_MAX_SEGS_DIRECT) {
		if (max_segs > n.indirect_segs)
			throw EnvError("requests of " + std::to_string(max_segs) +
				       " segments need indirect segments, but only " +
				       std::to_string(n.indirect_segs) +
				       " were negotiated (--indirect, and the backend's "
				       "feature-max-indirect-segments)");
		ind_per_tag_ = pvblk_indirect_pages(max_segs);
	}
	unsigned int total = (cfg_.policy == GrantPolicy::Pool ? pages_per_tag_ : 0) *
				     cfg_.iodepth +
			     ind_per_tag_ * cfg_.iodepth + cfg_.slots +
			     (cfg_.policy == GrantPolicy::Fresh ? pages_per_tag_ * cfg_.iodepth
								: 0);
	ensure_gntalloc_limit(total + 64);
	if (cfg_.policy == GrantPolicy::Pool && pages_per_tag_)
		pool_ = std::make_unique<SharedPages>(gs, pages_per_tag_ * cfg_.iodepth);
	if (ind_per_tag_) {
		ind_pool_ = std::make_unique<SharedPages>(gs, ind_per_tag_ * cfg_.iodepth);
		ind_used_.assign(ind_per_tag_ * cfg_.iodepth, false);
	}
	if (cfg_.slots)
		slot_pool_ = std::make_unique<SharedPages>(gs, cfg_.slots);
}

IoEngine::~IoEngine() = default;

unsigned int IoEngine::pick_queue(const IoOp &op, unsigned int tag) const
{
	if (op.queue >= 0)
		return static_cast<unsigned int>(op.queue) % rings_.size();
	return tag % rings_.size();
}

void IoEngine::submit(unsigned int t, IoOp &&op)
{
	Tag &tag = tags_[t];
	const Negotiated &n = vbd_.neg();
	const uint16_t handle = static_cast<uint16_t>(vbd_.devid());
	std::vector<pvblk_seg> segs;
	pvblk_req req;

	tag.segs.clear();
	tag.data = nullptr;
	tag.fresh.reset();
	if (op.op == PVBLK_OP_READ || op.op == PVBLK_OP_WRITE) {
		if (op.segs.empty()) {
			unsigned int np = static_cast<unsigned int>((op.nr_sectors + 7) / 8);
			std::vector<uint32_t> refs;

			if (cfg_.policy == GrantPolicy::Pool) {
				unsigned int first = t * pages_per_tag_;

				tag.data = pool_->page(first);
				for (unsigned int i = 0; i < np; i++) {
					refs.push_back(pool_->ref(first + i));
					tag.segs.push_back({ first + i, 0, 7 });
				}
			} else {
				tag.fresh = std::make_unique<SharedPages>(gs_, np);
				tag.data = tag.fresh->base();
				for (unsigned int i = 0; i < np; i++) {
					refs.push_back(tag.fresh->ref(i));
					tag.segs.push_back(
						{ static_cast<uint32_t>(fresh_slot_++), 0, 7 });
				}
			}
			segs = segments_for(op.nr_sectors, refs);
			for (size_t i = 0; i < segs.size(); i++)
				tag.segs[i].last = segs[i].last_sect;
			if (op.generated && op.op == PVBLK_OP_WRITE && cfg_.verify)
				fill_pattern(tag.data, op.sector,
					     static_cast<uint32_t>(op.nr_sectors), cfg_.tag);
		} else {
			for (const auto &s : op.segs) {
				pvblk_seg g{};

				if (s.slot >= cfg_.slots)
					throw std::runtime_error("grant slot " +
								 std::to_string(s.slot) +
								 " beyond the trace's slot count");
				g.gref = slot_pool_->ref(s.slot);
				g.first_sect = s.first;
				g.last_sect = s.last;
				segs.push_back(g);
			}
			tag.segs = op.segs;
		}
		if (segs.size() <= PVBLK_MAX_SEGS_DIRECT) {
			req = make_direct(op.op, t, handle, op.sector, segs);
			tag.wire_op = op.op;
			tag.indirect_op = 0;
		} else {
			std::vector<void *> pages;
			std::vector<uint32_t> refs;
			unsigned int np = pvblk_indirect_pages(
				static_cast<unsigned int>(segs.size()));

			if (segs.size() > n.indirect_segs || np > ind_per_tag_)
				throw std::runtime_error(
					"a request of " + std::to_string(segs.size()) +
					" segments is above the negotiated indirect limit");
			for (unsigned int i = 0; i < np; i++) {
				ind_used_[t * ind_per_tag_ + i] = true;
				ind_uses_++;
				pages.push_back(ind_pool_->page(t * ind_per_tag_ + i));
				refs.push_back(ind_pool_->ref(t * ind_per_tag_ + i));
			}
			write_indirect_segs(pages, segs);
			req = make_indirect(op.op, t, handle, op.sector,
					    static_cast<uint16_t>(segs.size()), refs);
			tag.wire_op = PVBLK_OP_INDIRECT;
			tag.indirect_op = op.op;
		}
	} else if (op.op == PVBLK_OP_DISCARD) {
		req = make_discard(t, op.sector, op.nr_sectors, false);
		tag.wire_op = op.op;
	} else {
		req = make_direct(op.op, t, handle, op.sector, {});
		tag.wire_op = op.op;
	}
	tag.queue = pick_queue(op, t);
	FrontRing &r = rings_[tag.queue];

	pvblk_encode_req(r.next_slot(), &req, vbd_.abi());
	r.produce();
	dirty_[tag.queue] = true;
	tag.op = std::move(op);
	tag.busy = true;
	tag.t0 = now_ns();
	inflight_++;
}

void IoEngine::complete(const Response &r)
{
	if (r.id >= tags_.size() || !tags_[r.id].busy)
		throw std::runtime_error("backend answered id " + std::to_string(r.id) +
					 ", which is not in flight");
	Tag &tag = tags_[r.id];
	uint64_t lat = now_ns() - tag.t0;

	tag.busy = false;
	inflight_--;
	rep_.requests++;
	rep_.lat_ns.push_back(lat);
	if (r.status != PVBLK_RSP_OKAY)
		rep_.errors++;
	if (tag.op.op == PVBLK_OP_READ)
		rep_.reads++;
	else if (tag.op.op == PVBLK_OP_WRITE)
		rep_.writes++;
	else
		rep_.others++;
	uint64_t sectors = tag.op.nr_sectors;

	if (!tag.op.segs.empty()) {
		sectors = 0;
		for (const auto &s : tag.op.segs)
			sectors += static_cast<uint64_t>(s.last - s.first) + 1;
	}
	if (tag.op.op == PVBLK_OP_READ || tag.op.op == PVBLK_OP_WRITE)
		rep_.bytes += sectors * 512;
	if (cfg_.verify && tag.op.generated && tag.op.op == PVBLK_OP_READ &&
	    r.status == PVBLK_RSP_OKAY) {
		int64_t bad = check_pattern(tag.data, tag.op.sector,
					    static_cast<uint32_t>(tag.op.nr_sectors), cfg_.tag);

		if (bad >= 0) {
			rep_.verify_errors++;
			if (verify_reported_++ < 5)
				std::cerr << "pvblk-ring: verify: sector "
					  << tag.op.sector + static_cast<uint64_t>(bad)
					  << " read back wrong data\n";
		}
	}
	if (cfg_.record) {
		trace::Record rec;

		rec.time_ns = tag.t0 - start_ns_;
		rec.latency_ns = lat;
		rec.queue = static_cast<uint16_t>(tag.queue);
		rec.id = r.id;
		rec.op = tag.wire_op;
		rec.indirect_op = tag.indirect_op;
		rec.sector = tag.op.sector;
		rec.nr_sectors = tag.op.op == PVBLK_OP_DISCARD ? tag.op.nr_sectors : 0;
		rec.status = r.status;
		rec.segs = tag.segs;
		trace_.push_back(std::move(rec));
	}
	tag.fresh.reset(); // fresh policy: the grant ends with the request
}

Report IoEngine::run(IoSource &src)
{
	rep_ = Report();
	rep_.command = cfg_.name;
	dirty_.assign(rings_.size(), false);
	start_ns_ = now_ns();
	uint64_t last_progress = start_ns_, last_answer = start_ns_, last_stop_check = 0;
	uint64_t deadline = cfg_.runtime_s > 0
				    ? start_ns_ + static_cast<uint64_t>(cfg_.runtime_s * 1e9)
				    : UINT64_MAX;
	std::optional<IoOp> held;
	bool src_done = false;

	for (;;) {
		check_interrupted();
		uint64_t now = now_ns();

		if (now >= deadline)
			src_done = true;
		if (!cfg_.stop_file.empty() && now - last_stop_check >= 100000000ull) {
			last_stop_check = now;
			if (access(cfg_.stop_file.c_str(), F_OK) == 0)
				src_done = true;
		}
		// submit what fits
		for (unsigned int t = 0; t < tags_.size() && !src_done; t++) {
			if (tags_[t].busy)
				continue;
			if (!held) {
				IoOp op;

				if (!src.next(op)) {
					src_done = true;
					break;
				}
				held = std::move(op);
			}
			if (cfg_.paced && start_ns_ + held->t_ns > now)
				break;
			if (!rings_[pick_queue(*held, t)].free_slots())
				break;
			submit(t, std::move(*held));
			held.reset();
		}
		for (size_t q = 0; q < rings_.size(); q++)
			if (dirty_[q]) {
				rings_[q].push();
				dirty_[q] = false;
			}
		// collect
		unsigned int got = 0;

		for (auto &r : rings_) {
			bool overrun = false;

			got += r.consume([&](const Response &resp) { complete(resp); }, &overrun);
			if (overrun)
				throw std::runtime_error("backend published rsp_prod " +
							 std::to_string(r.backend_rsp_prod()) +
							 " beyond the requests it was given");
		}
		now = now_ns();
		if (got || !inflight_)
			last_answer = now;
		if (src_done && !held && inflight_ == 0)
			break;
		if (cfg_.progress && now - last_progress >= 5000000000ull) {
			last_progress = now;
			double s = static_cast<double>(now - start_ns_) / 1e9;

			fprintf(stderr,
				"pvblk-ring %s: %.0f s, %llu requests, %.0f IOPS, %llu errors\n",
				cfg_.name.c_str(), s, (unsigned long long)rep_.requests,
				static_cast<double>(rep_.requests) / s,
				(unsigned long long)rep_.errors);
		}
		if (!got) {
			if (inflight_ && now - last_answer > cfg_.stall_s * 1000000000ull)
				throw std::runtime_error(
					"backend stopped answering: " + std::to_string(inflight_) +
					" requests outstanding for " +
					std::to_string(cfg_.stall_s) + " s");
			// Nothing more can go out now: wait for an answer, or the pace.
			int ms = 100;

			if (held && cfg_.paced) {
				uint64_t due = start_ns_ + held->t_ns;

				ms = due > now ? static_cast<int>(std::min<uint64_t>(
							 (due - now) / 1000000 + 1, 100))
					       : 0;
			}
			if (inflight_)
				ev_.wait(ms);
			else if (ms)
				usleep(static_cast<useconds_t>(ms) * 1000);
		}
	}
	rep_.seconds = static_cast<double>(now_ns() - start_ns_) / 1e9;
	// Grants the backend saw for indirect pages (for hit/miss accounting).
	rep_.extra["indirect_page_uses"] = static_cast<double>(ind_uses_);
	rep_.extra["indirect_pages_distinct"] = static_cast<double>(
		std::count(ind_used_.begin(), ind_used_.end(), true));
	rep_.finish();
	return rep_;
}

} // namespace pvblk::ring
