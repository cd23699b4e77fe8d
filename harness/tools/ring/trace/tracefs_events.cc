// SPDX-License-Identifier: GPL-2.0-only
//
// Pairing tracepoint events into records; see tracefs_events.h.
#include "trace/tracefs_events.h"

#include <algorithm>

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

namespace {

std::string request_name(const TpEvent &e)
{
	return "dom " + std::to_string(e.dom) + " vbd " + std::to_string(e.vbd) + " ring " +
	       std::to_string(e.ring) + " id " + std::to_string(e.id);
}

} // namespace

Recorder::Recorder(std::optional<unsigned int> dom, std::optional<unsigned int> vbd)
	: dom_(dom), vbd_(vbd)
{
}

void Recorder::feed_line(const std::string &line)
{
	auto lost = parse_lost_line(line, ++lines_);

	if (lost) {
		lost_notes_++;
		lost_events_ += lost->count.value_or(0);
		return;
	}
	auto e = parse_tp_line(line, lines_);

	if (e) {
		events_++;
		feed(*e);
	}
}

void Recorder::add_segs(Pending &p, const TpEvent &e)
{
	unsigned int nseg = p.start->nseg;

	if (e.at + e.segs.size() > nseg)
		throw TpFormatError(e.line, 0,
				    request_name(e) + ": segments " + std::to_string(e.at) + ".." +
					    std::to_string(e.at + e.segs.size() - 1) +
					    " but the request has " + std::to_string(nseg));
	for (size_t i = 0; i < e.segs.size(); i++) {
		unsigned int at = e.at + static_cast<unsigned int>(i);

		if (p.have[at])
			throw TpFormatError(e.line, 0,
					    request_name(e) + ": segment " + std::to_string(at) +
						    " given twice");
		p.have[at] = true;
		p.segs[at] = e.segs[i];
		p.have_n++;
	}
}

void Recorder::feed(const TpEvent &e)
{
	if ((dom_ && e.dom != *dom_) || (vbd_ && e.vbd != *vbd_))
		return;
	Key k{ e.dom, e.vbd, e.ring, e.id };

	if (e.kind == TpKind::Start) {
		if (!t0_)
			t0_ = e.ts_ns;
		Pending &p = pending_[k];
		std::vector<TpEvent> early;

		if (!p.start) // else a request whose response was lost: replaced
			early = std::move(p.early);
		p = Pending{};
		p.start = e;
		p.segs.resize(e.nseg);
		p.have.assign(e.nseg, false);
		add_segs(p, e);
		for (const TpEvent &s : early)
			add_segs(p, s);
		finish_if_complete(k, p);
		return;
	}
	if (e.kind == TpKind::Segs) {
		Pending &p = pending_[k];

		if (!p.start) {
			p.early.push_back(e); // its start is on another CPU's buffer
			return;
		}
		add_segs(p, e);
		finish_if_complete(k, p);
		return;
	}
	auto it = pending_.find(k);

	if (it == pending_.end() || !it->second.start) {
		unmatched_++; // started before the recording
		if (it != pending_.end())
			pending_.erase(it);
		return;
	}
	if (e.nseg != it->second.start->nseg)
		throw TpFormatError(e.line, 0,
				    request_name(e) + ": the response says nseg " +
					    std::to_string(e.nseg) + ", the request " +
					    std::to_string(it->second.start->nseg));
	it->second.done = e;
	finish_if_complete(k, it->second);
}

void Recorder::finish_if_complete(const Key &k, Pending &p)
{
	const TpEvent &s = *p.start;

	if (p.have_n < s.nseg)
		return;
	if (p.slots.empty() && s.nseg) {
		// slots in order of first use, once the request's segments are all known
		uint64_t who = static_cast<uint64_t>(s.dom) << 32 | s.vbd;

		for (const TpSeg &g : p.segs) {
			auto [slot, fresh] = slot_of_.try_emplace({ who, g.gref }, next_slot_);

			if (fresh)
				next_slot_++;
			p.slots.push_back(slot->second);
		}
	}
	if (!p.done)
		return;
	const TpEvent &d = *p.done;
	trace::Record r;

	r.time_ns = s.ts_ns - *t0_;
	r.latency_ns = d.ts_ns >= s.ts_ns ? d.ts_ns - s.ts_ns : 0;
	r.queue = static_cast<uint16_t>(s.ring);
	r.id = s.id;
	r.op = static_cast<uint8_t>(s.op);
	r.indirect_op = s.op == PVBLK_OP_INDIRECT ? static_cast<uint8_t>(s.indirect_op) : 0;
	r.sector = s.sector;
	r.nr_sectors = s.op == PVBLK_OP_DISCARD ? s.nr_sectors : 0;
	r.status = static_cast<int16_t>(d.status);
	if (r.status != PVBLK_RSP_OKAY && r.status != PVBLK_RSP_EOPNOTSUPP)
		r.status = PVBLK_RSP_ERROR;
	for (size_t i = 0; i < p.segs.size(); i++)
		r.segs.push_back({ p.slots[i], p.segs[i].first, p.segs[i].last });
	out_.push_back(std::move(r));
	pending_.erase(k);
}

std::vector<trace::Record> Recorder::records() const
{
	std::vector<trace::Record> v = out_;

	std::stable_sort(v.begin(), v.end(), [](const trace::Record &a, const trace::Record &b) {
		return a.time_ns < b.time_ns;
	});
	return v;
}

} // namespace pvblk::ring
