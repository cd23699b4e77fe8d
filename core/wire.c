// SPDX-License-Identifier: GPL-2.0-only
/*
 * blkif wire ABI conversion: copy-once request reads, padding-free
 * response writes, for the x86_64 and x86_32 request layouts.
 */
#include "pvblk/wire.h"

static_assert(sizeof(struct pvblk_wire_seg) == 8);
static_assert(sizeof(struct pvblk_x64_req) == 112);
static_assert(sizeof(struct pvblk_x64_rsp) == 16);
static_assert(sizeof(struct pvblk_x32_req) == 108);
static_assert(sizeof(struct pvblk_x32_rsp) == 12);
static_assert(sizeof(struct pvblk_sring_hdr) == PVBLK_RING_HDR_SIZE);
static_assert(sizeof(union pvblk_wire_req) == PVBLK_X64_ENTRY_SIZE);
static_assert(PVBLK_SEGS_PER_INDIRECT_PAGE * sizeof(struct pvblk_wire_seg) ==
	      PVBLK_PAGE_SIZE);

size_t pvblk_req_wire_size(enum pvblk_abi abi)
{
	if (abi == PVBLK_ABI_X86_32)
		return sizeof(struct pvblk_x32_req);
	return sizeof(struct pvblk_x64_req);
}

size_t pvblk_ring_entry_size(enum pvblk_abi abi)
{
	if (abi == PVBLK_ABI_X86_32)
		return PVBLK_X32_ENTRY_SIZE;
	return PVBLK_X64_ENTRY_SIZE;
}

unsigned int pvblk_ring_slots(enum pvblk_abi abi, unsigned int order)
{
	unsigned int n, p;

	if (order > PVBLK_MAX_RING_ORDER)
		return 0;
	n = ((PVBLK_PAGE_SIZE << order) - PVBLK_RING_HDR_SIZE) /
	    pvblk_ring_entry_size(abi);
	/* round down to a power of two */
	for (p = 1; p <= n / 2; p <<= 1)
		;
	return p;
}

void *pvblk_ring_entry(void *sring, enum pvblk_abi abi,
		       unsigned int nr_slots, u32 idx)
{
	size_t off = PVBLK_RING_HDR_SIZE +
		     (size_t)(idx & (nr_slots - 1)) * pvblk_ring_entry_size(abi);

	return (u8 *)sring + off;
}

void pvblk_copy_req_slot(union pvblk_wire_req *priv, const void *slot,
			 enum pvblk_abi abi)
{
	size_t len = pvblk_req_wire_size(abi);

	memcpy(priv, slot, len);
	if (len < sizeof(*priv))
		memset(priv->bytes + len, 0, sizeof(*priv) - len);
	/* From here on only @priv is read: no second fetch of the ring. */
	barrier();
}

/*
 * Segment arrays sit at unaligned offsets inside the packed request
 * structs, so they are moved as bytes, never through a struct pointer.
 */
static void decode_segs(struct pvblk_seg *out, const u8 *raw, unsigned int n)
{
	struct pvblk_wire_seg s;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memcpy(&s, raw + i * sizeof(s), sizeof(s));
		out[i].gref = s.gref;
		out[i].first_sect = s.first_sect;
		out[i].last_sect = s.last_sect;
	}
}

static void decode_x64(struct pvblk_req *out, const struct pvblk_x64_req *in)
{
	const struct pvblk_x64_rw *rw = &in->u.rw;
	const struct pvblk_x64_discard *dc = &in->u.discard;
	const struct pvblk_x64_indirect *ind = &in->u.indirect;

	out->operation = in->operation;
	switch (in->operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		out->id = rw->id;
		out->handle = rw->handle;
		out->sector = rw->sector_number;
		out->nr_segments = rw->nr_segments;
		decode_segs(out->seg, (const u8 *)rw +
			    offsetof(struct pvblk_x64_rw, seg),
			    min_t(unsigned int, rw->nr_segments,
				  PVBLK_MAX_SEGS_DIRECT));
		break;
	case PVBLK_OP_DISCARD:
		out->id = dc->id;
		out->discard_flag = dc->flag;
		out->sector = dc->sector_number;
		out->nr_sectors = dc->nr_sectors;
		break;
	case PVBLK_OP_INDIRECT:
		out->id = ind->id;
		out->indirect_op = ind->indirect_op;
		out->nr_segments = ind->nr_segments;
		out->sector = ind->sector_number;
		out->handle = ind->handle;
		memcpy(out->indirect_grefs, ind->indirect_grefs,
		       sizeof(out->indirect_grefs));
		break;
	default:
		out->id = in->u.other.id;
		break;
	}
}

