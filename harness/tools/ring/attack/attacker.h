// SPDX-License-Identifier: GPL-2.0-only
//
// What the attacks share: a frontend ring on an attached VBD, a few
// granted pages, and the checks "every request came back with an error"
// and "a valid READ is still served".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attack/attacks.h"
#include "frontend/front_ring.h"
#include "frontend/session.h"

namespace pvblk::ring {

class Attacker {
public:
	explicit Attacker(Session &s);

	Session &session() { return s_; }
	FrontRing &ring() { return ring_; }
	SharedPages &pool() { return pool_; }
	const Negotiated &neg() const { return s_.vbd->neg(); }
	uint16_t handle() const { return static_cast<uint16_t>(s_.vbd->devid()); }

	// A valid one-page READ at @sector into pool page @page.
	pvblk_req read(uint64_t id, uint64_t sector, unsigned int page = 0) const;
	// Put @r on the ring, unpublished.
	void put(const pvblk_req &r);
	// Put @r on the ring and publish it.
	void send(const pvblk_req &r);
	// Responses until @want arrived or @ms passed.
	std::vector<Response> collect(size_t want, int ms);
	// Send @reqs (distinct ids); each must come back with an error, and a
	// READ after them must still be served.
	AttackResult expect_errors(const std::vector<pvblk_req> &reqs);
	// @r, failed unless a valid READ sent now is served.
	AttackResult still_serves(AttackResult r);

private:
	Session &s_;
	FrontRing ring_;
	SharedPages pool_;
};

// "id N:status,..." of @v, for the verdicts.
std::string status_list(const std::vector<Response> &v);

} // namespace pvblk::ring
