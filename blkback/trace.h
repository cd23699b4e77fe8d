/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblkback tracepoints: one event when a request starts (after
 * validation and grant mapping), continuation events for the segments
 * that do not fit in it, and one event when it is answered. The harness
 * records ring traffic from them (Documentation/trace-format.rst):
 *
 *   echo 1 > /sys/kernel/tracing/events/pvblkback/enable
 *
 * Segments are printed with __print_array() as three arrays of the same
 * length, "gref {0x..,...} first_sect {0x..,...} last_sect {0x..,...}",
 * so that tools reading the format (trace-cmd, perf) can print them too;
 * segment i is gref[i], first_sect[i], last_sect[i]. An event
 * carries at most PVBLKBACK_TRACE_CHUNK segments, so that a request of
 * up to 4096 segments fits in the ring buffer's events and each printed
 * line in a 4 KiB trace_seq (6.1): pvblkback_req_start carries segments
 * 0..n-1, and pvblkback_req_segs events the rest, "at" giving the index
 * of their first segment.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvblkback

#if !defined(PVBLKBACK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PVBLKBACK_TRACE_H

#include <linux/tracepoint.h>

#include "common.h"

#ifndef PVBLKBACK_TRACE_HELPERS
#define PVBLKBACK_TRACE_HELPERS

/* Segments per event; at most 19 printed characters each. */
#define PVBLKBACK_TRACE_CHUNK	128

/*
 * The segments an event may read: @seg holds @nseg of them, and never
 * more than the ring's segment array, whatever the request said.
 */
static inline unsigned int pvblkback_trace_nseg(const struct pvblkback_ring *ring,
						unsigned int nseg,
						const struct pvblk_seg *seg)
{
	return seg ? min_t(unsigned int, nseg, ring->max_segs) : 0;
}

/* Segments of [at, nseg) that go into one event. */
static inline unsigned int pvblkback_trace_n(const struct pvblkback_ring *ring,
					     unsigned int nseg,
					     const struct pvblk_seg *seg,
					     unsigned int at)
{
	nseg = pvblkback_trace_nseg(ring, nseg, seg);
	return at < nseg ? min_t(unsigned int, nseg - at,
				 PVBLKBACK_TRACE_CHUNK) : 0;
}

/* Copy @n segments from @seg into an event's three arrays. */
static inline void pvblkback_trace_fill(u32 *gref, u8 *first, u8 *last,
					const struct pvblk_seg *seg,
					unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		gref[i] = seg[i].gref;
		first[i] = seg[i].first_sect;
		last[i] = seg[i].last_sect;
	}
}

/*
 * In TP_printk: the event's three segment arrays, "{0x..,...}" each, their
 * counts taken from the arrays themselves so that only the event's bytes
 * are read. Element sizes are plain numbers: the format file shows this
 * text to tools that evaluate it.
 */
#define pvblkback_trace_grefs()						\
	__print_array(__get_dynamic_array(gref),			\
		      __get_dynamic_array_len(gref) / 4, 4)
#define pvblkback_trace_first_sects()					\
	__print_array(__get_dynamic_array(first_sect),			\
		      __get_dynamic_array_len(first_sect), 1)
#define pvblkback_trace_last_sects()					\
	__print_array(__get_dynamic_array(last_sect),			\
		      __get_dynamic_array_len(last_sect), 1)
#endif

TRACE_EVENT(pvblkback_req_start,
	    TP_PROTO(const struct pvblkback_ring *ring,
		     const struct pvblk_req *r, unsigned int nseg,
		     const struct pvblk_seg *seg),
	    TP_ARGS(ring, r, nseg, seg),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u16, handle)
			     __field(u16, ring)
			     __field(u8, op)
			     __field(u8, indirect_op)
			     __field(u64, id)
			     __field(u64, sector)
			     __field(u64, nr_sectors)
			     __field(u16, nseg)
			     __field(u16, n)
			     __dynamic_array(u32, gref,
					     pvblkback_trace_n(ring, nseg, seg, 0))
			     __dynamic_array(u8, first_sect,
					     pvblkback_trace_n(ring, nseg, seg, 0))
			     __dynamic_array(u8, last_sect,
					     pvblkback_trace_n(ring, nseg, seg, 0))),
	    TP_fast_assign(__entry->domid = ring->dev->frontend_id;
			   __entry->handle = ring->dev->handle;
			   __entry->ring = ring->index;
			   __entry->op = r->operation;
			   __entry->indirect_op = r->indirect_op;
			   __entry->id = r->id;
			   __entry->sector = r->sector;
			   __entry->nr_sectors = r->nr_sectors;
			   __entry->nseg = pvblkback_trace_nseg(ring, nseg, seg);
			   __entry->n = pvblkback_trace_n(ring, nseg, seg, 0);
			   pvblkback_trace_fill(__get_dynamic_array(gref),
						__get_dynamic_array(first_sect),
						__get_dynamic_array(last_sect),
						seg, __entry->n);),
	    TP_printk("dom %u vbd %u ring %u id %llu op %u/%u sector %llu nr_sectors %llu nseg %u n %u gref %s first_sect %s last_sect %s",
		      __entry->domid, __entry->handle, __entry->ring,
		      __entry->id, __entry->op, __entry->indirect_op,
		      __entry->sector, __entry->nr_sectors, __entry->nseg,
		      __entry->n, pvblkback_trace_grefs(),
		      pvblkback_trace_first_sects(),
		      pvblkback_trace_last_sects())
);

