/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblk wire ABI: our own definitions of the Xen blkif shared-ring layout
 * for both request ABIs a backend must serve, "x86_64-abi" (the native one
 * of an amd64 backend) and "x86_32-abi" (64-bit fields aligned to 4), plus
 * the one canonical request struct the rest of the core works on.
 *
 * Every struct below is checked field by field against the kernel's own
 * xen/interface/io/blkif.h in harness/tests (x86_64 natively, x86_32 with
 * gcc -m32).  Offsets are documented in Documentation/wire-abi.rst.
 *
 * Rules enforced by the functions in core/wire.c:
 *  - a request slot of the shared ring is copied into private memory
 *    exactly once and only the private copy is decoded (XSA-155);
 *  - a response is assembled in private memory with every padding byte
 *    zeroed and copied to the ring in one go (XSA-216).
 *
 * The wire is little-endian x86; fields are used in CPU byte order.
 */
#ifndef PVBLK_WIRE_H
#define PVBLK_WIRE_H

#include "pvblk/seam.h"

/* Operations (request "operation" byte and echoed in the response). */
#define PVBLK_OP_READ			0
#define PVBLK_OP_WRITE			1
#define PVBLK_OP_WRITE_BARRIER		2
#define PVBLK_OP_FLUSH_DISKCACHE	3
#define PVBLK_OP_DISCARD		5
#define PVBLK_OP_INDIRECT		6

/* Response status. */
#define PVBLK_RSP_OKAY			0
#define PVBLK_RSP_ERROR			(-1)
#define PVBLK_RSP_EOPNOTSUPP		(-2)

/* Discard request flag. */
#define PVBLK_DISCARD_SECURE		0x1

/* Bits of the backend's "info" xenstore key. */
#define PVBLK_VDISK_CDROM		0x1
#define PVBLK_VDISK_REMOVABLE		0x2
#define PVBLK_VDISK_READONLY		0x4

/* Grant and sector geometry: the wire always counts 512-byte sectors. */
#define PVBLK_PAGE_SIZE			4096u
#define PVBLK_SECTOR_SHIFT		9
#define PVBLK_SECTORS_PER_PAGE		(PVBLK_PAGE_SIZE >> PVBLK_SECTOR_SHIFT)

/* Segment limits. */
#define PVBLK_MAX_SEGS_DIRECT		11
#define PVBLK_MAX_INDIRECT_PAGES	8
#define PVBLK_SEGS_PER_INDIRECT_PAGE	(PVBLK_PAGE_SIZE / 8u)
#define PVBLK_MAX_INDIRECT_SEGS \
	(PVBLK_MAX_INDIRECT_PAGES * PVBLK_SEGS_PER_INDIRECT_PAGE)

/* Ring geometry: a 64-byte header, then power-of-two many entries. */
#define PVBLK_MAX_RING_ORDER		4
#define PVBLK_RING_HDR_SIZE		64u

/* Request ABI of one connection, chosen by the frontend's "protocol" key. */
enum pvblk_abi {
	PVBLK_ABI_X86_64 = 0,
	PVBLK_ABI_X86_32 = 1,
};

#define PVBLK_ABI_NATIVE		PVBLK_ABI_X86_64

/* One data segment; identical in both ABIs and in indirect pages. */
struct pvblk_wire_seg {
	u32 gref;
	u8 first_sect;
	u8 last_sect;
	u16 _pad;
};

/* ---- x86_64 ABI ---- */

struct pvblk_x64_rw {
	u8 nr_segments;
	u16 handle;
	u32 _pad1;
	u64 id;
	u64 sector_number;
	struct pvblk_wire_seg seg[PVBLK_MAX_SEGS_DIRECT];
} __packed;

struct pvblk_x64_discard {
	u8 flag;
	u16 _pad1;
	u32 _pad2;
	u64 id;
	u64 sector_number;
	u64 nr_sectors;
	u8 _pad3;
} __packed;

struct pvblk_x64_other {
	u8 _pad1;
	u16 _pad2;
	u32 _pad3;
	u64 id;
} __packed;

struct pvblk_x64_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u32 _pad1;
	u64 id;
	u64 sector_number;
	u16 handle;
	u16 _pad2;
	u32 indirect_grefs[PVBLK_MAX_INDIRECT_PAGES];
	u32 _pad3;
} __packed;

struct pvblk_x64_req {
	u8 operation;
	union {
		struct pvblk_x64_rw rw;
		struct pvblk_x64_discard discard;
		struct pvblk_x64_other other;
		struct pvblk_x64_indirect indirect;
	} u;
} __packed;

struct pvblk_x64_rsp {
	u64 id;
	u8 operation;
	u8 _pad1;
	s16 status;
	u32 _pad2;
};

/* ---- x86_32 ABI: no padding before id, 64-bit fields 4-aligned ---- */

struct pvblk_x32_rw {
	u8 nr_segments;
	u16 handle;
	u64 id;
	u64 sector_number;
	struct pvblk_wire_seg seg[PVBLK_MAX_SEGS_DIRECT];
} __packed;

struct pvblk_x32_discard {
	u8 flag;
	u16 _pad1;
	u64 id;
	u64 sector_number;
	u64 nr_sectors;
	u8 _pad2;
} __packed;

struct pvblk_x32_other {
	u8 _pad1;
	u16 _pad2;
	u64 id;
} __packed;

