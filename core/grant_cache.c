// SPDX-License-Identifier: GPL-2.0-only
/*
 * Persistent-grant cache: bounded hash table with in-use counts, an idle
 * LRU list and ageing.  See include/pvblk/grant_cache.h.
 *
 * All links are u32 indexes into the preallocated entry array, PVBLK_GC_NIL
 * terminating.  An entry is in exactly one of: the free list (not mapped),
 * a hash chain and in use, a hash chain and the idle LRU list.
 */
#include "pvblk/grant_cache.h"

#define PVBLK_GC_NIL	0xffffffffu

/* Seeded 32-bit finalizer: refs chosen by a guest still spread evenly. */
static u32 gc_hash(const struct pvblk_gcache *c, u32 gref)
{
	u32 h = gref ^ c->seed;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & c->bucket_mask;
}

int pvblk_gc_init(struct pvblk_gcache *c, unsigned int max_entries,
		  u64 idle_timeout, u32 seed)
{
	unsigned int i, n, nb;

	memset(c, 0, sizeof(*c));
	if (max_entries > PVBLK_GC_MAX_ENTRIES)
		return -EINVAL;
	n = max_entries ? max_entries : 1;
	/* load factor at most 1/2: chains of mostly 0 or 1 entry */
	nb = roundup_pow_of_two(2 * n);
	c->ent = kvcalloc(n, sizeof(*c->ent), GFP_KERNEL);
	if (!c->ent)
		goto err;
	c->bucket = kvcalloc(nb, sizeof(*c->bucket), GFP_KERNEL);
	if (!c->bucket)
		goto err_free_ent;

	for (i = 0; i < nb; i++)
		c->bucket[i] = PVBLK_GC_NIL;
	for (i = 0; i < max_entries; i++)
		c->ent[i].hnext = i + 1 < max_entries ? i + 1 : PVBLK_GC_NIL;
	c->free_head = max_entries ? 0 : PVBLK_GC_NIL;
	c->bucket_mask = nb - 1;
	c->seed = seed;
	c->max = max_entries;
	c->lru_head = PVBLK_GC_NIL;
	c->lru_tail = PVBLK_GC_NIL;
	c->shrink_batch = max(max_entries / 20, 1u);
	c->idle_timeout = idle_timeout;
	return 0;

err_free_ent:
	kvfree(c->ent);
	c->ent = NULL;
err:
	return -ENOMEM;
}

void pvblk_gc_destroy(struct pvblk_gcache *c)
{
	kvfree(c->bucket);
	kvfree(c->ent);
	c->bucket = NULL;
	c->ent = NULL;
	c->count = 0;
	c->max = 0;
}

static u32 gc_index(const struct pvblk_gcache *c,
		    const struct pvblk_gc_entry *e)
{
	return (u32)(e - c->ent);
}

static void lru_unlink(struct pvblk_gcache *c, u32 i)
{
	struct pvblk_gc_entry *e = &c->ent[i];

	if (e->prev != PVBLK_GC_NIL)
		c->ent[e->prev].next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != PVBLK_GC_NIL)
		c->ent[e->next].prev = e->prev;
	else
		c->lru_tail = e->prev;
	e->prev = PVBLK_GC_NIL;
	e->next = PVBLK_GC_NIL;
	c->nr_idle--;
}

static void lru_push_head(struct pvblk_gcache *c, u32 i)
{
	struct pvblk_gc_entry *e = &c->ent[i];

	e->prev = PVBLK_GC_NIL;
	e->next = c->lru_head;
	if (c->lru_head != PVBLK_GC_NIL)
		c->ent[c->lru_head].prev = i;
	else
		c->lru_tail = i;
	c->lru_head = i;
	c->nr_idle++;
}

/* Find @gref; *@pprev gets the link that points at it. */
static u32 hash_find(struct pvblk_gcache *c, u32 gref, u32 **pprev)
{
	u32 *link = &c->bucket[gc_hash(c, gref)];

	while (*link != PVBLK_GC_NIL) {
		if (c->ent[*link].gref == gref)
			break;
		link = &c->ent[*link].hnext;
	}
	if (pprev)
		*pprev = link;
	return *link;
}

struct pvblk_gc_entry *pvblk_gc_get(struct pvblk_gcache *c, u32 gref)
{
	struct pvblk_gc_entry *e;
	u32 i;