/* Segments @at.. of a request whose pvblkback_req_start came just before. */
TRACE_EVENT(pvblkback_req_segs,
	    TP_PROTO(const struct pvblkback_ring *ring,
		     const struct pvblk_req *r, unsigned int nseg,
		     const struct pvblk_seg *seg, unsigned int at),
	    TP_ARGS(ring, r, nseg, seg, at),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u16, handle)
			     __field(u16, ring)
			     __field(u16, at)
			     __field(u16, n)
			     __field(u64, id)
			     __dynamic_array(u32, gref,
					     pvblkback_trace_n(ring, nseg, seg, at))
			     __dynamic_array(u8, first_sect,
					     pvblkback_trace_n(ring, nseg, seg, at))
			     __dynamic_array(u8, last_sect,
					     pvblkback_trace_n(ring, nseg, seg, at))),
	    TP_fast_assign(__entry->domid = ring->dev->frontend_id;
			   __entry->handle = ring->dev->handle;
			   __entry->ring = ring->index;
			   __entry->at = at;
			   __entry->n = pvblkback_trace_n(ring, nseg, seg, at);
			   __entry->id = r->id;
			   pvblkback_trace_fill(__get_dynamic_array(gref),
						__get_dynamic_array(first_sect),
						__get_dynamic_array(last_sect),
						seg + at, __entry->n);),
	    TP_printk("dom %u vbd %u ring %u id %llu at %u n %u gref %s first_sect %s last_sect %s",
		      __entry->domid, __entry->handle, __entry->ring,
		      __entry->id, __entry->at, __entry->n,
		      pvblkback_trace_grefs(),
		      pvblkback_trace_first_sects(),
		      pvblkback_trace_last_sects())
);

TRACE_EVENT(pvblkback_req_done,
	    TP_PROTO(const struct pvblkback_ring *ring,
		     const struct pvblkback_req *preq),
	    TP_ARGS(ring, preq),
	    TP_STRUCT__entry(__field(u16, domid)
			     __field(u16, handle)
			     __field(u16, ring)
			     __field(u8, op)
			     __field(s16, status)
			     __field(u64, id)
			     __field(u64, sector)
			     __field(u16, nseg)),
	    TP_fast_assign(__entry->domid = ring->dev->frontend_id;
			   __entry->handle = ring->dev->handle;
			   __entry->ring = ring->index;
			   __entry->op = preq->rsp_op;
			   __entry->status = preq->status;
			   __entry->id = preq->req.id;
			   __entry->sector = preq->req.sector;
			   __entry->nseg = preq->nr_segs;),
	    TP_printk("dom %u vbd %u ring %u id %llu op %u sector %llu nseg %u status %d",
		      __entry->domid, __entry->handle, __entry->ring,
		      __entry->id, __entry->op, __entry->sector,
		      __entry->nseg, __entry->status)
);

#ifndef PVBLKBACK_TRACE_CALLS
#define PVBLKBACK_TRACE_CALLS
/*
 * A request starts: pvblkback_req_start, then pvblkback_req_segs for
 * every further PVBLKBACK_TRACE_CHUNK segments. @seg holds @nseg
 * segments (bounded as in pvblkback_trace_nseg()).
 */
static inline void pvblkback_trace_req(const struct pvblkback_ring *ring,
				       const struct pvblk_req *r,
				       unsigned int nseg,
				       const struct pvblk_seg *seg)
{
	unsigned int at;

	nseg = pvblkback_trace_nseg(ring, nseg, seg);
	trace_pvblkback_req_start(ring, r, nseg, seg);
	if (!trace_pvblkback_req_segs_enabled())
		return;
	for (at = PVBLKBACK_TRACE_CHUNK; at < nseg; at += PVBLKBACK_TRACE_CHUNK)
		trace_pvblkback_req_segs(ring, r, nseg, seg, at);
}
#endif

#endif /* PVBLKBACK_TRACE_H */

/* define_trace.h finds this header again through Kbuild's -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH blkback
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
