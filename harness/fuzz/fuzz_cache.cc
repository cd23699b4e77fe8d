// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target: the persistent-grant cache driven by a random stream
// of segment lookups (with map+add on a miss), completions, clock ticks
// and shrinks, as a frontend choosing refs and a backend completing I/O
// in any order would.  Invariants: the bound is never exceeded, an entry
// in use is never handed back for unmapping, every mapping is handed back
// exactly once (by shrink or by the final drain), never one we did not add.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "invariant.h"

extern "C" {
#include "pvblk/grant_cache.h"
}

static struct page *FakePage(uint32_t handle)
{
	return reinterpret_cast<struct page *>(static_cast<uintptr_t>(handle) * 64 + 64);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	const unsigned int max = data[0] % 70;
	const uint64_t timeout = data[1] % 4 ? data[1] % 40 : 0;
	pvblk_gcache c;
	CHECK(pvblk_gc_init(&c, max, timeout, data[2] * 0x01010101u) == 0);

	std::map<uint32_t, uint32_t> mapped; // gref -> handle, per our bookkeeping
	std::multiset<uint32_t> in_use;	     // grefs we hold a use of
	std::vector<pvblk_gc_entry *> uses;
	uint32_t next_handle = 1;
	uint64_t now = 0;
	std::vector<pvblk_gc_unmap> out(16);

	for (size_t i = 3; i + 1 < size; i += 2) {
		const uint8_t op = data[i], arg = data[i + 1];

		switch (op % 4) {
		case 0: { // a segment names gref @arg % 96
			uint32_t g = arg % 96;
			pvblk_gc_entry *e = pvblk_gc_get(&c, g);

			CHECK((e != nullptr) == (mapped.count(g) == 1));
			if (!e) {
				int rc = pvblk_gc_add(&c, g, next_handle, FakePage(next_handle),
						      &e);
				if (rc == -ENOSPC) {
					CHECK(mapped.size() == max);
					break;
				}
				CHECK(rc == 0);
				mapped[g] = next_handle++;
			}
			CHECK(e->gref == g && e->handle == mapped[g]);
			CHECK(e->page == FakePage(e->handle));
			uses.push_back(e);
			in_use.insert(g);
			break;
		}
		case 1: // a completion
			if (!uses.empty()) {
				size_t k = arg % uses.size();
				pvblk_gc_entry *e = uses[k];

				in_use.erase(in_use.find(e->gref));
				CHECK(pvblk_gc_put(&c, e, now) == 0);
				uses.erase(uses.begin() + k);
			}
			break;
		case 2: // the clock
			now += arg % 16;
			break;
		default: { // the ring thread's shrink
			unsigned int n = 1 + arg % out.size();
			unsigned int k = pvblk_gc_shrink(&c, now, out.data(), n);

			CHECK(k <= n);
			for (unsigned int j = 0; j < k; j++) {
				CHECK(in_use.count(out[j].gref) == 0);
				auto it = mapped.find(out[j].gref);
				CHECK(it != mapped.end() && it->second == out[j].handle);
				CHECK(out[j].page == FakePage(out[j].handle));
				mapped.erase(it);
			}
			break;
		}
		}
		CHECK(pvblk_gc_count(&c) == mapped.size());
		CHECK(pvblk_gc_count(&c) <= max);
	}

	unsigned int k;
	while ((k = pvblk_gc_drain(&c, out.data(), out.size()))) {
		for (unsigned int j = 0; j < k; j++) {
			auto it = mapped.find(out[j].gref);
			CHECK(it != mapped.end() && it->second == out[j].handle);
			mapped.erase(it);
		}
	}
	CHECK(mapped.empty());
	CHECK(pvblk_gc_count(&c) == 0);
	pvblk_gc_destroy(&c);
	return 0;
}
