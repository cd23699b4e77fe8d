// SPDX-License-Identifier: GPL-2.0-only
//
// core/grant_cache.c: hit, miss, bound, LRU order, idle ageing, in-use
// protection, a flood of fresh refs, teardown, allocation failure, and a
// randomized comparison against a plain C++ model of the same rules.
// Grant "mappings" are fakes: a handle number and a page pointer value
// that the cache must carry around and hand back, never dereference.

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <iterator>
#include <list>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/grant_cache.h"
extern int pvblk_fake_alloc_fail_in;
}

namespace {

struct page *FakePage(uint32_t n)
{
	return reinterpret_cast<struct page *>(static_cast<uintptr_t>(0x10000u + n * 64u));
}

// RAII owner of a cache; drains and destroys on scope exit.
class Cache {
public:
	Cache(unsigned int max, uint64_t timeout = 0, uint32_t seed = 0x5eed)
	{
		rc_ = pvblk_gc_init(&c_, max, timeout, seed);
	}
	~Cache()
	{
		std::vector<pvblk_gc_unmap> out(64);

		if (rc_ == 0) {
			while (pvblk_gc_drain(&c_, out.data(), out.size()))
				;
			pvblk_gc_destroy(&c_);
		}
	}
	Cache(const Cache &) = delete;
	Cache &operator=(const Cache &) = delete;

	pvblk_gcache *operator->() { return &c_; }
	pvblk_gcache *get() { return &c_; }
	int rc() const { return rc_; }

	// A miss followed by the caller's map and add; returns the entry.
	pvblk_gc_entry *Map(uint32_t gref)
	{
		pvblk_gc_entry *e = pvblk_gc_get(&c_, gref);

		if (e)
			return e;
		EXPECT_EQ(pvblk_gc_add(&c_, gref, gref + 1000, FakePage(gref), &e), 0) << gref;
		return e;
	}

	std::vector<uint32_t> Shrink(uint64_t now, unsigned int n = 1024)
	{
		std::vector<pvblk_gc_unmap> out(n);
		unsigned int k = pvblk_gc_shrink(&c_, now, out.data(), n);
		std::vector<uint32_t> grefs;

		for (unsigned int i = 0; i < k; i++) {
			EXPECT_EQ(out[i].handle, out[i].gref + 1000);
			EXPECT_EQ(out[i].page, FakePage(out[i].gref));
			grefs.push_back(out[i].gref);
		}
		return grefs;
	}

private:
	pvblk_gcache c_;
	int rc_;
};

TEST(GrantCache, MissAddHitPut)
{
	Cache c(8);
	ASSERT_EQ(c.rc(), 0);

	EXPECT_EQ(pvblk_gc_get(c.get(), 42), nullptr);
	pvblk_gc_entry *e = nullptr;
	ASSERT_EQ(pvblk_gc_add(c.get(), 42, 7, FakePage(1), &e), 0);
	ASSERT_NE(e, nullptr);
	EXPECT_EQ(e->gref, 42u);
	EXPECT_EQ(e->handle, 7u);
	EXPECT_EQ(e->page, FakePage(1));
	EXPECT_EQ(e->in_use, 1u);
	EXPECT_EQ(pvblk_gc_put(c.get(), e, 5), 0);

	pvblk_gc_entry *h = pvblk_gc_get(c.get(), 42);
	EXPECT_EQ(h, e);
	EXPECT_EQ(h->in_use, 1u);
	pvblk_gc_entry *h2 = pvblk_gc_get(c.get(), 42); // same ref twice in flight
	EXPECT_EQ(h2, e);
	EXPECT_EQ(h2->in_use, 2u);
	EXPECT_EQ(pvblk_gc_put(c.get(), e, 6), 0);
	EXPECT_EQ(pvblk_gc_put(c.get(), e, 6), 0);
	EXPECT_EQ(pvblk_gc_put(c.get(), e, 6), -EINVAL) << "put without a use";

	EXPECT_EQ(c->stats.hits, 2u);
	EXPECT_EQ(c->stats.misses, 1u);
	EXPECT_EQ(c->stats.overflow, 0u);
	EXPECT_EQ(pvblk_gc_count(c.get()), 1u);
}

TEST(GrantCache, SameRefAddedTwiceIsRefused)
{
	Cache c(8);
	pvblk_gc_entry *a, *b;

	ASSERT_EQ(pvblk_gc_add(c.get(), 9, 1, FakePage(1), &a), 0);
	EXPECT_EQ(pvblk_gc_add(c.get(), 9, 2, FakePage(2), &b), -EEXIST);
	EXPECT_EQ(b, nullptr);
	EXPECT_EQ(pvblk_gc_count(c.get()), 1u);
	EXPECT_EQ(a->handle, 1u) << "the first mapping stays";
}

TEST(GrantCache, BoundIsNeverExceeded)
{
	Cache c(16);

	for (uint32_t g = 0; g < 16; g++)
		ASSERT_NE(c.Map(g), nullptr);
	pvblk_gc_entry *e;
	for (uint32_t g = 100; g < 200; g++) {
		ASSERT_EQ(pvblk_gc_get(c.get(), g), nullptr);
		EXPECT_EQ(pvblk_gc_add(c.get(), g, 0, FakePage(g), &e), -ENOSPC);
		EXPECT_EQ(e, nullptr);
	}
	EXPECT_EQ(pvblk_gc_count(c.get()), 16u);
	EXPECT_EQ(c->stats.overflow, 100u);
}

TEST(GrantCache, ZeroSizedCacheOverflowsEveryAdd)
{
	Cache c(0);
	pvblk_gc_entry *e;

	ASSERT_EQ(c.rc(), 0);
	EXPECT_EQ(pvblk_gc_get(c.get(), 1), nullptr);
	EXPECT_EQ(pvblk_gc_add(c.get(), 1, 1, FakePage(1), &e), -ENOSPC);
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 1000));
	EXPECT_TRUE(c.Shrink(1000).empty());
}

