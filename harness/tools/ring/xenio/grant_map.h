// SPDX-License-Identifier: GPL-2.0-only
//
// The backend's side of grants, through /dev/xen/gntdev (libxengnttab):
// mapping a peer's granted pages (the shared rings, or data pages a
// backend chooses to hold) with the unmap in a destructor, and grant copy
// between a peer's granted pages and our own memory, which moves request
// data without ever mapping it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

struct xengntdev_handle;

namespace pvblk::ring {

class GrantTable;

// @count pages of domain @domid mapped contiguously; unmapped when
// destroyed (the GrantTable must outlive it).
class ForeignMapping {
public:
	ForeignMapping(GrantTable &gt, uint32_t domid, const std::vector<uint32_t> &refs,
		       bool writable = true);
	~ForeignMapping();
	ForeignMapping(const ForeignMapping &) = delete;
	ForeignMapping &operator=(const ForeignMapping &) = delete;

	uint8_t *base() const { return base_; }
	unsigned int count() const { return count_; }

private:
	GrantTable &gt_;
	uint8_t *base_;
	unsigned int count_;
};

// One piece of a grant copy: @len bytes at @offset of peer page @gref,
// to or from @local.
struct CopySeg {
	uint32_t gref;
	uint16_t offset;
	uint16_t len;
	uint8_t *local;
};

class GrantTable {
public:
	GrantTable(); // throws EnvError
	~GrantTable();
	GrantTable(const GrantTable &) = delete;
	GrantTable &operator=(const GrantTable &) = delete;

	// Copy from the peer's pages into ours (@from_peer) or back. Returns
	// false when the hypervisor refused any piece (a bad grant).
	bool copy(uint32_t domid, const std::vector<CopySeg> &segs, bool from_peer);
	uint64_t mapped_now() const { return mapped_; }

private:
	friend class ForeignMapping;
	struct xengntdev_handle *h_;
	uint64_t mapped_ = 0;
};

} // namespace pvblk::ring
