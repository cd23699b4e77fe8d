/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblkfront tracepoints (kernel only): one event when a request is put
 * on a ring and one when its response has been accepted by the checker.
 *
 *   echo 1 > /sys/kernel/tracing/events/pvblkfront/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvblkfront

#if !defined(PVBLKFRONT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PVBLKFRONT_TRACE_H

#include <linux/tracepoint.h>

#include "pvblk/wire.h"

TRACE_EVENT(pvblkfront_submit,
	    TP_PROTO(u32 vdev, u16 ring, const struct pvblk_req *r,
		     bool bounce),
	    TP_ARGS(vdev, ring, r, bounce),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u16, ring)
			     __field(u8, op)
			     __field(u8, indirect_op)
			     __field(u8, bounce)
			     __field(u64, id)
			     __field(u64, sector)
			     __field(u16, nseg)),
	    TP_fast_assign(__entry->vdev = vdev;
			   __entry->ring = ring;
			   __entry->op = r->operation;
			   __entry->indirect_op = r->indirect_op;
			   __entry->bounce = bounce;
			   __entry->id = r->id;
			   __entry->sector = r->sector;
			   __entry->nseg = r->nr_segments;),
	    TP_printk("vdev %#x ring %u id %llu op %u/%u sector %llu nseg %u bounce %u",
		      __entry->vdev, __entry->ring, __entry->id, __entry->op,
		      __entry->indirect_op, __entry->sector, __entry->nseg,
		      __entry->bounce)
);

TRACE_EVENT(pvblkfront_complete,
	    TP_PROTO(u32 vdev, u16 ring, u64 id, u8 op, s16 status),
	    TP_ARGS(vdev, ring, id, op, status),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u16, ring)
			     __field(u8, op)
			     __field(s16, status)
			     __field(u64, id)),
	    TP_fast_assign(__entry->vdev = vdev;
			   __entry->ring = ring;
			   __entry->op = op;
			   __entry->status = status;
			   __entry->id = id;),
	    TP_printk("vdev %#x ring %u id %llu op %u status %d",
		      __entry->vdev, __entry->ring, __entry->id, __entry->op,
		      __entry->status)
);

#endif /* PVBLKFRONT_TRACE_H */

/* Found by define_trace.h through the -I$(src) search path Kbuild sets. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH blkfront
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
