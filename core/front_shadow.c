// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frontend shadow ids and the response checker (see
 * include/pvblk/front_shadow.h).
 */
#include "pvblk/front_shadow.h"

static const char *const rsp_reasons[PVBLK_RSPC_ERR_MAX] = {
	[PVBLK_RSPC_OK] = "ok",
	[PVBLK_RSPC_PROD] = "response producer beyond the requests sent",
	[PVBLK_RSPC_ID_RANGE] = "response id out of range",
	[PVBLK_RSPC_NOT_OUTSTANDING] = "response for a request not outstanding",
	[PVBLK_RSPC_OP_MISMATCH] = "response operation does not match the request",
};

void pvblk_fshadow_reset(struct pvblk_fshadow *s)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++) {
		s->slot[i].next_free = i + 1;
		s->slot[i].busy = 0;
		s->slot[i].op = 0;
		s->slot[i].indirect_op = 0;
	}
	s->free_head = 0;
	s->nr_busy = 0;
}

int pvblk_fshadow_init(struct pvblk_fshadow *s, unsigned int nr)
{
	memset(s, 0, sizeof(*s));
	if (nr < 1 || nr > PVBLK_FRONT_MAX_SLOTS)
		return -EINVAL;
	s->slot = kvcalloc(nr, sizeof(*s->slot), GFP_KERNEL);
	if (!s->slot)
		return -ENOMEM;
	s->nr = nr;
	pvblk_fshadow_reset(s);
	return 0;
}

void pvblk_fshadow_destroy(struct pvblk_fshadow *s)
{
	kvfree(s->slot);
	memset(s, 0, sizeof(*s));
}

int pvblk_fshadow_get(struct pvblk_fshadow *s, u8 op, u8 indirect_op)
{
	u32 id = s->free_head;

	if (id >= s->nr)
		return -ENOSPC;
	s->free_head = s->slot[id].next_free;
	s->slot[id].next_free = s->nr;
	s->slot[id].busy = 1;
	s->slot[id].op = op;
	s->slot[id].indirect_op = indirect_op;
	s->nr_busy++;
	return (int)id;
}

void pvblk_fshadow_set_op(struct pvblk_fshadow *s, u32 id, u8 op,
			  u8 indirect_op)
{
	if (id < s->nr && s->slot[id].busy) {
		s->slot[id].op = op;
		s->slot[id].indirect_op = indirect_op;
	}
}

bool pvblk_fshadow_busy(const struct pvblk_fshadow *s, u64 id)
{
	return id < s->nr && s->slot[id].busy;
}

enum pvblk_rsp_err pvblk_fshadow_check(const struct pvblk_fshadow *s,
				       u64 id, u8 op)
{
	const struct pvblk_fshadow_slot *sl;

	if (id >= s->nr)
		return PVBLK_RSPC_ID_RANGE;
	sl = &s->slot[id];
	if (!sl->busy)
		return PVBLK_RSPC_NOT_OUTSTANDING;
	if (op == sl->op)
		return PVBLK_RSPC_OK;
	if (sl->op == PVBLK_OP_INDIRECT && op == sl->indirect_op)
		return PVBLK_RSPC_OK;
	return PVBLK_RSPC_OP_MISMATCH;
}

void pvblk_fshadow_put(struct pvblk_fshadow *s, u32 id)
{
	if (id >= s->nr || !s->slot[id].busy)
		return;
	s->slot[id].busy = 0;
	s->slot[id].next_free = s->free_head;
	s->free_head = id;
	s->nr_busy--;
}

enum pvblk_rsp_err pvblk_fshadow_take(struct pvblk_fshadow *s, u64 id, u8 op,
				      u32 *idx)
{
	enum pvblk_rsp_err err = pvblk_fshadow_check(s, id, op);

	if (err)
		return err;
	*idx = (u32)id;
	pvblk_fshadow_put(s, (u32)id);
	return PVBLK_RSPC_OK;
}

bool pvblk_front_rsp_prod_ok(u32 rsp_prod, u32 rsp_cons, u32 req_prod_pvt)
{
	return (u32)(rsp_prod - rsp_cons) <= (u32)(req_prod_pvt - rsp_cons);
}

const char *pvblk_rsp_reason(enum pvblk_rsp_err err)
{
	if ((unsigned int)err >= PVBLK_RSPC_ERR_MAX)
		return "unknown reason";
	return rsp_reasons[err];
}
