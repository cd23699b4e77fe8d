// SPDX-License-Identifier: GPL-2.0-only
//
// The frontend ring; see front_ring.h.
#include "frontend/front_ring.h"

namespace pvblk::ring {

FrontRing::FrontRing(uint8_t *sring, unsigned int order, pvblk_abi abi, EventChannels &ev,
		     uint32_t port)
	: hdr_(reinterpret_cast<pvblk_sring_hdr *>(sring)), sring_(sring), abi_(abi),
	  nr_(pvblk_ring_slots(abi, order)), ev_(ev), port_(port)
{
}

void *FrontRing::next_slot() const
{
	return pvblk_ring_entry(sring_, abi_, nr_, req_prod_pvt_);
}

uint32_t FrontRing::backend_rsp_prod() const
{
	return __atomic_load_n(&hdr_->rsp_prod, __ATOMIC_ACQUIRE);
}

void FrontRing::push()
{
	uint32_t old = __atomic_load_n(&hdr_->req_prod, __ATOMIC_RELAXED);
	uint32_t now = req_prod_pvt_;

	if (old == now)
		return;
	__atomic_thread_fence(__ATOMIC_RELEASE); // requests before the index
	__atomic_store_n(&hdr_->req_prod, now, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); // index before reading req_event
	uint32_t ev = __atomic_load_n(&hdr_->req_event, __ATOMIC_ACQUIRE);

	if (static_cast<uint32_t>(now - ev) < static_cast<uint32_t>(now - old))
		ev_.notify(port_);
}

void FrontRing::push_raw(uint32_t prod)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&hdr_->req_prod, prod, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ev_.notify(port_);
}

} // namespace pvblk::ring