struct pvblk_x32_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u64 id;
	u64 sector_number;
	u16 handle;
	u16 _pad1;
	u32 indirect_grefs[PVBLK_MAX_INDIRECT_PAGES];
	u64 _pad2;
} __packed;

struct pvblk_x32_req {
	u8 operation;
	union {
		struct pvblk_x32_rw rw;
		struct pvblk_x32_discard discard;
		struct pvblk_x32_other other;
		struct pvblk_x32_indirect indirect;
	} u;
} __packed;

struct pvblk_x32_rsp {
	u64 id;
	u8 operation;
	u8 _pad1;
	s16 status;
} __packed __aligned(4);

/* Bytes of a ring entry (a union of request and response) per ABI. */
#define PVBLK_X64_ENTRY_SIZE	112u
#define PVBLK_X32_ENTRY_SIZE	108u

/* Private storage for one copied request slot of either ABI. */
union pvblk_wire_req {
	struct pvblk_x64_req x64;
	struct pvblk_x32_req x32;
	u8 bytes[PVBLK_X64_ENTRY_SIZE];
};

/* The shared ring page header; entries follow at PVBLK_RING_HDR_SIZE. */
struct pvblk_sring_hdr {
	u32 req_prod;
	u32 req_event;
	u32 rsp_prod;
	u32 rsp_event;
	u8 _pad[48];
};

/* ---- canonical in-memory forms ---- */

/* A decoded segment: first/last 512-byte sector inside the granted page. */
struct pvblk_seg {
	u32 gref;
	u8 first_sect;
	u8 last_sect;
};

/*
 * A decoded request, ABI-independent.  Which fields mean something depends
 * on @operation:
 *  READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE: handle, sector,
 *	nr_segments (as sent, 0..255) and seg[0 .. min(nr_segments, 11)).
 *  DISCARD: sector, nr_sectors, discard_flag.
 *  INDIRECT: indirect_op, handle, sector, nr_segments (as sent, 0..65535)
 *	and all of indirect_grefs[] as sent; the segments themselves live in
 *	the indirect pages (pvblk_fetch_indirect_segs()).
 *  anything else: only id (at the same offset in every request form).
 * Fields that do not apply are zero.  Nothing here is validated yet: see
 * pvblk_req_check().
 */
struct pvblk_req {
	u64 id;
	u64 sector;
	u64 nr_sectors;
	u16 nr_segments;
	u16 handle;
	u8 operation;
	u8 indirect_op;
	u8 discard_flag;
	struct pvblk_seg seg[PVBLK_MAX_SEGS_DIRECT];
	u32 indirect_grefs[PVBLK_MAX_INDIRECT_PAGES];
};

/* Size in bytes of a request, and of a ring entry, of @abi. */
size_t pvblk_req_wire_size(enum pvblk_abi abi);
size_t pvblk_ring_entry_size(enum pvblk_abi abi);

/*
 * Entries in a shared ring of 2^@order pages for @abi (both ABIs give 32
 * per page); 0 when @order is above PVBLK_MAX_RING_ORDER.
 */
unsigned int pvblk_ring_slots(enum pvblk_abi abi, unsigned int order);

/* Indirect pages an INDIRECT request of @nr_segs segments names. */
static inline unsigned int pvblk_indirect_pages(unsigned int nr_segs)
{
	return DIV_ROUND_UP(nr_segs, PVBLK_SEGS_PER_INDIRECT_PAGE);
}

/*
 * Address of entry @idx (free-running, masked here) of a ring of
 * @nr_slots entries (a power of two, from pvblk_ring_slots()).
 */
void *pvblk_ring_entry(void *sring, enum pvblk_abi abi,
		       unsigned int nr_slots, u32 idx);

/*
 * Copy one request of @abi out of a shared ring entry into @priv: each
 * byte of @slot is read exactly once, and a compiler barrier follows so no
 * later access can be turned back into a read of shared memory.
 */
void pvblk_copy_req_slot(union pvblk_wire_req *priv, const void *slot,
			 enum pvblk_abi abi);

/* Decode a private copy of @abi into @out.  Never fails; see pvblk_req. */
void pvblk_decode_req(struct pvblk_req *out, const union pvblk_wire_req *priv,
		      enum pvblk_abi abi);

/* pvblk_copy_req_slot() + pvblk_decode_req(): the backend's ring read. */
void pvblk_fetch_req(struct pvblk_req *out, const void *slot,
		     enum pvblk_abi abi);

/*
 * Copy segments [@first, @first + @n) out of a mapped indirect page, each
 * byte read once.  Indices past the page are not read; returns how many
 * segments were copied.
 */
unsigned int pvblk_fetch_indirect_segs(struct pvblk_seg *out, const void *page,
				       unsigned int first, unsigned int n);

/*
 * Write one response of @abi into a ring entry: assembled privately with
 * all padding zeroed, then copied out with one memcpy().
 */
void pvblk_put_rsp(void *slot, enum pvblk_abi abi, u64 id, u8 op, s16 status);

/*
 * Frontend side: encode @req as a request of @abi into a ring entry (all
 * padding zeroed; nr_segments is truncated to the wire field), and read a
 * response back out of a ring entry, each byte read once.
 */
void pvblk_encode_req(void *slot, const struct pvblk_req *req,
		      enum pvblk_abi abi);
void pvblk_fetch_rsp(const void *slot, enum pvblk_abi abi, u64 *id, u8 *op,
		     s16 *status);

#endif /* PVBLK_WIRE_H */
