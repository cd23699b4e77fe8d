// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request validation: every field a frontend controls is checked here,
 * on the private copy, before the glue maps a grant or builds a bio.
 */
#include "pvblk/req_check.h"

static const char * const reasons[PVBLK_REQ_ERR_MAX] = {
	[PVBLK_REQ_OK]			= "ok",
	[PVBLK_REQ_BAD_OP]		= "unknown operation",
	[PVBLK_REQ_NOT_ADVERTISED]	= "operation not advertised",
	[PVBLK_REQ_BAD_INDIRECT_OP]	= "indirect operation not read/write",
	[PVBLK_REQ_NO_SEGMENTS]		= "no segments",
	[PVBLK_REQ_TOO_MANY_SEGMENTS]	= "too many segments",
	[PVBLK_REQ_TOO_MANY_PAGES]	= "too many indirect pages",
	[PVBLK_REQ_BAD_SECT]		= "segment sectors outside the page",
	[PVBLK_REQ_MISALIGNED]		= "not aligned to the logical block size",
	[PVBLK_REQ_OUT_OF_RANGE]	= "sectors beyond the end of the device",
	[PVBLK_REQ_READ_ONLY]		= "write to a read-only device",
	[PVBLK_REQ_BAD_DISCARD_FLAG]	= "unknown discard flags",
	[PVBLK_REQ_SECURE_UNSUPPORTED]	= "secure discard not advertised",
};

/* Logical block size in sectors, minus one; 0 for a bad @lim value. */
static u64 lbs_mask(const struct pvblk_dev_limits *lim)
{
	u32 lbs = lim->logical_block_size;

	if (lbs < 512 || lbs > PVBLK_PAGE_SIZE || !is_power_of_2(lbs))
		return 0;
	return (lbs >> PVBLK_SECTOR_SHIFT) - 1;
}

/* Is [@sector, @sector + @len) inside the device?  Overflow-safe. */
static bool range_ok(u64 sector, u64 len, const struct pvblk_dev_limits *lim)
{
	return len <= lim->nr_sectors && sector <= lim->nr_sectors - len;
}

enum pvblk_req_err pvblk_req_check_segs(const struct pvblk_seg *seg,
					unsigned int n, u64 sector,
					const struct pvblk_dev_limits *lim,
					u64 *nr_sectors)
{
	u64 mask = lbs_mask(lim);
	u64 total = 0;
	unsigned int i, len;

	for (i = 0; i < n; i++) {
		if (seg[i].first_sect > seg[i].last_sect ||
		    seg[i].last_sect >= PVBLK_SECTORS_PER_PAGE)
			return PVBLK_REQ_BAD_SECT;
		len = seg[i].last_sect - seg[i].first_sect + 1;
		if ((seg[i].first_sect & mask) || (len & mask))
			return PVBLK_REQ_MISALIGNED;
		total += len;
	}
	if (sector & mask)
		return PVBLK_REQ_MISALIGNED;
	if (!range_ok(sector, total, lim))
		return PVBLK_REQ_OUT_OF_RANGE;
	if (nr_sectors)
		*nr_sectors = total;
	return PVBLK_REQ_OK;
}

static enum pvblk_req_err check_direct(const struct pvblk_req *req,
				       const struct pvblk_dev_limits *lim)
{
	bool is_write = req->operation != PVBLK_OP_READ;

	switch (req->operation) {
	case PVBLK_OP_WRITE_BARRIER:
		if (!lim->barrier)
			return PVBLK_REQ_NOT_ADVERTISED;
		break;
	case PVBLK_OP_FLUSH_DISKCACHE:
		if (!lim->flush)
			return PVBLK_REQ_NOT_ADVERTISED;
		break;
	default:
		if (req->nr_segments == 0)
			return PVBLK_REQ_NO_SEGMENTS;
		break;
	}
	if (req->nr_segments > PVBLK_MAX_SEGS_DIRECT)
		return PVBLK_REQ_TOO_MANY_SEGMENTS;
	/* an empty flush or barrier carries no data: nothing more to check */
	if (req->nr_segments == 0)
		return PVBLK_REQ_OK;
	if (is_write && lim->read_only)
		return PVBLK_REQ_READ_ONLY;
	return pvblk_req_check_segs(req->seg, req->nr_segments, req->sector,
				    lim, NULL);
}

