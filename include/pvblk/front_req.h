/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frontend request building as pure functions: the flush/FUA mapping
 * table, the choice of wire operation, segment arithmetic and packing of
 * segments into direct slots or indirect pages.
 *
 * Cache modes, from what the backend advertises:
 *
 *   feature-flush-cache=1           PVBLK_FC_FLUSH: write cache, no FUA;
 *                                   flushes go out as FLUSH_DISKCACHE and
 *                                   the block layer emulates FUA with a
 *                                   flush after the write.
 *   feature-barrier=1 only          PVBLK_FC_BARRIER: write cache + FUA;
 *                                   flushes and FUA writes go out as
 *                                   WRITE_BARRIER.  WRITE_BARRIER cannot be
 *                                   indirect, so requests are limited to
 *                                   the 11 direct segments.
 *   both                            PVBLK_FC_FLUSH.  A barrier makes the
 *                                   backend drain every request in flight
 *                                   first, and the Linux backend turns it
 *                                   into a pre-flush without FUA anyway;
 *                                   FLUSH_DISKCACHE says exactly what the
 *                                   block layer asked for.
 *   neither                         PVBLK_FC_NONE: write-through; the block
 *                                   layer sends no flushes.
 *
 * An empty flush is always sent to the backend while a cache mode is in
 * force; only in PVBLK_FC_NONE (after the backend said EOPNOTSUPP, or for
 * a flush that raced with the switch) is it completed locally.
 */
#ifndef PVBLK_FRONT_REQ_H
#define PVBLK_FRONT_REQ_H

#include "pvblk/seam.h"
#include "pvblk/wire.h"

enum pvblk_front_cache {
	PVBLK_FC_NONE = 0,
	PVBLK_FC_FLUSH,
	PVBLK_FC_BARRIER,
};

/* What the block layer asked for. */
enum pvblk_front_kind {
	PVBLK_FK_READ = 0,
	PVBLK_FK_WRITE,
	PVBLK_FK_FLUSH,		/* empty flush */
	PVBLK_FK_DISCARD,
	PVBLK_FK_SECURE_ERASE,
	PVBLK_FK_MAX
};

/* What to do with it. */
enum pvblk_front_action {
	PVBLK_FA_SEND = 0,	/* send as *op (and *indirect_op if INDIRECT) */
	PVBLK_FA_DONE,		/* complete locally with success */
	PVBLK_FA_UNSUPP,	/* fail with "not supported" */
};

struct pvblk_front_caps {
	bool write_cache;	/* claim a volatile write cache */
	bool fua;		/* claim FUA */
};

/* The cache mode for the backend's feature-flush-cache / feature-barrier. */
enum pvblk_front_cache pvblk_front_cache_mode(bool flush_cache, bool barrier);

/* What to tell the block layer for a cache mode. */
struct pvblk_front_caps pvblk_front_cache_caps(enum pvblk_front_cache mode);

/*
 * Most segments per request: @max_indirect (0: no indirect requests) or
 * the 11 direct ones, and never more than fit a WRITE_BARRIER in barrier
 * mode.
 */
unsigned int pvblk_front_max_segs(unsigned int max_indirect,
				  enum pvblk_front_cache mode);

/*
 * Map a block-layer request onto the wire.  @fua: the write carries FUA;
 * @nr_segs: data segments; @max_indirect: negotiated limit (0: none);
 * @discard, @secure: the backend's discard features.
 */
enum pvblk_front_action pvblk_front_map(enum pvblk_front_cache mode,
					enum pvblk_front_kind kind, bool fua,
					unsigned int nr_segs,
					unsigned int max_indirect,
					bool discard, bool secure,
					u8 *op, u8 *indirect_op);

/*
 * A data segment at byte offset @off, @len bytes, inside one 4 KiB page:
 * its first and last 512-byte sector.  -EINVAL when it is empty, not on
 * 512-byte boundaries, or crosses the page end.
 */
int pvblk_front_seg(unsigned int off, unsigned int len, u8 *first, u8 *last);

/* 512-byte sectors a segment covers. */
static inline unsigned int pvblk_front_seg_sectors(const struct pvblk_seg *s)
{
	return (unsigned int)s->last_sect - s->first_sect + 1;
}

/* Indirect pages needed for @nr_segs segments. */
static inline unsigned int pvblk_front_indirect_pages(unsigned int nr_segs)
{
	return DIV_ROUND_UP(nr_segs, PVBLK_SEGS_PER_INDIRECT_PAGE);
}

/*
 * Fill @req for a READ/WRITE/WRITE_BARRIER/FLUSH_DISKCACHE (@op) or an
 * INDIRECT (@op INDIRECT, @indirect_op READ/WRITE) of @nr_segs segments at
 * @sector.  Direct: the segments go into @req.  Indirect: the caller packs
 * them into pages with pvblk_front_pack_indirect() and passes those pages'
 * grant refs in @indirect_grefs.  -EINVAL on a count the op cannot carry.
 */
int pvblk_front_build_rw(struct pvblk_req *req, u64 id, u16 handle, u8 op,
			 u8 indirect_op, u64 sector,
			 const struct pvblk_seg *seg, unsigned int nr_segs,
			 const u32 *indirect_grefs);

/* Fill @req for a DISCARD of @nr_sectors at @sector. */
void pvblk_front_build_discard(struct pvblk_req *req, u64 id, u64 sector,
			       u64 nr_sectors, bool secure);

/*
 * Write segments [@first, @first + @n) of a request into indirect page
 * @page_idx (4 KiB at @page), in wire format; unused tail bytes zeroed
 * when the page's last segment is written.  Returns segments written.
 */
unsigned int pvblk_front_pack_indirect(void *page, unsigned int page_idx,
				       const struct pvblk_seg *seg,
				       unsigned int nr_segs);

#endif /* PVBLK_FRONT_REQ_H */
