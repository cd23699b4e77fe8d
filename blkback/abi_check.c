// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build-time proof that pvblk's own wire ABI (include/pvblk/wire.h) is the
 * kernel's: every size, field offset and constant of the native (x86_64)
 * request and response layouts is compared with xen/interface/io/blkif.h
 * of the kernel being built for. The kernel headers carry no x86_32
 * layout; harness/tests checks that one against blkif.h compiled with
 * -m32. This file generates no code.
 */
#include <linux/blkdev.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <xen/interface/io/blkif.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include "pvblk/wire.h"

/* Whole structures, and a ring entry (the request/response union). */
static_assert(sizeof(struct blkif_request) == sizeof(struct pvblk_x64_req));
static_assert(sizeof(struct blkif_response) == sizeof(struct pvblk_x64_rsp));
static_assert(sizeof(struct blkif_request_segment) ==
	      sizeof(struct pvblk_wire_seg));
static_assert(sizeof(union blkif_sring_entry) == PVBLK_X64_ENTRY_SIZE);
static_assert(offsetof(struct blkif_sring, ring) == PVBLK_RING_HDR_SIZE);

/* One segment: offset and size. */
static_assert(offsetof(struct blkif_request_segment, gref) ==
	      offsetof(struct pvblk_wire_seg, gref));
static_assert(sizeof_field(struct blkif_request_segment, gref) ==
	      sizeof_field(struct pvblk_wire_seg, gref));
static_assert(offsetof(struct blkif_request_segment, first_sect) ==
	      offsetof(struct pvblk_wire_seg, first_sect));
static_assert(sizeof_field(struct blkif_request_segment, first_sect) ==
	      sizeof_field(struct pvblk_wire_seg, first_sect));
static_assert(offsetof(struct blkif_request_segment, last_sect) ==
	      offsetof(struct pvblk_wire_seg, last_sect));
static_assert(sizeof_field(struct blkif_request_segment, last_sect) ==
	      sizeof_field(struct pvblk_wire_seg, last_sect));

/* Requests: every field of every request form: offset and size. */
static_assert(offsetof(struct blkif_request, operation) ==
	      offsetof(struct pvblk_x64_req, operation));
static_assert(sizeof_field(struct blkif_request, operation) ==
	      sizeof_field(struct pvblk_x64_req, operation));
static_assert(offsetof(struct blkif_request, u.rw.nr_segments) ==
	      offsetof(struct pvblk_x64_req, u.rw.nr_segments));
static_assert(sizeof_field(struct blkif_request, u.rw.nr_segments) ==
	      sizeof_field(struct pvblk_x64_req, u.rw.nr_segments));
static_assert(offsetof(struct blkif_request, u.rw.handle) ==
	      offsetof(struct pvblk_x64_req, u.rw.handle));
static_assert(sizeof_field(struct blkif_request, u.rw.handle) ==
	      sizeof_field(struct pvblk_x64_req, u.rw.handle));
static_assert(offsetof(struct blkif_request, u.rw.id) ==
	      offsetof(struct pvblk_x64_req, u.rw.id));
static_assert(sizeof_field(struct blkif_request, u.rw.id) ==
	      sizeof_field(struct pvblk_x64_req, u.rw.id));
static_assert(offsetof(struct blkif_request, u.rw.sector_number) ==
	      offsetof(struct pvblk_x64_req, u.rw.sector_number));
static_assert(sizeof_field(struct blkif_request, u.rw.sector_number) ==
	      sizeof_field(struct pvblk_x64_req, u.rw.sector_number));
static_assert(offsetof(struct blkif_request, u.rw.seg) ==
	      offsetof(struct pvblk_x64_req, u.rw.seg));
static_assert(sizeof_field(struct blkif_request, u.rw.seg) ==
	      sizeof_field(struct pvblk_x64_req, u.rw.seg));
static_assert(offsetof(struct blkif_request, u.discard.flag) ==
	      offsetof(struct pvblk_x64_req, u.discard.flag));
static_assert(sizeof_field(struct blkif_request, u.discard.flag) ==
	      sizeof_field(struct pvblk_x64_req, u.discard.flag));
static_assert(offsetof(struct blkif_request, u.discard.id) ==
	      offsetof(struct pvblk_x64_req, u.discard.id));
static_assert(sizeof_field(struct blkif_request, u.discard.id) ==
	      sizeof_field(struct pvblk_x64_req, u.discard.id));
static_assert(offsetof(struct blkif_request, u.discard.sector_number) ==
	      offsetof(struct pvblk_x64_req, u.discard.sector_number));
static_assert(sizeof_field(struct blkif_request, u.discard.sector_number) ==
	      sizeof_field(struct pvblk_x64_req, u.discard.sector_number));