TEST(GrantCache, InitRejectsHugeBoundAndSurvivesAllocationFailure)
{
	pvblk_gcache c;

	EXPECT_EQ(pvblk_gc_init(&c, PVBLK_GC_MAX_ENTRIES + 1, 0, 0), -EINVAL);
	for (int nth : { 1, 2 }) {
		pvblk_fake_alloc_fail_in = nth;
		EXPECT_EQ(pvblk_gc_init(&c, 1056, 0, 0), -ENOMEM) << "allocation " << nth;
		EXPECT_EQ(pvblk_fake_alloc_fail_in, 0);
	}
	// LeakSanitizer checks at exit that the failed inits freed everything.
	ASSERT_EQ(pvblk_gc_init(&c, PVBLK_GC_MAX_ENTRIES, 0, 0), 0);
	pvblk_gc_destroy(&c);
}

TEST(GrantCache, LruEvictsLeastRecentlyReleasedIdleEntriesFirst)
{
	Cache c(20); // batch: 1 (5% of 20)
	pvblk_gc_entry *e[20];

	for (uint32_t g = 0; g < 20; g++)
		e[g] = c.Map(g);
	for (uint32_t g = 0; g < 20; g++)
		pvblk_gc_put(c.get(), e[g], 100 + g); // released in order 0..19
	// touch 0 and 1 again: they become the most recent
	pvblk_gc_put(c.get(), c.Map(0), 200);
	pvblk_gc_put(c.get(), c.Map(1), 201);

	pvblk_gc_entry *x;
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 300)) << "no ageing, not full";
	EXPECT_EQ(pvblk_gc_add(c.get(), 500, 0, FakePage(500), &x), -ENOSPC);
	EXPECT_TRUE(pvblk_gc_want_shrink(c.get(), 300));
	EXPECT_EQ(c.Shrink(300), std::vector<uint32_t>({ 2 }));
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 300));
	EXPECT_EQ(pvblk_gc_add(c.get(), 500, 1500, FakePage(500), &x), 0);
	pvblk_gc_put(c.get(), x, 301);
	EXPECT_EQ(pvblk_gc_add(c.get(), 501, 0, FakePage(501), &x), -ENOSPC);
	EXPECT_EQ(c.Shrink(302), std::vector<uint32_t>({ 3 }));
	EXPECT_EQ(c->stats.evictions, 2u);
}