static enum pvblk_req_err check_discard(const struct pvblk_req *req,
					const struct pvblk_dev_limits *lim)
{
	if (!lim->discard)
		return PVBLK_REQ_NOT_ADVERTISED;
	if (req->discard_flag & ~PVBLK_DISCARD_SECURE)
		return PVBLK_REQ_BAD_DISCARD_FLAG;
	if ((req->discard_flag & PVBLK_DISCARD_SECURE) && !lim->secure_discard)
		return PVBLK_REQ_SECURE_UNSUPPORTED;
	if (lim->read_only)
		return PVBLK_REQ_READ_ONLY;
	if ((req->sector | req->nr_sectors) & lbs_mask(lim))
		return PVBLK_REQ_MISALIGNED;
	if (!range_ok(req->sector, req->nr_sectors, lim))
		return PVBLK_REQ_OUT_OF_RANGE;
	return PVBLK_REQ_OK;
}

static enum pvblk_req_err check_indirect(const struct pvblk_req *req,
					 const struct pvblk_dev_limits *lim)
{
	if (!lim->max_indirect_segs)
		return PVBLK_REQ_NOT_ADVERTISED;
	if (req->indirect_op != PVBLK_OP_READ &&
	    req->indirect_op != PVBLK_OP_WRITE)
		return PVBLK_REQ_BAD_INDIRECT_OP;
	if (req->nr_segments == 0)
		return PVBLK_REQ_NO_SEGMENTS;
	if (pvblk_indirect_pages(req->nr_segments) > PVBLK_MAX_INDIRECT_PAGES)
		return PVBLK_REQ_TOO_MANY_PAGES;
	if (req->nr_segments > lim->max_indirect_segs)
		return PVBLK_REQ_TOO_MANY_SEGMENTS;
	if (req->indirect_op == PVBLK_OP_WRITE && lim->read_only)
		return PVBLK_REQ_READ_ONLY;
	if (req->sector & lbs_mask(lim))
		return PVBLK_REQ_MISALIGNED;
	/* every segment is at least one sector */
	if (!range_ok(req->sector, 1, lim))
		return PVBLK_REQ_OUT_OF_RANGE;
	return PVBLK_REQ_OK;
}

enum pvblk_req_err pvblk_req_check(const struct pvblk_req *req,
				   const struct pvblk_dev_limits *lim)
{
	switch (req->operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		return check_direct(req, lim);
	case PVBLK_OP_DISCARD:
		return check_discard(req, lim);
	case PVBLK_OP_INDIRECT:
		return check_indirect(req, lim);
	default:
		return PVBLK_REQ_BAD_OP;
	}
}

s16 pvblk_req_status(enum pvblk_req_err err)
{
	switch (err) {
	case PVBLK_REQ_OK:
		return PVBLK_RSP_OKAY;
	case PVBLK_REQ_BAD_OP:
	case PVBLK_REQ_NOT_ADVERTISED:
	case PVBLK_REQ_SECURE_UNSUPPORTED:
		return PVBLK_RSP_EOPNOTSUPP;
	default:
		return PVBLK_RSP_ERROR;
	}
}

const char *pvblk_req_reason(enum pvblk_req_err err)
{
	if ((unsigned int)err >= PVBLK_REQ_ERR_MAX || !reasons[err])
		return "unknown reason";
	return reasons[err];
}

bool pvblk_ring_prod_ok(u32 req_prod, u32 rsp_prod_pvt, unsigned int nr_slots)
{
	return (u32)(req_prod - rsp_prod_pvt) <= nr_slots;
}

int pvblk_ring_pending(u32 req_prod, u32 req_cons, u32 rsp_prod_pvt,
		       unsigned int nr_slots)
{
	u32 outstanding = req_prod - rsp_prod_pvt;
	u32 consumed = req_cons - rsp_prod_pvt;

	if (outstanding > nr_slots || consumed > outstanding)
		return -EPROTO;
	return (int)(outstanding - consumed);
}
