// SPDX-License-Identifier: GPL-2.0-only
//
// The shared ring's indexes and the event channel misused: the backend
// must stop the ring or keep serving, never trust what it cannot.
#include <chrono>
#include <string>
#include <vector>

#include "attack/attacker.h"
#include "attack/handlers.h"
#include "cmd/signals.h"

namespace pvblk::ring::attack {

AttackResult prod_overflow(Attacker &a)
{
	AttackResult res;
	FrontRing &ring = a.ring();
	uint32_t before = ring.backend_rsp_prod();

	ring.push_raw(ring.req_prod_pvt() + ring.slots() + 7);
	auto v = a.collect(1, 3000);
	res.pass = v.empty() && ring.backend_rsp_prod() == before;
	res.detail = res.pass ? "no answer in 3 s: the ring stopped"
			      : "the backend answered " + status_list(v) + " after the bad index";
	// nothing else is pushed on this ring
	return res;
}

AttackResult rsp_scribble(Attacker &a)
{
	AttackResult res;
	FrontRing &ring = a.ring();
	auto *h = ring.hdr();

	__atomic_store_n(&h->rsp_prod, 0xdeadbeefu, __ATOMIC_SEQ_CST);
	__atomic_store_n(&h->rsp_event, 0x12345678u, __ATOMIC_SEQ_CST);
	a.send(a.read(5, 0));
	std::vector<Response> v;
	auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (v.empty() && std::chrono::steady_clock::now() < end) {
		check_interrupted();
		if (ring.backend_rsp_prod() == 1)
			v = a.collect(1, 100);
		else
			a.session().ev->wait(50);
	}
	res.pass = v.size() == 1 && v[0].id == 5 && v[0].status == PVBLK_RSP_OKAY;
	res.detail = v.empty() ? "no answer (rsp_prod " + std::to_string(ring.backend_rsp_prod()) +
					 ")"
			       : "answered " + status_list(v) + ", rsp_prod rewritten to 1";
	return res;
}

AttackResult evtchn_storm(Attacker &a)
{
	AttackResult res;
	auto t0 = std::chrono::steady_clock::now();

	for (int i = 0; i < 200000; i++) {
		if (!(i & 4095))
			check_interrupted();
		a.session().ev->notify(a.ring().port());
	}
	double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	res.pass = true;
	res.detail = "200000 notifications in " + std::to_string(s) + " s";
	return a.still_serves(res);
}

AttackResult dup_id(Attacker &a)
{
	AttackResult res;

	a.put(a.read(7, 0, 2));
	a.put(a.read(7, 64, 3));
	a.ring().push();
	auto v = a.collect(2, 10000);
	res.pass = v.size() == 2 && v[0].id == 7 && v[1].id == 7;
	res.detail = std::to_string(v.size()) + " answers: " + status_list(v);
	return res.pass ? a.still_serves(res) : res;
}

} // namespace pvblk::ring::attack
