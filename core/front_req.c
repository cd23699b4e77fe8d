// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frontend request building: the flush/FUA table, wire operation choice,
 * segment arithmetic and indirect packing (see include/pvblk/front_req.h).
 */
#include "pvblk/front_req.h"

enum pvblk_front_cache pvblk_front_cache_mode(bool flush_cache, bool barrier)
{
	if (flush_cache)
		return PVBLK_FC_FLUSH;
	if (barrier)
		return PVBLK_FC_BARRIER;
	return PVBLK_FC_NONE;
}

struct pvblk_front_caps pvblk_front_cache_caps(enum pvblk_front_cache mode)
{
	struct pvblk_front_caps c = {
		.write_cache = mode != PVBLK_FC_NONE,
		.fua = mode == PVBLK_FC_BARRIER,
	};

	return c;
}

unsigned int pvblk_front_max_segs(unsigned int max_indirect,
				  enum pvblk_front_cache mode)
{
	if (mode == PVBLK_FC_BARRIER || max_indirect <= PVBLK_MAX_SEGS_DIRECT)
		return PVBLK_MAX_SEGS_DIRECT;
	return min_t(unsigned int, max_indirect, PVBLK_MAX_INDIRECT_SEGS);
}

/* READ or WRITE of @nr_segs, direct or indirect. */
static enum pvblk_front_action map_rw(u8 rw, unsigned int nr_segs,
				      unsigned int max_indirect,
				      u8 *op, u8 *indirect_op)
{
	if (nr_segs == 0)
		return PVBLK_FA_UNSUPP;
	if (nr_segs <= PVBLK_MAX_SEGS_DIRECT) {
		*op = rw;
		return PVBLK_FA_SEND;
	}
	if (max_indirect <= PVBLK_MAX_SEGS_DIRECT ||
	    nr_segs > min_t(unsigned int, max_indirect,
			    PVBLK_MAX_INDIRECT_SEGS))
		return PVBLK_FA_UNSUPP;
	*op = PVBLK_OP_INDIRECT;
	*indirect_op = rw;
	return PVBLK_FA_SEND;
}

enum pvblk_front_action pvblk_front_map(enum pvblk_front_cache mode,
					enum pvblk_front_kind kind, bool fua,
					unsigned int nr_segs,
					unsigned int max_indirect,
					bool discard, bool secure,
					u8 *op, u8 *indirect_op)
{
	*op = 0;
	*indirect_op = 0;
	switch (kind) {
	case PVBLK_FK_READ:
		return map_rw(PVBLK_OP_READ, nr_segs, max_indirect, op,
			      indirect_op);
	case PVBLK_FK_WRITE:
		if (fua && mode == PVBLK_FC_BARRIER) {
			if (nr_segs == 0 || nr_segs > PVBLK_MAX_SEGS_DIRECT)
				return PVBLK_FA_UNSUPP;
			*op = PVBLK_OP_WRITE_BARRIER;
			return PVBLK_FA_SEND;
		}
		/*
		 * FUA without barrier mode: we never claimed FUA, so the block
		 * layer adds the flush itself; a stale FUA bit after the mode
		 * was turned off has no cache left to bypass.
		 */
		return map_rw(PVBLK_OP_WRITE, nr_segs, max_indirect, op,
			      indirect_op);
	case PVBLK_FK_FLUSH:
		if (mode == PVBLK_FC_FLUSH) {
			*op = PVBLK_OP_FLUSH_DISKCACHE;
			return PVBLK_FA_SEND;
		}
		if (mode == PVBLK_FC_BARRIER) {
			*op = PVBLK_OP_WRITE_BARRIER;
			return PVBLK_FA_SEND;
		}
		/* No volatile cache (any more): nothing to flush. */
		return PVBLK_FA_DONE;
	case PVBLK_FK_DISCARD:
		if (!discard)
			return PVBLK_FA_UNSUPP;
		*op = PVBLK_OP_DISCARD;
		return PVBLK_FA_SEND;
	case PVBLK_FK_SECURE_ERASE:
		if (!discard || !secure)
			return PVBLK_FA_UNSUPP;
		*op = PVBLK_OP_DISCARD;
		return PVBLK_FA_SEND;
	default:
		return PVBLK_FA_UNSUPP;
	}
}

