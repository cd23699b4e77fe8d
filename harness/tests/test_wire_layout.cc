// SPDX-License-Identifier: GPL-2.0-only
//
// Layout of our x86_64 wire structs against the kernel's own
// xen/interface/io/blkif.h and io/ring.h (compiled here through the kshim
// grant_table.h).  Every field is checked twice: as a static_assert (the
// build stops) and as a named gtest case (the report names the field).
// The x86_32 layout is checked by abi32/wire_layout_x86_32.c under -m32.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <xen/interface/io/blkif.h>

extern "C" {
#include "pvblk/wire.h"
}

namespace {

struct FieldCase {
	const char *name;
	size_t ours_off, kern_off, ours_size, kern_size;
};

#define MSIZE(T, f) sizeof(((T *)nullptr)->f)

// (our type, kernel type, our field, kernel field)
#define X64_FIELDS(X)                                                                         \
	X(pvblk_wire_seg, blkif_request_segment, gref, gref)                                  \
	X(pvblk_wire_seg, blkif_request_segment, first_sect, first_sect)                      \
	X(pvblk_wire_seg, blkif_request_segment, last_sect, last_sect)                        \
	X(pvblk_x64_req, blkif_request, operation, operation)                                 \
	X(pvblk_x64_req, blkif_request, u, u)                                                 \
	X(pvblk_x64_req, blkif_request, u.rw.nr_segments, u.rw.nr_segments)                   \
	X(pvblk_x64_req, blkif_request, u.rw.handle, u.rw.handle)                             \
	X(pvblk_x64_req, blkif_request, u.rw._pad1, u.rw._pad1)                               \
	X(pvblk_x64_req, blkif_request, u.rw.id, u.rw.id)                                     \
	X(pvblk_x64_req, blkif_request, u.rw.sector_number, u.rw.sector_number)               \
	X(pvblk_x64_req, blkif_request, u.rw.seg, u.rw.seg)                                   \
	X(pvblk_x64_req, blkif_request, u.rw.seg[10].gref, u.rw.seg[10].gref)                 \
	X(pvblk_x64_req, blkif_request, u.rw.seg[10].last_sect, u.rw.seg[10].last_sect)       \
	X(pvblk_x64_req, blkif_request, u.discard.flag, u.discard.flag)                       \
	X(pvblk_x64_req, blkif_request, u.discard._pad1, u.discard._pad1)                     \
	X(pvblk_x64_req, blkif_request, u.discard._pad2, u.discard._pad2)                     \
	X(pvblk_x64_req, blkif_request, u.discard.id, u.discard.id)                           \
	X(pvblk_x64_req, blkif_request, u.discard.sector_number, u.discard.sector_number)     \
	X(pvblk_x64_req, blkif_request, u.discard.nr_sectors, u.discard.nr_sectors)           \
	X(pvblk_x64_req, blkif_request, u.discard._pad3, u.discard._pad3)                     \
	X(pvblk_x64_req, blkif_request, u.other._pad1, u.other._pad1)                         \
	X(pvblk_x64_req, blkif_request, u.other._pad2, u.other._pad2)                         \
	X(pvblk_x64_req, blkif_request, u.other._pad3, u.other._pad3)                         \
	X(pvblk_x64_req, blkif_request, u.other.id, u.other.id)                               \
	X(pvblk_x64_req, blkif_request, u.indirect.indirect_op, u.indirect.indirect_op)       \
	X(pvblk_x64_req, blkif_request, u.indirect.nr_segments, u.indirect.nr_segments)       \
	X(pvblk_x64_req, blkif_request, u.indirect._pad1, u.indirect._pad1)                   \
	X(pvblk_x64_req, blkif_request, u.indirect.id, u.indirect.id)                         \
	X(pvblk_x64_req, blkif_request, u.indirect.sector_number, u.indirect.sector_number)   \
	X(pvblk_x64_req, blkif_request, u.indirect.handle, u.indirect.handle)                 \
	X(pvblk_x64_req, blkif_request, u.indirect._pad2, u.indirect._pad2)                   \
	X(pvblk_x64_req, blkif_request, u.indirect.indirect_grefs, u.indirect.indirect_grefs) \
	X(pvblk_x64_req, blkif_request, u.indirect._pad3, u.indirect._pad3)                   \
	X(pvblk_x64_rsp, blkif_response, id, id)                                              \
	X(pvblk_x64_rsp, blkif_response, operation, operation)                                \
	X(pvblk_x64_rsp, blkif_response, status, status)                                      \
	X(pvblk_sring_hdr, blkif_sring, req_prod, req_prod)                                   \
	X(pvblk_sring_hdr, blkif_sring, req_event, req_event)                                 \
	X(pvblk_sring_hdr, blkif_sring, rsp_prod, rsp_prod)                                   \
	X(pvblk_sring_hdr, blkif_sring, rsp_event, rsp_event)                                 \
	X(pvblk_sring_hdr, blkif_sring, _pad, __pad)

#define X_ASSERT(O, K, fo, fk)                                                      \
	static_assert(offsetof(O, fo) == offsetof(K, fk), "offset of " #O "." #fo); \
	static_assert(MSIZE(O, fo) == MSIZE(K, fk), "size of " #O "." #fo);
X64_FIELDS(X_ASSERT)

#define X_CASE(O, K, fo, fk) \
	{ #O "." #fo, offsetof(O, fo), offsetof(K, fk), MSIZE(O, fo), MSIZE(K, fk) },
const FieldCase kFields[] = { X64_FIELDS(X_CASE) };

// (our type, kernel type)
#define X64_SIZES(X)                                  \
	X(pvblk_wire_seg, blkif_request_segment)      \
	X(pvblk_x64_rw, blkif_request_rw)             \
	X(pvblk_x64_discard, blkif_request_discard)   \
	X(pvblk_x64_other, blkif_request_other)       \
	X(pvblk_x64_indirect, blkif_request_indirect) \
	X(pvblk_x64_req, blkif_request)               \
	X(pvblk_x64_rsp, blkif_response)

#define X_SIZE_ASSERT(O, K)                                  \
	static_assert(sizeof(O) == sizeof(K), "sizeof " #O); \
	static_assert(alignof(O) == alignof(K), "alignof " #O);
X64_SIZES(X_SIZE_ASSERT)

#define X_SIZE_CASE(O, K) { "sizeof " #O, sizeof(O), sizeof(K), alignof(O), alignof(K) },
const FieldCase kSizes[] = { X64_SIZES(X_SIZE_CASE) };

std::string CaseName(const testing::TestParamInfo<FieldCase> &info)
{
	std::string s;

	for (const char *p = info.param.name; *p; p++)
		s += (isalnum((unsigned char)*p) ? *p : '_');
	return s;
}

class X64Field : public testing::TestWithParam<FieldCase> {};

TEST_P(X64Field, MatchesKernelBlkifH)
{
	const FieldCase &c = GetParam();

	EXPECT_EQ(c.ours_off, c.kern_off) << "offset of " << c.name;
	EXPECT_EQ(c.ours_size, c.kern_size) << "size of " << c.name;
}
INSTANTIATE_TEST_SUITE_P(WireLayout, X64Field, testing::ValuesIn(kFields), CaseName);

class X64Size : public testing::TestWithParam<FieldCase> {};

TEST_P(X64Size, MatchesKernelBlkifH)
{
	const FieldCase &c = GetParam();

	// ours_size/kern_size carry the alignment here
	EXPECT_EQ(c.ours_off, c.kern_off) << c.name;
	EXPECT_EQ(c.ours_size, c.kern_size) << "alignment of " << c.name;
}
INSTANTIATE_TEST_SUITE_P(WireLayout, X64Size, testing::ValuesIn(kSizes), CaseName);

TEST(WireLayout, RingEntryAndHeaderMatchKernelRingH)
{
	static_assert(offsetof(struct blkif_sring, ring) == PVBLK_RING_HDR_SIZE);
	static_assert(sizeof(union blkif_sring_entry) == PVBLK_X64_ENTRY_SIZE);
	EXPECT_EQ(offsetof(struct blkif_sring, ring), PVBLK_RING_HDR_SIZE);
	EXPECT_EQ(sizeof(union blkif_sring_entry), pvblk_ring_entry_size(PVBLK_ABI_X86_64));
	EXPECT_EQ(sizeof(struct pvblk_x64_req), pvblk_req_wire_size(PVBLK_ABI_X86_64));
}

TEST(WireLayout, RingSlotsPerOrderMatchKernelRingH)
{
	const unsigned int kernel[] = {
		__CONST_RING_SIZE(blkif, 4096 << 0), __CONST_RING_SIZE(blkif, 4096 << 1),
		__CONST_RING_SIZE(blkif, 4096 << 2), __CONST_RING_SIZE(blkif, 4096 << 3),
		__CONST_RING_SIZE(blkif, 4096 << 4),
	};

	for (unsigned int order = 0; order <= PVBLK_MAX_RING_ORDER; order++) {
		EXPECT_EQ(pvblk_ring_slots(PVBLK_ABI_X86_64, order), kernel[order])
			<< "order " << order;
		// x86_32 entries are 108 bytes; the kernel's -m32 build pins 32 << order
		// (abi32/wire_layout_x86_32.c), both ABIs agree.
		EXPECT_EQ(pvblk_ring_slots(PVBLK_ABI_X86_32, order), 32u << order)
			<< "order " << order;
	}
	EXPECT_EQ(pvblk_ring_slots(PVBLK_ABI_X86_64, PVBLK_MAX_RING_ORDER + 1), 0u);
	EXPECT_EQ(pvblk_ring_slots(PVBLK_ABI_X86_32, 31), 0u);
}

TEST(WireLayout, ConstantsMatchKernelBlkifH)
{
	EXPECT_EQ(PVBLK_OP_READ, BLKIF_OP_READ);
	EXPECT_EQ(PVBLK_OP_WRITE, BLKIF_OP_WRITE);
	EXPECT_EQ(PVBLK_OP_WRITE_BARRIER, BLKIF_OP_WRITE_BARRIER);
	EXPECT_EQ(PVBLK_OP_FLUSH_DISKCACHE, BLKIF_OP_FLUSH_DISKCACHE);
	EXPECT_EQ(PVBLK_OP_DISCARD, BLKIF_OP_DISCARD);
	EXPECT_EQ(PVBLK_OP_INDIRECT, BLKIF_OP_INDIRECT);
	EXPECT_EQ(PVBLK_RSP_OKAY, BLKIF_RSP_OKAY);
	EXPECT_EQ(PVBLK_RSP_ERROR, BLKIF_RSP_ERROR);
	EXPECT_EQ(PVBLK_RSP_EOPNOTSUPP, BLKIF_RSP_EOPNOTSUPP);
	EXPECT_EQ(PVBLK_DISCARD_SECURE, BLKIF_DISCARD_SECURE);
	EXPECT_EQ(PVBLK_VDISK_CDROM, VDISK_CDROM);
	EXPECT_EQ(PVBLK_VDISK_REMOVABLE, VDISK_REMOVABLE);
	EXPECT_EQ(PVBLK_VDISK_READONLY, VDISK_READONLY);
	EXPECT_EQ(PVBLK_MAX_SEGS_DIRECT, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	EXPECT_EQ(PVBLK_MAX_INDIRECT_PAGES, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
	EXPECT_EQ(PVBLK_SEGS_PER_INDIRECT_PAGE * sizeof(struct blkif_request_segment), 4096u);
}

} // namespace
