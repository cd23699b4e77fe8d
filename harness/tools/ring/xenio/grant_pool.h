// SPDX-License-Identifier: GPL-2.0-only
//
// Pages dom0 grants to itself through gntalloc (xengntshr): each
// SharedPages is one contiguous mapping with one grant per page, ended
// (unshared) in its destructor.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

struct xengntdev_handle;
typedef struct xengntdev_handle xengntshr_handle;

namespace pvblk::ring {

class GrantSharer {
public:
	GrantSharer(); // throws EnvError
	~GrantSharer();
	GrantSharer(const GrantSharer &) = delete;
	GrantSharer &operator=(const GrantSharer &) = delete;
	xengntshr_handle *handle() const { return h_; }
	uint64_t shared_now() const { return live_; }
	uint64_t shared_total() const { return total_; }

private:
	friend class SharedPages;
	xengntshr_handle *h_;
	uint64_t live_ = 0, total_ = 0;
};

class SharedPages {
public:
	// Shares @count zeroed pages, writable, with domain @domid.
	SharedPages(GrantSharer &g, unsigned int count, uint32_t domid = 0);
	~SharedPages();
	SharedPages(const SharedPages &) = delete;
	SharedPages &operator=(const SharedPages &) = delete;

	unsigned int count() const { return static_cast<unsigned int>(refs_.size()); }
	uint8_t *page(unsigned int i) const { return base_ + static_cast<size_t>(i) * 4096; }
	uint8_t *base() const { return base_; }
	uint32_t ref(unsigned int i) const { return refs_[i]; }
	const std::vector<uint32_t> &refs() const { return refs_; }

private:
	GrantSharer &g_;
	uint8_t *base_;
	std::vector<uint32_t> refs_;
};

} // namespace pvblk::ring
