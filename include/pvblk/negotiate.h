/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connection negotiation as pure functions: parsing and range-checking the
 * xenstore values a peer wrote, and the table that turns both sides'
 * offers into the parameters of one connection.
 *
 *   persistent grants   iff BOTH sides advertise 1.  Each side advertises
 *                       its OWN parameter as cached when the connection is
 *                       set up - never a previously negotiated value (the
 *                       2022 regression that turned persistent grants off
 *                       for good after one non-persistent peer).
 *   ring page order     frontend: min(own max, backend max-ring-page-order,
 *                       PVBLK_MAX_RING_ORDER); backend: the frontend's
 *                       ring-page-order must not exceed its own max.
 *   queues              frontend: min(own max, backend
 *                       multi-queue-max-queues, online cpus), at least 1;
 *                       backend: multi-queue-num-queues in 1..own max.
 *   indirect segments   frontend: min(own max, backend
 *                       feature-max-indirect-segments,
 *                       PVBLK_MAX_INDIRECT_SEGS); 0 (no indirect requests)
 *                       when that is not above PVBLK_MAX_SEGS_DIRECT.
 *
 * Peer strings are parsed by our own code, identically in kernel and
 * userspace: plain decimal only, no sign, no blanks.  A NULL string means
 * the key is absent and gives the protocol's default.
 */
#ifndef PVBLK_NEGOTIATE_H
#define PVBLK_NEGOTIATE_H

#include "pvblk/seam.h"
#include "pvblk/wire.h"

/* Most queues either side accepts; a sanity bound on peer input. */
#define PVBLK_MAX_QUEUES	256u

enum pvblk_neg_err {
	PVBLK_NEG_OK = 0,
	PVBLK_NEG_NOT_A_NUMBER,		/* empty, sign, blank or junk */
	PVBLK_NEG_OUT_OF_RANGE,		/* a number outside the key's range */
	PVBLK_NEG_RING_ORDER,		/* ring-page-order above our maximum */
	PVBLK_NEG_QUEUES,		/* num-queues 0 or above our maximum */
	PVBLK_NEG_PROTOCOL,		/* unknown "protocol" value */
	PVBLK_NEG_ERR_MAX
};

/* The backend's own settings, cached when a connection is set up. */
struct pvblk_back_cfg {
	bool persistent;		/* feature_persistent */
	u32 max_ring_order;		/* max_ring_page_order */
	u32 max_queues;			/* max_queues (glue: 0 -> nr cpus) */
	u32 max_indirect_segs;		/* feature-max-indirect-segments */
};

/* The frontend's own settings, cached when a connection is set up. */
struct pvblk_front_cfg {
	bool persistent;		/* feature_persistent */
	u32 max_ring_order;		/* max_ring_page_order */
	u32 max_queues;			/* max_queues */
	u32 max_indirect_segs;		/* max_indirect_segments */
};

/* What a backend read from its frontend's directory. */
struct pvblk_front_offer {
	bool persistent;		/* feature-persistent, absent: 0 */
	u32 ring_order;			/* ring-page-order, absent: 0 */
	u32 nr_queues;			/* multi-queue-num-queues, absent: 1 */
	enum pvblk_abi abi;		/* protocol, absent: native */
};

/* What a frontend read from its backend's directory. */
struct pvblk_back_offer {
	bool persistent;		/* feature-persistent, absent: 0 */
	u32 max_ring_order;		/* max-ring-page-order, absent: 0 */
	u32 max_queues;			/* multi-queue-max-queues, absent: 1 */
	u32 max_indirect_segs;		/* feature-max-indirect-segments, 0 */
};

/* The parameters of one connection. */
struct pvblk_conn {
	bool persistent;
	u32 ring_order;
	u32 nr_queues;
	u32 max_indirect_segs;		/* 0: direct requests only */
	enum pvblk_abi abi;
};

/* Parse decimal @s into *@out, which must lie in [@lo, @hi]. */
enum pvblk_neg_err pvblk_parse_u32(const char *s, u32 lo, u32 hi, u32 *out);

/* "x86_64-abi", "x86_32-abi", or NULL/"" for the native ABI. */
enum pvblk_neg_err pvblk_parse_protocol(const char *s, enum pvblk_abi *abi);

/* Parse the frontend's keys (NULL = absent); checks syntax and range. */
enum pvblk_neg_err pvblk_parse_front_offer(struct pvblk_front_offer *out,
					   const char *persistent,
					   const char *ring_order,
					   const char *nr_queues,
					   const char *protocol);

/* Parse the backend's keys (NULL = absent); checks syntax and range. */
enum pvblk_neg_err pvblk_parse_back_offer(struct pvblk_back_offer *out,
					  const char *persistent,
					  const char *max_ring_order,
					  const char *max_queues,
					  const char *max_indirect_segs);

/* What a side writes as its feature-persistent: its own cached setting. */
static inline bool pvblk_advertise_persistent(bool cached_param)
{
	return cached_param;
}

/* Backend: accept (or refuse) the frontend's choices. */
enum pvblk_neg_err pvblk_negotiate_back(const struct pvblk_back_cfg *ours,
					const struct pvblk_front_offer *peer,
					struct pvblk_conn *out);

/* Frontend: pick the connection's parameters from both offers. */
void pvblk_negotiate_front(const struct pvblk_front_cfg *ours,
			   const struct pvblk_back_offer *peer,
			   unsigned int nr_cpus, struct pvblk_conn *out);

/*
 * Frontend: whether @name, a key of the frontend's own xenstore directory,
 * describes rings of a connection ("ring-ref", "ring-refN",
 * "event-channel", "ring-page-order", "multi-queue-num-queues",
 * "queue-N"). Before writing a new connection's keys the frontend removes
 * these, so none left by an earlier connection (a rebind, another driver)
 * describes rings that no longer exist.
 */
bool pvblk_front_ring_key(const char *name);

/* Short fixed text for a verdict, for log lines; never NULL. */
const char *pvblk_neg_reason(enum pvblk_neg_err err);

#endif /* PVBLK_NEGOTIATE_H */