TEST(GrantCache, OverflowFreesABatchOfFivePercent)
{
	Cache c(1056); // batch: 52
	pvblk_gc_entry *x;

	for (uint32_t g = 0; g < 1056; g++)
		pvblk_gc_put(c.get(), c.Map(g), g);
	EXPECT_EQ(pvblk_gc_add(c.get(), 5000, 0, FakePage(5000), &x), -ENOSPC);
	// in small batches, as the glue would unmap them
	std::vector<uint32_t> all;
	for (;;) {
		std::vector<uint32_t> part = c.Shrink(2000, 16);
		all.insert(all.end(), part.begin(), part.end());
		if (part.size() < 16)
			break;
	}
	ASSERT_EQ(all.size(), 52u);
	for (uint32_t i = 0; i < 52; i++)
		EXPECT_EQ(all[i], i) << "oldest first";
	EXPECT_EQ(pvblk_gc_count(c.get()), 1056u - 52);
	EXPECT_TRUE(c.Shrink(2000).empty()) << "room made: no more eviction";
}

TEST(GrantCache, IdleEntriesAgeOut)
{
	Cache c(64, /*timeout=*/15);
	pvblk_gc_entry *a = c.Map(1), *b = c.Map(2), *d = c.Map(3);

	pvblk_gc_put(c.get(), a, 0);
	pvblk_gc_put(c.get(), b, 10);
	pvblk_gc_put(c.get(), d, 20);
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 14));
	EXPECT_TRUE(c.Shrink(14).empty());
	EXPECT_TRUE(pvblk_gc_want_shrink(c.get(), 15));
	EXPECT_EQ(c.Shrink(25), std::vector<uint32_t>({ 1, 2 }));
	EXPECT_EQ(pvblk_gc_count(c.get()), 1u);
	// a hit refreshes: 3 is used again and released late
	pvblk_gc_put(c.get(), c.Map(3), 30);
	EXPECT_TRUE(c.Shrink(44).empty());
	EXPECT_EQ(c.Shrink(45), std::vector<uint32_t>({ 3 }));
	EXPECT_EQ(pvblk_gc_count(c.get()), 0u);
}

TEST(GrantCache, EntriesInUseAreNeverEvicted)
{
	Cache c(4, /*timeout=*/1);
	pvblk_gc_entry *e[4];
	pvblk_gc_entry *x;

	for (uint32_t g = 0; g < 4; g++)
		e[g] = c.Map(g);
	pvblk_gc_put(c.get(), e[2], 0); // only 2 is idle
	EXPECT_EQ(pvblk_gc_add(c.get(), 9, 0, FakePage(9), &x), -ENOSPC);
	EXPECT_EQ(c.Shrink(1000000), std::vector<uint32_t>({ 2 }));
	EXPECT_TRUE(c.Shrink(1000000).empty()) << "all others are in use, however old";
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 1000000));
	EXPECT_EQ(pvblk_gc_count(c.get()), 3u);
	for (uint32_t g : { 0u, 1u, 3u }) {
		EXPECT_EQ(e[g]->gref, g) << "still mapped and intact";
		EXPECT_EQ(e[g]->in_use, 1u);
	}
}

TEST(GrantCache, WishForRoomWaitsUntilSomethingIsIdle)
{
	Cache c(4, /*timeout=*/1000);
	pvblk_gc_entry *e[4];
	pvblk_gc_entry *x;

	for (uint32_t g = 0; g < 4; g++)
		e[g] = c.Map(g);
	EXPECT_EQ(pvblk_gc_add(c.get(), 9, 0, FakePage(9), &x), -ENOSPC);
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 10)) << "nothing evictable";
	EXPECT_TRUE(c.Shrink(10).empty());
	pvblk_gc_put(c.get(), e[1], 10); // idle, far from ageing out
	EXPECT_TRUE(pvblk_gc_want_shrink(c.get(), 10));
	EXPECT_EQ(c.Shrink(10), std::vector<uint32_t>({ 1 }));
	pvblk_gc_put(c.get(), e[0], 11);
	EXPECT_FALSE(pvblk_gc_want_shrink(c.get(), 11)) << "room made";
	EXPECT_TRUE(c.Shrink(11).empty());
	EXPECT_EQ(pvblk_gc_add(c.get(), 9, 1009, FakePage(9), &x), 0);
}