	i = c->count ? hash_find(c, gref, NULL) : PVBLK_GC_NIL;
	if (i == PVBLK_GC_NIL) {
		c->stats.misses++;
		return NULL;
	}
	e = &c->ent[i];
	if (e->in_use++ == 0)
		lru_unlink(c, i);
	c->stats.hits++;
	return e;
}

int pvblk_gc_add(struct pvblk_gcache *c, u32 gref, u32 handle,
		 struct page *page, struct pvblk_gc_entry **out)
{
	struct pvblk_gc_entry *e;
	u32 *link;
	u32 i;

	*out = NULL;
	if (c->count && hash_find(c, gref, NULL) != PVBLK_GC_NIL)
		return -EEXIST;
	if (c->free_head == PVBLK_GC_NIL) {
		c->stats.overflow++;
		c->room_wanted = true;
		return -ENOSPC;
	}
	i = c->free_head;
	e = &c->ent[i];
	c->free_head = e->hnext;

	e->gref = gref;
	e->handle = handle;
	e->page = page;
	e->in_use = 1;
	e->last_used = 0;
	e->prev = PVBLK_GC_NIL;
	e->next = PVBLK_GC_NIL;
	link = &c->bucket[gc_hash(c, gref)];
	e->hnext = *link;
	*link = i;
	c->count++;
	*out = e;
	return 0;
}

int pvblk_gc_put(struct pvblk_gcache *c, struct pvblk_gc_entry *e, u64 now)
{
	if (!e->in_use)
		return -EINVAL;
	if (--e->in_use == 0) {
		e->last_used = now;
		lru_push_head(c, gc_index(c, e));
	}
	return 0;
}

/* Unhash entry @i, put it on the free list, and describe its mapping. */
static void gc_remove(struct pvblk_gcache *c, u32 i, struct pvblk_gc_unmap *u)
{
	struct pvblk_gc_entry *e = &c->ent[i];
	u32 *link;

	hash_find(c, e->gref, &link);
	*link = e->hnext;
	if (!e->in_use)
		lru_unlink(c, i);
	u->gref = e->gref;
	u->handle = e->handle;
	u->page = e->page;
	memset(e, 0, sizeof(*e));
	e->hnext = c->free_head;
	c->free_head = i;
	c->count--;
}

static bool gc_aged(const struct pvblk_gcache *c, u32 i, u64 now)
{
	const struct pvblk_gc_entry *e = &c->ent[i];

	return c->idle_timeout && now >= e->last_used &&
	       now - e->last_used >= c->idle_timeout;
}

/* Is more room wanted after an overflow? Clears the wish once met. */
static bool gc_room_wanted(struct pvblk_gcache *c)
{
	if (c->room_wanted && c->count + c->shrink_batch <= c->max)
		c->room_wanted = false;
	return c->room_wanted;
}

bool pvblk_gc_want_shrink(const struct pvblk_gcache *c, u64 now)
{
	if (c->lru_tail == PVBLK_GC_NIL)
		return false;
	if (c->room_wanted && c->count + c->shrink_batch > c->max)
		return true;
	return gc_aged(c, c->lru_tail, now);
}

unsigned int pvblk_gc_shrink(struct pvblk_gcache *c, u64 now,
			     struct pvblk_gc_unmap *out, unsigned int n)
{
	unsigned int done = 0;
	u32 i;

	while (done < n && c->lru_tail != PVBLK_GC_NIL) {
		i = c->lru_tail;
		if (!gc_aged(c, i, now) && !gc_room_wanted(c))
			break;
		gc_remove(c, i, &out[done++]);
		c->stats.evictions++;
	}
	gc_room_wanted(c);
	return done;
}

unsigned int pvblk_gc_drain(struct pvblk_gcache *c,
			    struct pvblk_gc_unmap *out, unsigned int n)
{
	unsigned int done = 0;
	u32 b;

	if (!c->ent)
		return 0;
	for (b = 0; b <= c->bucket_mask && done < n; b++) {
		while (c->bucket[b] != PVBLK_GC_NIL && done < n)
			gc_remove(c, c->bucket[b], &out[done++]);
	}
	if (!c->count)
		c->room_wanted = false;
	return done;
}
