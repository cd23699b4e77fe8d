// SPDX-License-Identifier: GPL-2.0-only
//
// The backend's end of a shared ring; see back_ring.h.
#include "backend/back_ring.h"

#include "cmd/cli.h"

extern "C" {
#include "pvblk/req_check.h"
}

namespace pvblk::ring {

namespace {

uint32_t load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

} // namespace

BackRing::BackRing(GrantTable &gt, uint32_t domid, const std::vector<uint32_t> &refs,
		   unsigned int order, pvblk_abi abi, uint32_t port)
	: abi_(abi), port_(port), nr_slots_(pvblk_ring_slots(abi, order))
{
	if (!nr_slots_ || refs.size() != (1u << order))
		throw EnvError("ring of order " + std::to_string(order) + " with " +
			       std::to_string(refs.size()) + " page(s) is not usable");
	map_ = std::make_unique<ForeignMapping>(gt, domid, refs);
	// A fresh ring: the frontend initialised its indexes to 0.
	req_cons_ = rsp_prod_pvt_ = answered_ = load(&hdr()->rsp_prod);
}

uint32_t BackRing::req_prod() const
{
	return load(&hdr()->req_prod);
}

bool BackRing::next(pvblk_req *out, bool *broken)
{
	uint32_t prod = req_prod();
	int n = pvblk_ring_pending(prod, req_cons_, answered_, nr_slots_);

	*broken = n < 0;
	if (n <= 0)
		return false;
	pvblk_fetch_req(out, pvblk_ring_entry(map_->base(), abi_, nr_slots_, req_cons_), abi_);
	req_cons_++;
	requests_++;
	return true;
}

bool BackRing::want_more()
{
	store(&hdr()->req_event, req_cons_ + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return req_prod() != req_cons_;
}

void BackRing::respond(uint64_t id, uint8_t op, int16_t status, bool extra)
{
	if (!extra)
		answered_++;
	pvblk_put_rsp(pvblk_ring_entry(map_->base(), abi_, nr_slots_, rsp_prod_pvt_), abi_, id, op,
		      status);
	rsp_prod_pvt_++;
	responses_++;
}

void BackRing::publish()
{
	publish_raw(rsp_prod_pvt_);
}

void BackRing::publish_raw(uint32_t prod)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	store(&hdr()->rsp_prod, prod);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

} // namespace pvblk::ring