TEST(GrantCache, FloodOfFreshRefsStaysBounded)
{
	// A frontend sends 11-segment requests with never-repeating refs.
	const unsigned int kMax = 1056;
	Cache c(kMax, /*timeout=*/60);
	std::set<uint32_t> mapped; // what the cache holds, by our own bookkeeping
	uint64_t nonpersistent = 0, unmapped = 0;
	uint32_t next = 1;
	std::vector<pvblk_gc_unmap> out(32);

	for (uint64_t req = 0; req < 20000; req++) {
		std::vector<pvblk_gc_entry *> used;

		for (int s = 0; s < 11; s++) {
			uint32_t g = next++;
			pvblk_gc_entry *e;

			ASSERT_EQ(pvblk_gc_get(c.get(), g), nullptr);
			int rc = pvblk_gc_add(c.get(), g, g + 1000, FakePage(g), &e);
			if (rc == 0) {
				mapped.insert(g);
				used.push_back(e);
			} else {
				ASSERT_EQ(rc, -ENOSPC);
				nonpersistent++; // mapped, used once, unmapped by the caller
			}
			ASSERT_LE(pvblk_gc_count(c.get()), kMax);
		}
		for (pvblk_gc_entry *e : used)
			pvblk_gc_put(c.get(), e, req / 1000);
		if (pvblk_gc_want_shrink(c.get(), req / 1000)) {
			unsigned int k;

			while ((k = pvblk_gc_shrink(c.get(), req / 1000, out.data(), out.size()))) {
				for (unsigned int i = 0; i < k; i++)
					ASSERT_EQ(mapped.erase(out[i].gref), 1u) << out[i].gref;
				unmapped += k;
			}
		}
		ASSERT_EQ(mapped.size(), pvblk_gc_count(c.get()));
	}
	EXPECT_EQ(c->stats.misses, 220000u);
	EXPECT_EQ(c->stats.overflow, nonpersistent);
	EXPECT_GT(nonpersistent, 0u);
	EXPECT_EQ(c->stats.evictions, unmapped);
	EXPECT_LE(mapped.size(), kMax);
}

TEST(GrantCache, DrainHandsBackEveryMappingOnce)
{
	pvblk_gcache c;
	std::set<uint32_t> want, got;
	std::vector<pvblk_gc_unmap> out(7);
	pvblk_gc_entry *e;

	ASSERT_EQ(pvblk_gc_init(&c, 100, 10, 99), 0);
	for (uint32_t g = 0; g < 100; g++) {
		ASSERT_EQ(pvblk_gc_add(&c, g * 977, g, FakePage(g), &e), 0);
		if (g % 3)
			pvblk_gc_put(&c, e, g); // a third stays "in use"
		want.insert(g * 977);
	}
	unsigned int k;
	while ((k = pvblk_gc_drain(&c, out.data(), out.size()))) {
		for (unsigned int i = 0; i < k; i++) {
			EXPECT_TRUE(got.insert(out[i].gref).second) << "twice: " << out[i].gref;
			EXPECT_EQ(out[i].page, FakePage(out[i].handle));
		}
	}
	EXPECT_EQ(got, want);
	EXPECT_EQ(pvblk_gc_count(&c), 0u);
	EXPECT_EQ(c.nr_idle, 0u);
	// the drained cache is empty but usable again
	EXPECT_EQ(pvblk_gc_get(&c, 977), nullptr);
	ASSERT_EQ(pvblk_gc_add(&c, 977, 1, FakePage(1), &e), 0);
	EXPECT_EQ(pvblk_gc_drain(&c, out.data(), out.size()), 1u);
	pvblk_gc_destroy(&c);
}

TEST(GrantCache, HashChainsStayShortForGuestChosenRefs)
{
	// Structural O(1) check, not a timing: the longest chain for 1056
	// refs of several adversarial-looking patterns.
	const uint32_t strides[] = { 1, 2, 3, 512, 1024, 2048, 4096, 65536, 1u << 22 };

	for (uint32_t stride : strides) {
		Cache c(1056);
		for (uint32_t i = 0; i < 1056; i++)
			ASSERT_NE(c.Map(i * stride), nullptr);
		unsigned int longest = 0;
		for (uint32_t b = 0; b <= c->bucket_mask; b++) {
			unsigned int len = 0;
			for (uint32_t i = c->bucket[b]; i != 0xffffffffu; i = c->ent[i].hnext)
				len++;
			longest = std::max(longest, len);
		}
		// 1056 keys in 4096 buckets: a fair hash gives ~4 at most
		EXPECT_LE(longest, 8u) << "stride " << stride;
	}
}

