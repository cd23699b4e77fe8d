// SPDX-License-Identifier: GPL-2.0-only
//
// The frontend's side of one shared ring: request slots, publishing the
// producer index with the notify-if-needed rule, and consuming responses
// (each read once through the core's pvblk_fetch_rsp()).
#pragma once

#include <cstdint>

#include "xenio/event_channel.h"

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

struct Response {
	uint64_t id;
	uint8_t op;
	int16_t status;
};

class FrontRing {
public:
	FrontRing(uint8_t *sring, unsigned int order, pvblk_abi abi, EventChannels &ev,
		  uint32_t port);

	unsigned int slots() const { return nr_; }
	unsigned int free_slots() const { return nr_ - (req_prod_pvt_ - rsp_cons_); }
	// The slot at the private producer index; advance with produce().
	void *next_slot() const;
	void produce() { req_prod_pvt_++; }
	// Publish produced requests; notify the backend when it asked.
	void push();
	// Publish @prod as req_prod whatever it is (attacks), and notify.
	void push_raw(uint32_t prod);
	uint32_t req_prod_pvt() const { return req_prod_pvt_; }
	void set_req_prod_pvt(uint32_t v) { req_prod_pvt_ = v; }
	// Consume every response published; @fn(Response). Re-arms rsp_event
	// and rechecks (no lost wakeup). Returns how many were consumed, or
	// stops with *@overrun set when rsp_prod runs more than the ring's
	// size ahead of our requests (a broken backend).
	template <typename F> unsigned int consume(F fn, bool *overrun);
	uint32_t backend_rsp_prod() const;
	uint32_t port() const { return port_; }
	pvblk_sring_hdr *hdr() const { return hdr_; }
	void notify() { ev_.notify(port_); }

private:
	pvblk_sring_hdr *hdr_;
	uint8_t *sring_;
	pvblk_abi abi_;
	unsigned int nr_;
	EventChannels &ev_;
	uint32_t port_;
	uint32_t req_prod_pvt_ = 0, rsp_cons_ = 0;
};

template <typename F> unsigned int FrontRing::consume(F fn, bool *overrun)
{
	unsigned int n = 0;

	*overrun = false;
	for (;;) {
		uint32_t prod = backend_rsp_prod();

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (prod - rsp_cons_ > req_prod_pvt_ - rsp_cons_) {
			*overrun = true;
			return n;
		}
		while (rsp_cons_ != prod) {
			Response r;
			u64 id;
			u8 op;
			s16 st;

			pvblk_fetch_rsp(pvblk_ring_entry(sring_, abi_, nr_, rsp_cons_), abi_, &id,
					&op, &st);
			r.id = id;
			r.op = op;
			r.status = st;
			rsp_cons_++;
			n++;
			fn(r);
		}
		__atomic_store_n(&hdr_->rsp_event, rsp_cons_ + 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (backend_rsp_prod() == rsp_cons_)
			return n;
	}
}

} // namespace pvblk::ring