static_assert(offsetof(struct blkif_request, u.discard.nr_sectors) ==
	      offsetof(struct pvblk_x64_req, u.discard.nr_sectors));
static_assert(sizeof_field(struct blkif_request, u.discard.nr_sectors) ==
	      sizeof_field(struct pvblk_x64_req, u.discard.nr_sectors));
static_assert(offsetof(struct blkif_request, u.other.id) ==
	      offsetof(struct pvblk_x64_req, u.other.id));
static_assert(sizeof_field(struct blkif_request, u.other.id) ==
	      sizeof_field(struct pvblk_x64_req, u.other.id));
static_assert(offsetof(struct blkif_request, u.indirect.indirect_op) ==
	      offsetof(struct pvblk_x64_req, u.indirect.indirect_op));
static_assert(sizeof_field(struct blkif_request, u.indirect.indirect_op) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.indirect_op));
static_assert(offsetof(struct blkif_request, u.indirect.nr_segments) ==
	      offsetof(struct pvblk_x64_req, u.indirect.nr_segments));
static_assert(sizeof_field(struct blkif_request, u.indirect.nr_segments) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.nr_segments));
static_assert(offsetof(struct blkif_request, u.indirect.id) ==
	      offsetof(struct pvblk_x64_req, u.indirect.id));
static_assert(sizeof_field(struct blkif_request, u.indirect.id) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.id));
static_assert(offsetof(struct blkif_request, u.indirect.sector_number) ==
	      offsetof(struct pvblk_x64_req, u.indirect.sector_number));
static_assert(sizeof_field(struct blkif_request, u.indirect.sector_number) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.sector_number));
static_assert(offsetof(struct blkif_request, u.indirect.handle) ==
	      offsetof(struct pvblk_x64_req, u.indirect.handle));
static_assert(sizeof_field(struct blkif_request, u.indirect.handle) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.handle));
static_assert(offsetof(struct blkif_request, u.indirect.indirect_grefs) ==
	      offsetof(struct pvblk_x64_req, u.indirect.indirect_grefs));
static_assert(sizeof_field(struct blkif_request, u.indirect.indirect_grefs) ==
	      sizeof_field(struct pvblk_x64_req, u.indirect.indirect_grefs));

/* Responses: offset and size. */
static_assert(offsetof(struct blkif_response, id) ==
	      offsetof(struct pvblk_x64_rsp, id));
static_assert(sizeof_field(struct blkif_response, id) ==
	      sizeof_field(struct pvblk_x64_rsp, id));
static_assert(offsetof(struct blkif_response, operation) ==
	      offsetof(struct pvblk_x64_rsp, operation));
static_assert(sizeof_field(struct blkif_response, operation) ==
	      sizeof_field(struct pvblk_x64_rsp, operation));
static_assert(offsetof(struct blkif_response, status) ==
	      offsetof(struct pvblk_x64_rsp, status));
static_assert(sizeof_field(struct blkif_response, status) ==
	      sizeof_field(struct pvblk_x64_rsp, status));

/* Constants. */
static_assert(BLKIF_OP_READ == PVBLK_OP_READ);
static_assert(BLKIF_OP_WRITE == PVBLK_OP_WRITE);
static_assert(BLKIF_OP_WRITE_BARRIER == PVBLK_OP_WRITE_BARRIER);
static_assert(BLKIF_OP_FLUSH_DISKCACHE == PVBLK_OP_FLUSH_DISKCACHE);
static_assert(BLKIF_OP_DISCARD == PVBLK_OP_DISCARD);
static_assert(BLKIF_OP_INDIRECT == PVBLK_OP_INDIRECT);
static_assert(BLKIF_RSP_OKAY == PVBLK_RSP_OKAY);
static_assert(BLKIF_RSP_ERROR == PVBLK_RSP_ERROR);
static_assert(BLKIF_RSP_EOPNOTSUPP == PVBLK_RSP_EOPNOTSUPP);
static_assert(BLKIF_DISCARD_SECURE == PVBLK_DISCARD_SECURE);
static_assert(VDISK_CDROM == PVBLK_VDISK_CDROM);
static_assert(VDISK_REMOVABLE == PVBLK_VDISK_REMOVABLE);
static_assert(VDISK_READONLY == PVBLK_VDISK_READONLY);
static_assert(BLKIF_MAX_SEGMENTS_PER_REQUEST == PVBLK_MAX_SEGS_DIRECT);
static_assert(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST ==
	      PVBLK_MAX_INDIRECT_PAGES);
static_assert(XENBUS_MAX_RING_GRANT_ORDER == PVBLK_MAX_RING_ORDER);
static_assert(XEN_PAGE_SIZE == PVBLK_PAGE_SIZE);
static_assert(SECTOR_SHIFT == PVBLK_SECTOR_SHIFT);