// ---- randomized comparison against a straightforward model ----

struct Model {
	struct Ent {
		uint32_t handle;
		uint32_t in_use;
		uint64_t last;
	};
	unsigned int max, batch;
	uint64_t timeout;
	std::map<uint32_t, Ent> m;
	std::list<uint32_t> idle; // front: most recently released
	bool room = false;

	bool Aged(uint32_t g, uint64_t now) const
	{
		const Ent &e = m.at(g);
		return timeout && now >= e.last && now - e.last >= timeout;
	}
	void UpdateRoom()
	{
		if (room && m.size() + batch <= max)
			room = false;
	}
	std::vector<uint32_t> Shrink(uint64_t now, unsigned int n)
	{
		std::vector<uint32_t> out;

		while (out.size() < n && !idle.empty()) {
			uint32_t g = idle.back();
			if (!Aged(g, now)) {
				UpdateRoom();
				if (!room)
					break;
			}
			idle.pop_back();
			m.erase(g);
			out.push_back(g);
		}
		UpdateRoom();
		return out;
	}
};

TEST(GrantCache, RandomOperationsMatchTheModel)
{
	for (uint32_t seed = 1; seed <= 6; seed++) {
		std::mt19937 rng(seed);
		const unsigned int max = 1 + rng() % 64;
		const uint64_t timeout = (seed % 3) ? 1 + rng() % 50 : 0;
		Cache c(max, timeout, seed);
		Model m{ max, std::max(max / 20, 1u), timeout, {}, {}, false };
		std::multimap<uint32_t, pvblk_gc_entry *> live; // one element per use held
		uint64_t now = 0;
		uint32_t handle = 1;

		for (int step = 0; step < 20000; step++) {
			SCOPED_TRACE(testing::Message() << "seed " << seed << " step " << step);
			unsigned int op = rng() % 10;
			uint32_t g = rng() % (3 * max);

			if (op < 4) { // a segment: lookup, map+add on a miss
				pvblk_gc_entry *e = pvblk_gc_get(c.get(), g);
				auto it = m.m.find(g);
				ASSERT_EQ(e != nullptr, it != m.m.end());
				if (e) {
					ASSERT_EQ(e->handle, it->second.handle);
					if (it->second.in_use++ == 0)
						m.idle.remove(g);
				} else {
					int rc = pvblk_gc_add(c.get(), g, handle, FakePage(handle),
							      &e);
					if (m.m.size() >= max) {
						ASSERT_EQ(rc, -ENOSPC);
						m.room = true;
						continue;
					}
					ASSERT_EQ(rc, 0);
					m.m[g] = { handle, 1, 0 };
					handle++;
				}
				live.emplace(g, e);
			} else if (op < 7) { // a completion
				if (live.empty())
					continue;
				auto it = std::next(live.begin(), rng() % live.size());
				ASSERT_EQ(pvblk_gc_put(c.get(), it->second, now), 0);
				Model::Ent &me = m.m.at(it->first);
				if (--me.in_use == 0) {
					me.last = now;
					m.idle.push_front(it->first);
				}
				live.erase(it);
			} else if (op < 9) { // the clock
				now += rng() % 10;
			} else { // the ring thread's periodic shrink
				unsigned int n = 1 + rng() % 8;
				bool want = pvblk_gc_want_shrink(c.get(), now);
				std::vector<pvblk_gc_unmap> out(n);
				std::map<uint32_t, uint32_t> handles;
				for (auto &kv : m.m)
					handles[kv.first] = kv.second.handle;
				unsigned int k = pvblk_gc_shrink(c.get(), now, out.data(), n);
				std::vector<uint32_t> exp = m.Shrink(now, n);
				ASSERT_EQ(k, exp.size());
				for (unsigned int i = 0; i < k; i++) {
					ASSERT_EQ(out[i].gref, exp[i]) << "eviction " << i;
					ASSERT_EQ(out[i].handle, handles[exp[i]]);
					ASSERT_EQ(out[i].page, FakePage(out[i].handle));
				}
				ASSERT_EQ(want, k > 0);
			}
			ASSERT_EQ(pvblk_gc_count(c.get()), m.m.size());
			ASSERT_EQ(c->nr_idle, m.idle.size());
		}
	}
}

} // namespace
