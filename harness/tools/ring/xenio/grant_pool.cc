// SPDX-License-Identifier: GPL-2.0-only
//
// gntalloc sharing; see grant_pool.h.
#include "xenio/grant_pool.h"

extern "C" {
#include <xengnttab.h>
}

#include <cerrno>
#include <cstring>
#include <string>

#include "cmd/cli.h"

namespace pvblk::ring {

GrantSharer::GrantSharer() : h_(xengntshr_open(nullptr, 0))
{
	if (!h_)
		throw EnvError(std::string("cannot open gntalloc (xengntshr_open): ") +
			       strerror(errno) + " (load xen-gntalloc)");
}

GrantSharer::~GrantSharer()
{
	xengntshr_close(h_);
}

SharedPages::SharedPages(GrantSharer &g, unsigned int count, uint32_t domid) : g_(g), refs_(count)
{
	base_ = static_cast<uint8_t *>(
		xengntshr_share_pages(g.h_, domid, static_cast<int>(count), refs_.data(), 1));
	if (!base_)
		throw EnvError("granting " + std::to_string(count) +
			       " pages failed: " + strerror(errno) +
			       " (xen-gntalloc's limit parameter, or grant table full?)");
	memset(base_, 0, static_cast<size_t>(count) * 4096);
	g_.live_ += count;
	g_.total_ += count;
}

SharedPages::~SharedPages()
{
	// gntalloc ends every grant; one still mapped by the backend is
	// ended by the kernel as soon as the backend unmaps it.
	xengntshr_unshare(g_.h_, base_, count());
	g_.live_ -= count();
}

} // namespace pvblk::ring
