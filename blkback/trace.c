// SPDX-License-Identifier: GPL-2.0-only
/* pvblkback: instantiates the tracepoints declared in trace.h. */
#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * The segment list of an event, written into the output's scratch
 * trace_seq: "gref:first-last" per segment, comma-separated, or "-".
 * @n comes from the event's own array length, so only the event's
 * bytes are read.
 */
const char *pvblkback_trace_print_segs(struct trace_seq *p, const u32 *gref,
				       const u8 *first, const u8 *last,
				       unsigned int n)
{
	const char *ret = trace_seq_buffer_ptr(p);
	unsigned int i;

	if (!n)
		trace_seq_putc(p, '-');
	for (i = 0; i < n; i++)
		trace_seq_printf(p, "%s%u:%u-%u", i ? "," : "", gref[i],
				 first[i], last[i]);
	trace_seq_putc(p, 0);
	return ret;
}
