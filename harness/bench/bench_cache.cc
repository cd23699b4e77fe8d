// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk_bench_cache: cost of one persistent-grant lookup (find the ref,
// take a use, drop it) with 32, 1056 and 8192 grants cached, for
//   hash   - our cache, core/grant_cache.c, exactly as the backend uses it;
//   linear - the 2012 design: an array searched front to back;
//   rbtree - the reference's red-black tree (std::map is one).
// Hits walk the cached refs in a random order; misses look up refs that
// are not cached.  A benchmark, not a test: run by scripts/bench-core.sh.

#include <cstdint>
#include <map>
#include <random>
#include <unordered_set>
#include <vector>

#include <benchmark/benchmark.h>

extern "C" {
#include "pvblk/grant_cache.h"
}

namespace {

constexpr size_t kProbes = 1 << 16; // probe sequence length (a power of two)

struct Refs {
	std::vector<uint32_t> cached; // the refs in the cache
	std::vector<uint32_t> hits;   // probe sequence of cached refs
	std::vector<uint32_t> misses; // probe sequence of refs not cached
};

// Distinct refs as a guest's grant table hands them out: scattered over
// a few hundred thousand entries.
Refs MakeRefs(size_t n)
{
	std::mt19937 rng(1234 + n);
	std::unordered_set<uint32_t> seen;
	Refs r;

	while (r.cached.size() < n) {
		uint32_t g = 8 + rng() % (1u << 19);
		if (seen.insert(g).second)
			r.cached.push_back(g);
	}
	for (size_t i = 0; i < kProbes; i++)
		r.hits.push_back(r.cached[rng() % n]);
	while (r.misses.size() < kProbes) {
		uint32_t g = 8 + rng() % (1u << 19);
		if (!seen.count(g))
			r.misses.push_back(g);
	}
	return r;
}

struct page *FakePage(uint32_t g)
{
	return reinterpret_cast<struct page *>(static_cast<uintptr_t>(g) * 64);
}

// ---- hash: the real thing ----

class HashCache {
public:
	explicit HashCache(const Refs &r)
	{
		pvblk_gc_init(&c_, r.cached.size(), 0, 0x9e3779b9u);
		for (uint32_t g : r.cached) {
			pvblk_gc_entry *e;
			pvblk_gc_add(&c_, g, g, FakePage(g), &e);
			pvblk_gc_put(&c_, e, 0);
		}
	}
	~HashCache()
	{
		std::vector<pvblk_gc_unmap> out(256);
		while (pvblk_gc_drain(&c_, out.data(), out.size()))
			;
		pvblk_gc_destroy(&c_);
	}
	struct page *Lookup(uint32_t g, uint64_t now)
	{
		pvblk_gc_entry *e = pvblk_gc_get(&c_, g);
		if (!e)
			return nullptr;
		struct page *p = e->page;
		pvblk_gc_put(&c_, e, now);
		return p;
	}

private:
	pvblk_gcache c_;
};

// ---- linear: the 2012 array ----

struct Slot {
	uint32_t gref, handle;
	struct page *page;
	uint32_t in_use;
	uint64_t last_used;
};

class LinearCache {
public:
	explicit LinearCache(const Refs &r)
	{
		for (uint32_t g : r.cached)
			v_.push_back({ g, g, FakePage(g), 0, 0 });
	}
	struct page *Lookup(uint32_t g, uint64_t now)
	{
		for (Slot &s : v_) {
			if (s.gref == g) {
				s.in_use++;
				struct page *p = s.page;
				s.in_use--;
				s.last_used = now;
				return p;
			}
		}
		return nullptr;
	}

private:
	std::vector<Slot> v_;
};

// ---- rbtree: the reference's choice ----

class TreeCache {
public:
	explicit TreeCache(const Refs &r)
	{
		for (uint32_t g : r.cached)
			m_[g] = { g, g, FakePage(g), 0, 0 };
	}
	struct page *Lookup(uint32_t g, uint64_t now)
	{
		auto it = m_.find(g);
		if (it == m_.end())
			return nullptr;
		it->second.in_use++;
		struct page *p = it->second.page;
		it->second.in_use--;
		it->second.last_used = now;
		return p;
	}

private:
	std::map<uint32_t, Slot> m_;
};

template <class Cache, bool kHit> void BM_Lookup(benchmark::State &state)
{
	const Refs refs = MakeRefs(state.range(0));
	const std::vector<uint32_t> &probes = kHit ? refs.hits : refs.misses;
	Cache cache(refs);
	size_t i = 0;
	uint64_t now = 0;

	for (auto _ : state) {
		struct page *p = cache.Lookup(probes[i++ & (kProbes - 1)], now++);
		benchmark::DoNotOptimize(p);
	}
	state.SetItemsProcessed(state.iterations());
}

#define SIZES ->Arg(32)->Arg(1056)->Arg(8192)

BENCHMARK_TEMPLATE(BM_Lookup, HashCache, true)->Name("hit/hash") SIZES;
BENCHMARK_TEMPLATE(BM_Lookup, LinearCache, true)->Name("hit/linear") SIZES;
BENCHMARK_TEMPLATE(BM_Lookup, TreeCache, true)->Name("hit/rbtree") SIZES;
BENCHMARK_TEMPLATE(BM_Lookup, HashCache, false)->Name("miss/hash") SIZES;
BENCHMARK_TEMPLATE(BM_Lookup, LinearCache, false)->Name("miss/linear") SIZES;
BENCHMARK_TEMPLATE(BM_Lookup, TreeCache, false)->Name("miss/rbtree") SIZES;

} // namespace

BENCHMARK_MAIN();