static void decode_x32(struct pvblk_req *out, const struct pvblk_x32_req *in)
{
	const struct pvblk_x32_rw *rw = &in->u.rw;
	const struct pvblk_x32_discard *dc = &in->u.discard;
	const struct pvblk_x32_indirect *ind = &in->u.indirect;

	out->operation = in->operation;
	switch (in->operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		out->id = rw->id;
		out->handle = rw->handle;
		out->sector = rw->sector_number;
		out->nr_segments = rw->nr_segments;
		decode_segs(out->seg, (const u8 *)rw +
			    offsetof(struct pvblk_x32_rw, seg),
			    min_t(unsigned int, rw->nr_segments,
				  PVBLK_MAX_SEGS_DIRECT));
		break;
	case PVBLK_OP_DISCARD:
		out->id = dc->id;
		out->discard_flag = dc->flag;
		out->sector = dc->sector_number;
		out->nr_sectors = dc->nr_sectors;
		break;
	case PVBLK_OP_INDIRECT:
		out->id = ind->id;
		out->indirect_op = ind->indirect_op;
		out->nr_segments = ind->nr_segments;
		out->sector = ind->sector_number;
		out->handle = ind->handle;
		memcpy(out->indirect_grefs, ind->indirect_grefs,
		       sizeof(out->indirect_grefs));
		break;
	default:
		out->id = in->u.other.id;
		break;
	}
}

void pvblk_decode_req(struct pvblk_req *out, const union pvblk_wire_req *priv,
		      enum pvblk_abi abi)
{
	memset(out, 0, sizeof(*out));
	if (abi == PVBLK_ABI_X86_32)
		decode_x32(out, &priv->x32);
	else
		decode_x64(out, &priv->x64);
}

void pvblk_fetch_req(struct pvblk_req *out, const void *slot,
		     enum pvblk_abi abi)
{
	union pvblk_wire_req priv;

	pvblk_copy_req_slot(&priv, slot, abi);
	pvblk_decode_req(out, &priv, abi);
}

unsigned int pvblk_fetch_indirect_segs(struct pvblk_seg *out, const void *page,
				       unsigned int first, unsigned int n)
{
	struct pvblk_wire_seg priv[16];
	const u8 *src = page;
	unsigned int done = 0, chunk;

	if (first >= PVBLK_SEGS_PER_INDIRECT_PAGE)
		return 0;
	n = min(n, PVBLK_SEGS_PER_INDIRECT_PAGE - first);
	while (done < n) {
		chunk = min_t(unsigned int, n - done, ARRAY_SIZE(priv));
		memcpy(priv, src + (first + done) * sizeof(priv[0]),
		       chunk * sizeof(priv[0]));
		barrier();
		decode_segs(out + done, (const u8 *)priv, chunk);
		done += chunk;
	}
	return done;
}

void pvblk_put_rsp(void *slot, enum pvblk_abi abi, u64 id, u8 op, s16 status)
{
	struct pvblk_x64_rsp r64;
	struct pvblk_x32_rsp r32;

	if (abi == PVBLK_ABI_X86_32) {
		memset(&r32, 0, sizeof(r32));
		r32.id = id;
		r32.operation = op;
		r32.status = status;
		memcpy(slot, &r32, sizeof(r32));
	} else {
		memset(&r64, 0, sizeof(r64));
		r64.id = id;
		r64.operation = op;
		r64.status = status;
		memcpy(slot, &r64, sizeof(r64));
	}
}

