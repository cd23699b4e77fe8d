// SPDX-License-Identifier: GPL-2.0-only
/* pvblkfront: instantiates the tracepoints declared in include/pvblk/front_trace.h. */
#define CREATE_TRACE_POINTS
#include "pvblk/front_trace.h"