int pvblk_front_seg(unsigned int off, unsigned int len, u8 *first, u8 *last)
{
	const unsigned int mask = (1u << PVBLK_SECTOR_SHIFT) - 1;

	if (len == 0 || (off & mask) || (len & mask) ||
	    off >= PVBLK_PAGE_SIZE || len > PVBLK_PAGE_SIZE - off)
		return -EINVAL;
	*first = (u8)(off >> PVBLK_SECTOR_SHIFT);
	*last = (u8)((off + len - 1) >> PVBLK_SECTOR_SHIFT);
	return 0;
}

int pvblk_front_build_rw(struct pvblk_req *req, u64 id, u16 handle, u8 op,
			 u8 indirect_op, u64 sector,
			 const struct pvblk_seg *seg, unsigned int nr_segs,
			 const u32 *indirect_grefs)
{
	unsigned int pages;

	memset(req, 0, sizeof(*req));
	req->id = id;
	req->handle = handle;
	req->sector = sector;
	req->operation = op;
	if (op == PVBLK_OP_INDIRECT) {
		if ((indirect_op != PVBLK_OP_READ &&
		     indirect_op != PVBLK_OP_WRITE) ||
		    nr_segs == 0 || nr_segs > PVBLK_MAX_INDIRECT_SEGS)
			return -EINVAL;
		pages = pvblk_front_indirect_pages(nr_segs);
		req->indirect_op = indirect_op;
		req->nr_segments = (u16)nr_segs;
		memcpy(req->indirect_grefs, indirect_grefs,
		       pages * sizeof(req->indirect_grefs[0]));
		return 0;
	}
	switch (op) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
		if (nr_segs == 0)
			return -EINVAL;
		break;
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		break;
	default:
		return -EINVAL;
	}
	if (nr_segs > PVBLK_MAX_SEGS_DIRECT)
		return -EINVAL;
	req->nr_segments = (u16)nr_segs;
	if (nr_segs)
		memcpy(req->seg, seg, nr_segs * sizeof(*seg));
	return 0;
}

void pvblk_front_build_discard(struct pvblk_req *req, u64 id, u64 sector,
			       u64 nr_sectors, bool secure)
{
	memset(req, 0, sizeof(*req));
	req->id = id;
	req->operation = PVBLK_OP_DISCARD;
	req->sector = sector;
	req->nr_sectors = nr_sectors;
	req->discard_flag = secure ? PVBLK_DISCARD_SECURE : 0;
}

unsigned int pvblk_front_pack_indirect(void *page, unsigned int page_idx,
				       const struct pvblk_seg *seg,
				       unsigned int nr_segs)
{
	unsigned int first = page_idx * PVBLK_SEGS_PER_INDIRECT_PAGE;
	unsigned int n, i;
	struct pvblk_wire_seg w;
	u8 *dst = page;

	if (first >= nr_segs || page_idx >= PVBLK_MAX_INDIRECT_PAGES)
		return 0;
	n = min_t(unsigned int, nr_segs - first, PVBLK_SEGS_PER_INDIRECT_PAGE);
	memset(&w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w.gref = seg[first + i].gref;
		w.first_sect = seg[first + i].first_sect;
		w.last_sect = seg[first + i].last_sect;
		memcpy(dst + i * sizeof(w), &w, sizeof(w));
	}
	if (n < PVBLK_SEGS_PER_INDIRECT_PAGE)
		memset(dst + n * sizeof(w), 0,
		       (PVBLK_SEGS_PER_INDIRECT_PAGE - n) * sizeof(w));
	return n;
}