static void encode_segs(u8 *raw, const struct pvblk_seg *in, unsigned int n)
{
	struct pvblk_wire_seg s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s.gref = in[i].gref;
		s.first_sect = in[i].first_sect;
		s.last_sect = in[i].last_sect;
		memcpy(raw + i * sizeof(s), &s, sizeof(s));
	}
}

static void encode_x64(struct pvblk_x64_req *w, const struct pvblk_req *req)
{
	w->operation = req->operation;
	switch (req->operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		w->u.rw.nr_segments = (u8)req->nr_segments;
		w->u.rw.handle = req->handle;
		w->u.rw.id = req->id;
		w->u.rw.sector_number = req->sector;
		encode_segs((u8 *)&w->u.rw + offsetof(struct pvblk_x64_rw, seg),
			    req->seg,
			    min_t(unsigned int, req->nr_segments,
				  PVBLK_MAX_SEGS_DIRECT));
		break;
	case PVBLK_OP_DISCARD:
		w->u.discard.flag = req->discard_flag;
		w->u.discard.id = req->id;
		w->u.discard.sector_number = req->sector;
		w->u.discard.nr_sectors = req->nr_sectors;
		break;
	case PVBLK_OP_INDIRECT:
		w->u.indirect.indirect_op = req->indirect_op;
		w->u.indirect.nr_segments = req->nr_segments;
		w->u.indirect.id = req->id;
		w->u.indirect.sector_number = req->sector;
		w->u.indirect.handle = req->handle;
		memcpy(w->u.indirect.indirect_grefs, req->indirect_grefs,
		       sizeof(req->indirect_grefs));
		break;
	default:
		w->u.other.id = req->id;
		break;
	}
}

static void encode_x32(struct pvblk_x32_req *w, const struct pvblk_req *req)
{
	w->operation = req->operation;
	switch (req->operation) {
	case PVBLK_OP_READ:
	case PVBLK_OP_WRITE:
	case PVBLK_OP_WRITE_BARRIER:
	case PVBLK_OP_FLUSH_DISKCACHE:
		w->u.rw.nr_segments = (u8)req->nr_segments;
		w->u.rw.handle = req->handle;
		w->u.rw.id = req->id;
		w->u.rw.sector_number = req->sector;
		encode_segs((u8 *)&w->u.rw + offsetof(struct pvblk_x32_rw, seg),
			    req->seg,
			    min_t(unsigned int, req->nr_segments,
				  PVBLK_MAX_SEGS_DIRECT));
		break;
	case PVBLK_OP_DISCARD:
		w->u.discard.flag = req->discard_flag;
		w->u.discard.id = req->id;
		w->u.discard.sector_number = req->sector;
		w->u.discard.nr_sectors = req->nr_sectors;
		break;
	case PVBLK_OP_INDIRECT:
		w->u.indirect.indirect_op = req->indirect_op;
		w->u.indirect.nr_segments = req->nr_segments;
		w->u.indirect.id = req->id;
		w->u.indirect.sector_number = req->sector;
		w->u.indirect.handle = req->handle;
		memcpy(w->u.indirect.indirect_grefs, req->indirect_grefs,
		       sizeof(req->indirect_grefs));
		break;
	default:
		w->u.other.id = req->id;
		break;
	}
}

void pvblk_encode_req(void *slot, const struct pvblk_req *req,
		      enum pvblk_abi abi)
{
	union pvblk_wire_req priv;

	memset(&priv, 0, sizeof(priv));
	if (abi == PVBLK_ABI_X86_32)
		encode_x32(&priv.x32, req);
	else
		encode_x64(&priv.x64, req);
	memcpy(slot, &priv, pvblk_req_wire_size(abi));
}

void pvblk_fetch_rsp(const void *slot, enum pvblk_abi abi, u64 *id, u8 *op,
		     s16 *status)
{
	struct pvblk_x64_rsp r64;
	struct pvblk_x32_rsp r32;

	if (abi == PVBLK_ABI_X86_32) {
		memcpy(&r32, slot, sizeof(r32));
		barrier();
		*id = r32.id;
		*op = r32.operation;
		*status = r32.status;
	} else {
		memcpy(&r64, slot, sizeof(r64));
		barrier();
		*id = r64.id;
		*op = r64.operation;
		*status = r64.status;
	}
}
