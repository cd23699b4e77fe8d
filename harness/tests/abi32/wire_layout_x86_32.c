// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compile-only check, built with gcc -m32: our x86_32 wire structs must
 * have exactly the layout the kernel's own blkif.h has on native i386
 * (CONFIG_X86_32).  Any mismatch stops the build with the field's name.
 */
#define CONFIG_X86_32 1

#include <stddef.h>
#include <stdint.h>

#include <xen/interface/io/blkif.h>

#include "pvblk/wire.h"

#define SAME(ours, kern, fo, fk)					\
	_Static_assert(offsetof(ours, fo) == offsetof(kern, fk),	\
		       "x86_32 offset of " #ours "." #fo);		\
	_Static_assert(sizeof(((ours *)0)->fo) == sizeof(((kern *)0)->fk), \
		       "x86_32 size of " #ours "." #fo)

#define SAME_SIZE(ours, kern)						\
	_Static_assert(sizeof(ours) == sizeof(kern),			\
		       "x86_32 sizeof " #ours)

_Static_assert(sizeof(void *) == 4, "this unit must be built with -m32");

SAME_SIZE(struct pvblk_wire_seg, struct blkif_request_segment);
SAME(struct pvblk_wire_seg, struct blkif_request_segment, gref, gref);
SAME(struct pvblk_wire_seg, struct blkif_request_segment,
     first_sect, first_sect);
SAME(struct pvblk_wire_seg, struct blkif_request_segment,
     last_sect, last_sect);

SAME_SIZE(struct pvblk_x32_req, struct blkif_request);
SAME(struct pvblk_x32_req, struct blkif_request, operation, operation);
SAME(struct pvblk_x32_req, struct blkif_request, u, u);

SAME_SIZE(struct pvblk_x32_rw, struct blkif_request_rw);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.rw.nr_segments, u.rw.nr_segments);
SAME(struct pvblk_x32_req, struct blkif_request, u.rw.handle, u.rw.handle);
SAME(struct pvblk_x32_req, struct blkif_request, u.rw.id, u.rw.id);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.rw.sector_number, u.rw.sector_number);
SAME(struct pvblk_x32_req, struct blkif_request, u.rw.seg, u.rw.seg);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.rw.seg[10].last_sect, u.rw.seg[10].last_sect);

SAME_SIZE(struct pvblk_x32_discard, struct blkif_request_discard);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.discard.flag, u.discard.flag);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.discard._pad1, u.discard._pad1);
SAME(struct pvblk_x32_req, struct blkif_request, u.discard.id, u.discard.id);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.discard.sector_number, u.discard.sector_number);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.discard.nr_sectors, u.discard.nr_sectors);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.discard._pad2, u.discard._pad3);

SAME_SIZE(struct pvblk_x32_other, struct blkif_request_other);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.other._pad1, u.other._pad1);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.other._pad2, u.other._pad2);
SAME(struct pvblk_x32_req, struct blkif_request, u.other.id, u.other.id);

SAME_SIZE(struct pvblk_x32_indirect, struct blkif_request_indirect);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.indirect_op, u.indirect.indirect_op);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.nr_segments, u.indirect.nr_segments);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.id, u.indirect.id);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.sector_number, u.indirect.sector_number);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.handle, u.indirect.handle);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect._pad1, u.indirect._pad2);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect.indirect_grefs, u.indirect.indirect_grefs);
SAME(struct pvblk_x32_req, struct blkif_request,
     u.indirect._pad2, u.indirect._pad3);

SAME_SIZE(struct pvblk_x32_rsp, struct blkif_response);
_Static_assert(_Alignof(struct pvblk_x32_rsp) ==
	       _Alignof(struct blkif_response), "x86_32 response alignment");
SAME(struct pvblk_x32_rsp, struct blkif_response, id, id);
SAME(struct pvblk_x32_rsp, struct blkif_response, operation, operation);
SAME(struct pvblk_x32_rsp, struct blkif_response, status, status);

/* The ring: header, entry size and entries per order. */
SAME(struct pvblk_sring_hdr, struct blkif_sring, req_prod, req_prod);
SAME(struct pvblk_sring_hdr, struct blkif_sring, req_event, req_event);
SAME(struct pvblk_sring_hdr, struct blkif_sring, rsp_prod, rsp_prod);
SAME(struct pvblk_sring_hdr, struct blkif_sring, rsp_event, rsp_event);
SAME(struct pvblk_sring_hdr, struct blkif_sring, _pad, __pad);
_Static_assert(offsetof(struct blkif_sring, ring) == PVBLK_RING_HDR_SIZE,
	       "x86_32 ring header size");
_Static_assert(sizeof(union blkif_sring_entry) == PVBLK_X32_ENTRY_SIZE,
	       "x86_32 ring entry size");
_Static_assert(__CONST_RING_SIZE(blkif, 4096) == 32, "x86_32 order 0");
_Static_assert(__CONST_RING_SIZE(blkif, 8192) == 64, "x86_32 order 1");
_Static_assert(__CONST_RING_SIZE(blkif, 16384) == 128, "x86_32 order 2");
_Static_assert(__CONST_RING_SIZE(blkif, 32768) == 256, "x86_32 order 3");
_Static_assert(__CONST_RING_SIZE(blkif, 65536) == 512, "x86_32 order 4");

/* Constants shared by both ABIs. */
_Static_assert(PVBLK_OP_READ == BLKIF_OP_READ, "READ");
_Static_assert(PVBLK_OP_WRITE == BLKIF_OP_WRITE, "WRITE");
_Static_assert(PVBLK_OP_WRITE_BARRIER == BLKIF_OP_WRITE_BARRIER, "BARRIER");
_Static_assert(PVBLK_OP_FLUSH_DISKCACHE == BLKIF_OP_FLUSH_DISKCACHE, "FLUSH");
_Static_assert(PVBLK_OP_DISCARD == BLKIF_OP_DISCARD, "DISCARD");
_Static_assert(PVBLK_OP_INDIRECT == BLKIF_OP_INDIRECT, "INDIRECT");
_Static_assert(PVBLK_MAX_SEGS_DIRECT == BLKIF_MAX_SEGMENTS_PER_REQUEST,
	       "direct segments");
_Static_assert(PVBLK_MAX_INDIRECT_PAGES ==
	       BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, "indirect pages");

/* ISO C forbids an empty translation unit. */
int pvblk_wire_layout_x86_32_checked;
