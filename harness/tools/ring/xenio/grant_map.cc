// SPDX-License-Identifier: GPL-2.0-only
//
// Grant mapping and grant copy; see grant_map.h.
#include "xenio/grant_map.h"

#include <sys/mman.h>
extern "C" {
#include <xengnttab.h>
}

#include <cerrno>
#include <cstring>
#include <string>

#include "cmd/cli.h"

namespace pvblk::ring {

GrantTable::GrantTable() : h_(xengnttab_open(nullptr, 0))
{
	if (!h_)
		throw EnvError(std::string("cannot open /dev/xen/gntdev: ") + strerror(errno) +
			       " (load xen-gntdev)");
	// Rings of up to 16 pages, several queues, held data pages.
	xengnttab_set_max_grants(h_, 4096);
}

GrantTable::~GrantTable()
{
	xengnttab_close(h_);
}

bool GrantTable::copy(uint32_t domid, const std::vector<CopySeg> &segs, bool from_peer)
{
	std::vector<xengnttab_grant_copy_segment_t> v(segs.size());

	for (size_t i = 0; i < segs.size(); i++) {
		auto &g = v[i];
		const CopySeg &s = segs[i];

		memset(&g, 0, sizeof(g));
		if (from_peer) {
			g.source.foreign.ref = s.gref;
			g.source.foreign.offset = s.offset;
			g.source.foreign.domid = static_cast<uint16_t>(domid);
			g.dest.virt = s.local;
			g.flags = GNTCOPY_source_gref;
		} else {
			g.source.virt = s.local;
			g.dest.foreign.ref = s.gref;
			g.dest.foreign.offset = s.offset;
			g.dest.foreign.domid = static_cast<uint16_t>(domid);
			g.flags = GNTCOPY_dest_gref;
		}
		g.len = s.len;
	}
	if (v.empty())
		return true;
	if (xengnttab_grant_copy(h_, static_cast<uint32_t>(v.size()), v.data()))
		return false;
	for (const auto &g : v)
		if (g.status != GNTST_okay)
			return false;
	return true;
}

ForeignMapping::ForeignMapping(GrantTable &gt, uint32_t domid, const std::vector<uint32_t> &refs,
			       bool writable)
	: gt_(gt), count_(static_cast<unsigned int>(refs.size()))
{
	void *p = xengnttab_map_domain_grant_refs(gt.h_, count_, domid,
						  const_cast<uint32_t *>(refs.data()),
						  writable ? PROT_READ | PROT_WRITE : PROT_READ);

	if (!p)
		throw EnvError("mapping " + std::to_string(count_) + " grant(s) of domain " +
			       std::to_string(domid) + ": " + strerror(errno));
	base_ = static_cast<uint8_t *>(p);
	gt_.mapped_ += count_;
}

ForeignMapping::~ForeignMapping()
{
	xengnttab_unmap(gt_.h_, base_, count_);
	gt_.mapped_ -= count_;
}

} // namespace pvblk::ring
