// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connection negotiation: peer value parsing and the negotiation table.
 * See include/pvblk/negotiate.h.
 */
#include "pvblk/negotiate.h"

#define U32_MAX_VALUE	0xffffffffu

static const char * const reasons[PVBLK_NEG_ERR_MAX] = {
	[PVBLK_NEG_OK]			= "ok",
	[PVBLK_NEG_NOT_A_NUMBER]	= "not a decimal number",
	[PVBLK_NEG_OUT_OF_RANGE]	= "value out of range",
	[PVBLK_NEG_RING_ORDER]		= "ring-page-order above our maximum",
	[PVBLK_NEG_QUEUES]		= "number of queues is 0 or above our maximum",
	[PVBLK_NEG_PROTOCOL]		= "unknown protocol",
};

enum pvblk_neg_err pvblk_parse_u32(const char *s, u32 lo, u32 hi, u32 *out)
{
	u64 v = 0;

	if (!s || !*s)
		return PVBLK_NEG_NOT_A_NUMBER;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return PVBLK_NEG_NOT_A_NUMBER;
		v = v * 10 + (u64)(*s - '0');
		if (v > U32_MAX_VALUE)
			return PVBLK_NEG_OUT_OF_RANGE;
	}
	if (v < lo || v > hi)
		return PVBLK_NEG_OUT_OF_RANGE;
	*out = (u32)v;
	return PVBLK_NEG_OK;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

enum pvblk_neg_err pvblk_parse_protocol(const char *s, enum pvblk_abi *abi)
{
	if (!s || !*s)
		*abi = PVBLK_ABI_NATIVE;
	else if (str_eq(s, "x86_64-abi"))
		*abi = PVBLK_ABI_X86_64;
	else if (str_eq(s, "x86_32-abi"))
		*abi = PVBLK_ABI_X86_32;
	else
		return PVBLK_NEG_PROTOCOL;
	return PVBLK_NEG_OK;
}

/* An optional key: absent (NULL) gives @def. */
static enum pvblk_neg_err parse_opt(const char *s, u32 def, u32 lo, u32 hi,
				    u32 *out)
{
	if (!s) {
		*out = def;
		return PVBLK_NEG_OK;
	}
	return pvblk_parse_u32(s, lo, hi, out);
}

enum pvblk_neg_err pvblk_parse_front_offer(struct pvblk_front_offer *out,
					   const char *persistent,
					   const char *ring_order,
					   const char *nr_queues,
					   const char *protocol)
{
	enum pvblk_neg_err err;
	u32 p;

	memset(out, 0, sizeof(*out));
	err = parse_opt(persistent, 0, 0, 1, &p);
	if (err)
		return err;
	out->persistent = p;
	err = parse_opt(ring_order, 0, 0, U32_MAX_VALUE, &out->ring_order);
	if (err)
		return err;
	err = parse_opt(nr_queues, 1, 0, U32_MAX_VALUE, &out->nr_queues);
	if (err)
		return err;
	return pvblk_parse_protocol(protocol, &out->abi);
}

enum pvblk_neg_err pvblk_parse_back_offer(struct pvblk_back_offer *out,
					  const char *persistent,
					  const char *max_ring_order,
					  const char *max_queues,
					  const char *max_indirect_segs)
{
	enum pvblk_neg_err err;
	u32 p;

	memset(out, 0, sizeof(*out));
	err = parse_opt(persistent, 0, 0, 1, &p);
	if (err)
		return err;
	out->persistent = p;
	err = parse_opt(max_ring_order, 0, 0, 31, &out->max_ring_order);
	if (err)
		return err;
	err = parse_opt(max_queues, 1, 1, U32_MAX_VALUE, &out->max_queues);
	if (err)
		return err;
	return parse_opt(max_indirect_segs, 0, 0, U32_MAX_VALUE,
			 &out->max_indirect_segs);
}

/* Our own maximum queue count, sane whatever the parameter says. */
static u32 own_queues(u32 param)
{
	return clamp_val(param, 1u, PVBLK_MAX_QUEUES);
}

enum pvblk_neg_err pvblk_negotiate_back(const struct pvblk_back_cfg *ours,
					const struct pvblk_front_offer *peer,
					struct pvblk_conn *out)
{
	memset(out, 0, sizeof(*out));
	if (peer->ring_order > min_t(u32, ours->max_ring_order,
				     PVBLK_MAX_RING_ORDER))
		return PVBLK_NEG_RING_ORDER;
	if (peer->nr_queues < 1 || peer->nr_queues > own_queues(ours->max_queues))
		return PVBLK_NEG_QUEUES;
	out->persistent = ours->persistent && peer->persistent;
	out->ring_order = peer->ring_order;
	out->nr_queues = peer->nr_queues;
	out->max_indirect_segs = min_t(u32, ours->max_indirect_segs,
				       PVBLK_MAX_INDIRECT_SEGS);
	out->abi = peer->abi;
	return PVBLK_NEG_OK;
}

void pvblk_negotiate_front(const struct pvblk_front_cfg *ours,
			   const struct pvblk_back_offer *peer,
			   unsigned int nr_cpus, struct pvblk_conn *out)
{
	u32 segs;

	memset(out, 0, sizeof(*out));
	out->persistent = ours->persistent && peer->persistent;
	out->ring_order = min3(ours->max_ring_order, peer->max_ring_order,
			       (u32)PVBLK_MAX_RING_ORDER);
	out->nr_queues = min3(own_queues(ours->max_queues),
			      max(peer->max_queues, 1u),
			      max(nr_cpus, 1u));
	segs = min3(ours->max_indirect_segs, peer->max_indirect_segs,
		    (u32)PVBLK_MAX_INDIRECT_SEGS);
	out->max_indirect_segs = segs > PVBLK_MAX_SEGS_DIRECT ? segs : 0;
	out->abi = PVBLK_ABI_NATIVE;
}

/* What follows @prefix in @s, or NULL when @s does not start with it. */
static const char *after_prefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return NULL;
	return s;
}

/* @s is a decimal number as pvblk_parse_u32() reads one. */
static bool is_number(const char *s)
{
	u32 v;

	return pvblk_parse_u32(s, 0, U32_MAX_VALUE, &v) == PVBLK_NEG_OK;
}

bool pvblk_front_ring_key(const char *name)
{
	const char *rest;

	if (!name)
		return false;
	if (str_eq(name, "event-channel") || str_eq(name, "ring-page-order") ||
	    str_eq(name, "multi-queue-num-queues") || str_eq(name, "ring-ref"))
		return true;
	rest = after_prefix(name, "ring-ref");
	if (rest && is_number(rest))
		return true;
	rest = after_prefix(name, "queue-");
	return rest && is_number(rest);
}

const char *pvblk_neg_reason(enum pvblk_neg_err err)
{
	if ((unsigned int)err >= PVBLK_NEG_ERR_MAX || !reasons[err])
		return "unknown reason";
	return reasons[err];
}
