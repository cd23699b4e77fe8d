/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frontend shadow bookkeeping and the response checker.
 *
 * Every request the frontend puts on the ring takes a shadow id from a
 * private free list; the id goes out as the request's "id" and the shadow
 * remembers which response operation it expects back.  A response is
 * copied out of the ring once (pvblk_fetch_rsp()) and then checked here
 * against that private state only, never against the ring:
 *
 *   - the backend's rsp_prod must not run ahead of what we sent
 *     (pvblk_front_rsp_prod_ok());
 *   - the id must be a shadow index in range;
 *   - that shadow must be outstanding (not free, not already answered);
 *   - the operation must be the one we sent (for INDIRECT: its
 *     indirect_op, which is what backends echo; INDIRECT itself is also
 *     accepted).
 *
 * Any violation means the backend is broken or malicious: the glue marks
 * the device broken and fails everything; nothing here ever frees a
 * shadow twice, so no request can complete twice.
 *
 * Not thread-safe: the glue serialises each ring's shadow with its ring
 * lock.
 */
#ifndef PVBLK_FRONT_SHADOW_H
#define PVBLK_FRONT_SHADOW_H

#include "pvblk/seam.h"
#include "pvblk/wire.h"

/* Largest ring of either ABI: 16 pages of 32 entries. */
#define PVBLK_FRONT_MAX_SLOTS	512u

enum pvblk_rsp_err {
	PVBLK_RSPC_OK = 0,
	PVBLK_RSPC_PROD,		/* rsp_prod beyond the requests sent */
	PVBLK_RSPC_ID_RANGE,		/* id is not a shadow index */
	PVBLK_RSPC_NOT_OUTSTANDING,	/* id free or already answered */
	PVBLK_RSPC_OP_MISMATCH,		/* operation differs from the request */
	PVBLK_RSPC_ERR_MAX
};

struct pvblk_fshadow_slot {
	u32 next_free;		/* free list link while free */
	u8 busy;		/* 1 while a request with this id is out */
	u8 op;			/* operation sent */
	u8 indirect_op;		/* for PVBLK_OP_INDIRECT */
};

struct pvblk_fshadow {
	struct pvblk_fshadow_slot *slot;
	unsigned int nr;	/* number of ids: the ring's slots */
	unsigned int nr_busy;	/* ids handed out and not yet put back */
	u32 free_head;		/* first free id; nr when none is free */
};

/* Allocate @nr ids (1..PVBLK_FRONT_MAX_SLOTS), all free. */
int pvblk_fshadow_init(struct pvblk_fshadow *s, unsigned int nr);
void pvblk_fshadow_destroy(struct pvblk_fshadow *s);

/* Mark every id free again (after a reconnect has taken over the state). */
void pvblk_fshadow_reset(struct pvblk_fshadow *s);

/*
 * Take a free id for a request of @op (and @indirect_op when @op is
 * INDIRECT).  Returns the id, or -ENOSPC when all are outstanding.
 */
int pvblk_fshadow_get(struct pvblk_fshadow *s, u8 op, u8 indirect_op);

/* Change what an outstanding id expects (a request rebuilt for re-issue). */
void pvblk_fshadow_set_op(struct pvblk_fshadow *s, u32 id, u8 op,
			  u8 indirect_op);

/* Is id @id handed out? False for any out-of-range value. */
bool pvblk_fshadow_busy(const struct pvblk_fshadow *s, u64 id);

/* Check one copied response against the shadow; changes nothing. */
enum pvblk_rsp_err pvblk_fshadow_check(const struct pvblk_fshadow *s,
				       u64 id, u8 op);

/*
 * Check one copied response and, when it is valid, free its id.  On
 * success *@idx is the id to complete.
 */
enum pvblk_rsp_err pvblk_fshadow_take(struct pvblk_fshadow *s, u64 id, u8 op,
				      u32 *idx);

/* Give back an id that was taken but never sent (or is being dropped). */
void pvblk_fshadow_put(struct pvblk_fshadow *s, u32 id);

/*
 * Ring producer check: the backend's @rsp_prod (read once) may be at most
 * as far from our @rsp_cons as our private @req_prod_pvt.  Wrap-safe.
 */
bool pvblk_front_rsp_prod_ok(u32 rsp_prod, u32 rsp_cons, u32 req_prod_pvt);

/* Short fixed text for a verdict, for the one log line; never NULL. */
const char *pvblk_rsp_reason(enum pvblk_rsp_err err);

#endif /* PVBLK_FRONT_SHADOW_H */
