// SPDX-License-Identifier: GPL-2.0-only
//
// The attacks' shared ring and checks; see attacker.h.
#include "attack/attacker.h"

#include <chrono>
#include <sstream>

#include "cmd/signals.h"
#include "frontend/request_builder.h"

namespace pvblk::ring {

Attacker::Attacker(Session &s)
	: s_(s), ring_(s.vbd->queues()[0].pages->base(), s.vbd->neg().ring_order, s.vbd->abi(),
		       *s.ev, s.vbd->queues()[0].port),
	  pool_(*s.gs, 16)
{
}

pvblk_req Attacker::read(uint64_t id, uint64_t sector, unsigned int page) const
{
	uint32_t ref = pool_.ref(page);
	return make_direct(PVBLK_OP_READ, id, handle(), sector, segments_for(8, { &ref, 1 }));
}

void Attacker::put(const pvblk_req &r)
{
	pvblk_encode_req(ring_.next_slot(), &r, s_.vbd->abi());
	ring_.produce();
}

void Attacker::send(const pvblk_req &r)
{
	put(r);
	ring_.push();
}

std::vector<Response> Attacker::collect(size_t want, int ms)
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
	r.detail = v.size() == reqs.size()
			   ? "answered " + status_list(v)
			   : std::to_string(v.size()) + " of " + std::to_string(reqs.size()) +
				     " answered (" + status_list(v) + ")";
	return r.pass ? still_serves(r) : r;
}

} // namespace pvblk::ring
