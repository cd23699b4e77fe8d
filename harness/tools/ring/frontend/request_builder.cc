// SPDX-License-Identifier: GPL-2.0-only
//
// Request construction on the shared ABI; see request_builder.h.
#include "frontend/request_builder.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace pvblk::ring {

std::vector<pvblk_seg> segments_for(uint64_t nr_sectors, std::span<const uint32_t> grefs)
{
	std::vector<pvblk_seg> segs;
	uint64_t left = nr_sectors;

	if (!nr_sectors)
		throw std::invalid_argument("a request of 0 sectors has no segments");
	for (size_t i = 0; left; i++) {
		if (i >= grefs.size())
			throw std::invalid_argument("not enough pages for " +
						    std::to_string(nr_sectors) + " sectors");
		uint64_t n = left < PVBLK_SECTORS_PER_PAGE ? left : PVBLK_SECTORS_PER_PAGE;
		pvblk_seg s{};

		s.gref = grefs[i];
		s.first_sect = 0;
		s.last_sect = static_cast<u8>(n - 1);
		segs.push_back(s);
		left -= n;
	}
	return segs;
}

pvblk_req make_direct(uint8_t op, uint64_t id, uint16_t handle, uint64_t sector,
		      std::span<const pvblk_seg> segs)
{
	pvblk_req r{};

	if (segs.size() > PVBLK_MAX_SEGS_DIRECT)
		throw std::invalid_argument("a direct request carries at most 11 segments");
	r.operation = op;
	r.id = id;
	r.handle = handle;
	r.sector = sector;
	r.nr_segments = static_cast<u16>(segs.size());
	for (size_t i = 0; i < segs.size(); i++)
		r.seg[i] = segs[i];
	return r;
}

pvblk_req make_indirect(uint8_t data_op, uint64_t id, uint16_t handle, uint64_t sector,
			uint16_t nr_segs, std::span<const uint32_t> indirect_grefs)
{
	pvblk_req r{};

	if (indirect_grefs.size() > PVBLK_MAX_INDIRECT_PAGES)
		throw std::invalid_argument("at most 8 indirect pages");
	r.operation = PVBLK_OP_INDIRECT;
	r.indirect_op = data_op;
	r.id = id;
	r.handle = handle;
	r.sector = sector;
	r.nr_segments = nr_segs;
	for (size_t i = 0; i < indirect_grefs.size(); i++)
		r.indirect_grefs[i] = indirect_grefs[i];
	return r;
}

pvblk_req make_discard(uint64_t id, uint64_t sector, uint64_t nr_sectors, bool secure)
{
	pvblk_req r{};

	r.operation = PVBLK_OP_DISCARD;
	r.id = id;
	r.sector = sector;
	r.nr_sectors = nr_sectors;
	r.discard_flag = secure ? PVBLK_DISCARD_SECURE : 0;
	return r;
}

void write_indirect_segs(std::span<void *const> pages, std::span<const pvblk_seg> segs)
{
	if (pages.size() < pvblk_indirect_pages(static_cast<unsigned int>(segs.size())))
		throw std::invalid_argument("not enough indirect pages");
	for (size_t i = 0; i < segs.size(); i++) {
		pvblk_wire_seg w{};

		w.gref = segs[i].gref;
		w.first_sect = segs[i].first_sect;
		w.last_sect = segs[i].last_sect;
		auto *page = static_cast<uint8_t *>(pages[i / PVBLK_SEGS_PER_INDIRECT_PAGE]);
		memcpy(page + (i % PVBLK_SEGS_PER_INDIRECT_PAGE) * sizeof(w), &w, sizeof(w));
	}
}

uint64_t segments_sectors(std::span<const pvblk_seg> segs)
{
	uint64_t n = 0;

	for (const auto &s : segs)
		n += static_cast<uint64_t>(s.last_sect - s.first_sect) + 1;
	return n;
}

} // namespace pvblk::ring
