/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation of decoded requests (struct pvblk_req) against the limits of
 * the device and of the connection, and of the ring indexes a frontend
 * publishes.  Pure functions: the verdict is a reason code; the glue turns
 * it into a response status (pvblk_req_status()) and, for the ring,
 * into stopping the ring with one rate-limited log line
 * (pvblk_req_reason() gives the text).
 *
 * Order of use in a backend, per request:
 *	pvblk_fetch_req(&req, slot, abi);		copy once, decode
 *	err = pvblk_req_check(&req, &lim);		header and direct segs
 *	INDIRECT only: map pvblk_indirect_pages(nr_segments) pages of
 *	indirect_grefs[], read them with pvblk_fetch_indirect_segs(), then
 *	pvblk_req_check_segs() over all nr_segments segments.
 */
#ifndef PVBLK_REQ_CHECK_H
#define PVBLK_REQ_CHECK_H

#include "pvblk/seam.h"
#include "pvblk/wire.h"

/*
 * What the backend serves on one connection.  All sizes in bytes or in
 * 512-byte sectors as named.
 */
struct pvblk_dev_limits {
	u64 nr_sectors;		/* device size, 512-byte sectors */
	u32 logical_block_size;	/* bytes: a power of two, 512..4096 */
	u16 max_indirect_segs;	/* advertised; 0: INDIRECT not offered */
	bool read_only;		/* opened read-only ("mode" r) */
	bool flush;		/* feature-flush-cache advertised */
	bool barrier;		/* feature-barrier advertised */
	bool discard;		/* feature-discard advertised */
	bool secure_discard;	/* discard-secure advertised */
};

enum pvblk_req_err {
	PVBLK_REQ_OK = 0,
	PVBLK_REQ_BAD_OP,		/* unknown operation */
	PVBLK_REQ_NOT_ADVERTISED,	/* flush/barrier/discard/indirect off */
	PVBLK_REQ_BAD_INDIRECT_OP,	/* indirect_op not READ or WRITE */
	PVBLK_REQ_NO_SEGMENTS,		/* READ/WRITE with 0 segments */
	PVBLK_REQ_TOO_MANY_SEGMENTS,	/* above the limit of the operation */
	PVBLK_REQ_TOO_MANY_PAGES,	/* indirect pages above the limit */
	PVBLK_REQ_BAD_SECT,		/* first_sect > last_sect or > 7 */
	PVBLK_REQ_MISALIGNED,		/* not on logical block boundaries */
	PVBLK_REQ_OUT_OF_RANGE,		/* sectors past the end of the device */
	PVBLK_REQ_READ_ONLY,		/* write or discard to a r/o device */
	PVBLK_REQ_BAD_DISCARD_FLAG,	/* unknown discard flag bits */
	PVBLK_REQ_SECURE_UNSUPPORTED,	/* secure discard not advertised */
	PVBLK_REQ_ERR_MAX
};

/*
 * Check everything a request slot carries.  For READ, WRITE,
 * WRITE_BARRIER and FLUSH_DISKCACHE this includes the direct segments and
 * the sector range they cover; for INDIRECT the segments are checked
 * later by pvblk_req_check_segs().  A FLUSH_DISKCACHE or WRITE_BARRIER
 * with no segments is valid (an empty flush); one with segments is a
 * write.  A DISCARD of 0 sectors is valid and needs no I/O.
 */
enum pvblk_req_err pvblk_req_check(const struct pvblk_req *req,
				   const struct pvblk_dev_limits *lim);

/*
 * Check @n segments starting at device sector @sector: each within its
 * page, each start and length on logical block boundaries, and the whole
 * range inside the device.  On success *@nr_sectors (if not NULL) gets
 * the total length in 512-byte sectors.
 */
enum pvblk_req_err pvblk_req_check_segs(const struct pvblk_seg *seg,
					unsigned int n, u64 sector,
					const struct pvblk_dev_limits *lim,
					u64 *nr_sectors);

/* Response status for a verdict: OKAY, EOPNOTSUPP or ERROR. */
s16 pvblk_req_status(enum pvblk_req_err err);

/* Short fixed text for a verdict, for log lines; never NULL. */
const char *pvblk_req_reason(enum pvblk_req_err err);

/*
 * Ring index sanity.  @req_prod is the frontend's producer index as read
 * (once) from the shared ring, @rsp_prod_pvt the backend's private
 * response producer, @nr_slots the ring size.  A frontend may have at most
 * @nr_slots requests outstanding; more is a protocol violation and the
 * ring must be stopped.  Free-running u32 arithmetic, wrap-safe.
 */
bool pvblk_ring_prod_ok(u32 req_prod, u32 rsp_prod_pvt, unsigned int nr_slots);

/*
 * Number of new requests between the backend's consumer index @req_cons
 * and @req_prod, or -EPROTO when @req_prod is not within one ring of
 * @rsp_prod_pvt (see pvblk_ring_prod_ok()).
 */
int pvblk_ring_pending(u32 req_prod, u32 req_cons, u32 rsp_prod_pvt,
		       unsigned int nr_slots);

#endif /* PVBLK_REQ_CHECK_H */
