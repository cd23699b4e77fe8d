// SPDX-License-Identifier: GPL-2.0-only
//
// The backend's end of one shared blkif ring mapped from a frontend:
// requests copied out once and decoded by the protocol core
// (pvblk_fetch_req()), responses written by pvblk_put_rsp(), the ring
// indexes and event thresholds kept the way the protocol asks. The
// hostile cases also write raw indexes through it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "xenio/grant_map.h"

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

class BackRing {
public:
	// Maps @refs (2^order pages) of @domid.
	BackRing(GrantTable &gt, uint32_t domid, const std::vector<uint32_t> &refs,
		 unsigned int order, pvblk_abi abi, uint32_t port);

	unsigned int nr_slots() const { return nr_slots_; }
	uint32_t port() const { return port_; }
	uint32_t req_prod() const; // as the frontend published it

	// The next request, if any: false when none is pending or the
	// frontend's req_prod is not within one ring of our responses
	// (*@broken set; the ring must not be served any more).
	bool next(pvblk_req *out, bool *broken);
	// Ask for a notification at the next request; true when one arrived
	// meanwhile (look again).
	bool want_more();
	// Queue one response privately; publish() makes them visible. An
	// @extra response (a hostile duplicate) answers no request: it does
	// not count when the frontend's req_prod is checked.
	void respond(uint64_t id, uint8_t op, int16_t status, bool extra = false);
	void publish();
	// Hostile: publish @prod as rsp_prod, whatever was answered.
	void publish_raw(uint32_t prod);
	uint64_t requests() const { return requests_; }
	uint64_t responses() const { return responses_; }

private:
	pvblk_sring_hdr *hdr() const { return reinterpret_cast<pvblk_sring_hdr *>(map_->base()); }

	std::unique_ptr<ForeignMapping> map_;
	pvblk_abi abi_;
	uint32_t port_;
	unsigned int nr_slots_;
	uint32_t req_cons_ = 0, rsp_prod_pvt_ = 0;
	uint32_t answered_ = 0; // requests answered: rsp_prod_pvt_ less extras
	uint64_t requests_ = 0, responses_ = 0;
};

} // namespace pvblk::ring
