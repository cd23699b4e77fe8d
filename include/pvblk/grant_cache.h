/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent-grant cache of one ring: which frontend grant refs the
 * backend keeps mapped, so a reused ref costs a lookup instead of a
 * map/unmap hypercall pair (and its TLB shootdown).
 *
 *  - O(1) lookup by grant ref: a hash table (seeded mixer, chains, at
 *    least twice as many buckets as entries) over a preallocated entry
 *    array.
 *  - Bounded: never more than @max entries, whatever refs the frontend
 *    sends.  A mapping that does not fit is refused (pvblk_gc_add() says
 *    -ENOSPC); the caller then uses it for this request only and unmaps
 *    it afterwards ("overflow"), and the cache asks for a shrink.
 *  - In-use counting: pvblk_gc_get()/pvblk_gc_add() take a use,
 *    pvblk_gc_put() drops it.  An entry in use is never evicted.
 *  - LRU: idle entries (no use) sit on a list ordered by the time of their
 *    last release; eviction takes the least recently used first.
 *  - Ageing by a caller-supplied clock (any unit, e.g. jiffies): an idle
 *    entry unused for @idle_timeout is evicted by the next shrink.
 *  - The cache never maps or unmaps: pvblk_gc_shrink() and pvblk_gc_drain()
 *    remove entries and hand back (gref, handle, page) for the caller to
 *    unmap, in batches of the caller's size.
 *
 * Concurrency: none inside.  The caller serializes every call on one cache
 * (the ring's worker, or a lock of the ring's).  Entry pointers stay valid
 * while the entry is in use.
 */
#ifndef PVBLK_GRANT_CACHE_H
#define PVBLK_GRANT_CACHE_H

#include "pvblk/seam.h"

/* Largest accepted @max: keeps entry indexes and the allocation sane. */
#define PVBLK_GC_MAX_ENTRIES	0x100000u

struct pvblk_gc_entry {
	u32 gref;		/* the frontend's grant ref: the key */
	u32 handle;		/* grant handle returned by the map */
	struct page *page;	/* backend page the grant is mapped at */
	u64 last_used;		/* caller clock at the last release */
	u32 in_use;		/* current users; 0 = idle, evictable */
	u32 hnext;		/* hash chain / free list link */
	u32 prev, next;		/* idle LRU list links */
};

/* One mapping handed back to the caller to unmap. */
struct pvblk_gc_unmap {
	u32 gref;
	u32 handle;
	struct page *page;
};

struct pvblk_gc_stats {
	u64 hits;		/* lookups that found the ref */
	u64 misses;		/* lookups that did not */
	u64 evictions;		/* entries removed by pvblk_gc_shrink() */
	u64 overflow;		/* mappings refused because the cache was full */
};

struct pvblk_gcache {
	struct pvblk_gc_entry *ent;	/* @max entries */
	u32 *bucket;			/* hash heads, @bucket_mask + 1 */
	u32 bucket_mask;
	u32 seed;			/* hash seed: random in the kernel */
	u32 max;			/* bound on mapped entries */
	u32 count;			/* entries mapped now */
	u32 nr_idle;			/* entries on the idle LRU list */
	u32 free_head;			/* unused entries, via hnext */
	u32 lru_head, lru_tail;		/* idle list: head = newest */
	u32 shrink_batch;		/* entries to free when full (5%) */
	bool room_wanted;		/* overflowed: shrink to make room */
	u64 idle_timeout;		/* 0: no ageing */
	struct pvblk_gc_stats stats;
};

/*
 * Set up an empty cache of at most @max_entries entries (0 is allowed:
 * every add overflows) whose idle entries age out after @idle_timeout clock units
 * (0: never).  @seed keys the hash (pass get_random_u32()).  Returns 0,
 * -EINVAL for @max_entries above PVBLK_GC_MAX_ENTRIES, or -ENOMEM.
 */
int pvblk_gc_init(struct pvblk_gcache *c, unsigned int max_entries,
		  u64 idle_timeout, u32 seed);

/* Free the cache's memory.  Call after pvblk_gc_drain() returned 0. */
void pvblk_gc_destroy(struct pvblk_gcache *c);

/* Look @gref up.  A hit takes a use of the entry; NULL on a miss. */
struct pvblk_gc_entry *pvblk_gc_get(struct pvblk_gcache *c, u32 gref);

/*
 * Enter a mapping the caller just made after a miss; the new entry is in
 * use (one use) and returned in *@out.  Returns 0, -EEXIST when @gref is
 * already cached (the same ref twice in one batch: keep this mapping
 * non-persistent), or -ENOSPC when the cache is full (overflow: keep it
 * non-persistent; a shrink is now wanted).
 */
int pvblk_gc_add(struct pvblk_gcache *c, u32 gref, u32 handle,
		 struct page *page, struct pvblk_gc_entry **out);

/*
 * Drop one use of @e at time @now.  The last use makes it idle and the
 * most recently used entry.  Returns -EINVAL if @e was not in use.
 */
int pvblk_gc_put(struct pvblk_gcache *c, struct pvblk_gc_entry *e, u64 now);

/* Would pvblk_gc_shrink() at @now remove anything? */
bool pvblk_gc_want_shrink(const struct pvblk_gcache *c, u64 now);

/*
 * Remove up to @n idle entries, least recently used first: those idle for
 * @idle_timeout or longer, then - after an overflow - enough to leave room
 * for a batch (5% of @max) of new mappings.  Their mappings are written to
 * @out for the caller to unmap.  Returns how many; call again while it
 * returns @n.
 */
unsigned int pvblk_gc_shrink(struct pvblk_gcache *c, u64 now,
			     struct pvblk_gc_unmap *out, unsigned int n);

/*
 * Teardown: remove up to @n entries whatever their state (the caller has
 * no request in flight) and hand their mappings back.  Returns how many;
 * call until it returns 0.
 */
unsigned int pvblk_gc_drain(struct pvblk_gcache *c,
			    struct pvblk_gc_unmap *out, unsigned int n);

/* Entries mapped now. */
static inline unsigned int pvblk_gc_count(const struct pvblk_gcache *c)
{
	return c->count;
}

#endif /* PVBLK_GRANT_CACHE_H */
