// SPDX-License-Identifier: GPL-2.0-only
//
// The honest data path of a userspace blkif backend: one decoded request
// (struct pvblk_req) checked by the protocol core against the
// connection's limits and served from a block device or file, its data
// moved by grant copy, so no page of the guest is ever mapped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xenio/grant_map.h"

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

// READ/WRITE, direct or INDIRECT: whether @q writes.
bool is_write_req(const pvblk_req &q);

class BackIo {
public:
	// Opens @path read-write; throws EnvError.
	BackIo(GrantTable &gt, uint32_t domid, const std::string &path);
	~BackIo();
	BackIo(const BackIo &) = delete;
	BackIo &operator=(const BackIo &) = delete;

	// The limits of the connection being served.
	void set_limits(unsigned int sector_size, uint32_t max_indirect, bool flush);
	// The disk in 512-byte sectors, whole logical blocks only.
	uint64_t sectors() const;
	// Serve @q; returns the response status.
	int16_t serve(const pvblk_req &q);
	// The segments of @q: its own, or read from its indirect pages.
	bool segments(const pvblk_req &q, std::vector<pvblk_seg> *segs);

private:
	GrantTable &gt_;
	uint32_t domid_;
	int fd_;
	uint64_t bytes_ = 0;
	unsigned int sector_size_ = 512;
	uint32_t max_indirect_ = 0;
	bool flush_ = false;
};

} // namespace pvblk::ring
