// SPDX-License-Identifier: GPL-2.0-only
//
// Closing with the ring busy: the backend must still reach Closed, and
// answer, served or refused, every request it was given.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "attack/attacker.h"
#include "attack/handlers.h"
#include "frontend/request_builder.h"

namespace pvblk::ring::attack {

AttackResult teardown_inflight(Attacker &a)
{
	AttackResult res;
	unsigned int k = std::min(a.ring().slots(), 32u);

	for (unsigned int i = 0; i < k; i++)
		a.put(a.read(i, static_cast<uint64_t>(i) * 8, i % 16));
	a.ring().push();
	bool clean = a.session().vbd->close();
	res.pass = clean;
	res.detail = clean ? std::to_string(k) + " in flight; the backend closed"
			   : "the backend did not close with requests in flight";
	return res;
}

AttackResult close_under_discards(Attacker &a)
{
	// Whole-device discards run one at a time in the backend: a backend
	// that serves the ring out before it closes takes slots x one
	// discard. Closing is sent once the first answer is back (the
	// backend is then working through the ring) or after 2 s; the line
	// printed before it lets a script start an honest VBD at that moment.
	// The last slots are cache flushes. None may come back as an error:
	// one refused at the close must still be done for real (OKAY); one
	// served before it is OKAY, or "not supported" on a device without a
	// write cache.
	AttackResult res;
	unsigned int k = a.ring().slots();
	const unsigned int flushes = 4;

	for (unsigned int i = 0; i < k; i++)
		a.put(i + flushes >= k ? make_direct(PVBLK_OP_FLUSH_DISKCACHE, i, a.handle(), 0, {})
				       : make_discard(i, 0, a.neg().sectors, false));
	a.ring().push();
	auto t0 = std::chrono::steady_clock::now();
	auto v = a.collect(1, 2000);
	std::cout << "close-under-discards: " << k - flushes << " discards and " << flushes
		  << " flushes sent, " << v.size() << " answered before Closing; closing\n"
		  << std::flush;
	auto t1 = std::chrono::steady_clock::now();
	std::chrono::steady_clock::time_point t2;
	// Every request posted must come back, served or refused: a frontend
	// that closes waits for each one it sent. Read before the ring is
	// given up.
	std::vector<Response> rest;
	bool clean = a.session().vbd->close([&] {
		t2 = std::chrono::steady_clock::now();
		rest = a.collect(k - v.size(), 5000);
	});
	auto ms = [](auto from, auto to) {
		return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
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
	res.detail = std::to_string(k) + " discards in flight after " + std::to_string(ms(t0, t1)) +
		     " ms; closed_ms " + std::to_string(ms(t1, t2)) +
		     (clean ? " (Closing to Closed)" : " (the backend did not close)") + "; " +
		     std::to_string(answered) + " of " + std::to_string(k) + " answered, " +
		     std::to_string(flushed) + " of " + std::to_string(flushes) +
		     " flushes OKAY, " + std::to_string(flush_errors) + " answered with an error";
	return res;
}

} // namespace pvblk::ring::attack
