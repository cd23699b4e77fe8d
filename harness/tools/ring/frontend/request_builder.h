// SPDX-License-Identifier: GPL-2.0-only
//
// Building blkif requests on the shared ABI (include/pvblk/wire.h): the
// canonical struct pvblk_req, encoded into ring slots by the core's
// pvblk_encode_req(). Direct requests carry up to 11 segments; larger
// ones become INDIRECT with the segments in granted indirect pages.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

extern "C" {
#include "pvblk/wire.h"
}

namespace pvblk::ring {

// Segments covering @nr_sectors 512-byte sectors from the start of the
// pages named by @grefs (one page per 8 sectors, the last one partial).
// Throws std::invalid_argument when @grefs has too few pages.
std::vector<pvblk_seg> segments_for(uint64_t nr_sectors, std::span<const uint32_t> grefs);

// A READ/WRITE/barrier/flush request with its segments in the slot.
// Throws std::invalid_argument above PVBLK_MAX_SEGS_DIRECT segments.
pvblk_req make_direct(uint8_t op, uint64_t id, uint16_t handle, uint64_t sector,
		      std::span<const pvblk_seg> segs);

// An INDIRECT request of @nr_segs segments living in the pages named by
// @indirect_grefs (pvblk_indirect_pages(nr_segs) of them).
pvblk_req make_indirect(uint8_t data_op, uint64_t id, uint16_t handle, uint64_t sector,
			uint16_t nr_segs, std::span<const uint32_t> indirect_grefs);

// A DISCARD of @nr_sectors at @sector (the wire form has no handle).
pvblk_req make_discard(uint64_t id, uint64_t sector, uint64_t nr_sectors, bool secure);

// Lay @segs out over indirect pages (PVBLK_SEGS_PER_INDIRECT_PAGE per
// page, wire layout, padding zeroed). Throws when @pages are too few.
void write_indirect_segs(std::span<void *const> pages, std::span<const pvblk_seg> segs);

// Sectors @segs cover.
uint64_t segments_sectors(std::span<const pvblk_seg> segs);

} // namespace pvblk::ring
