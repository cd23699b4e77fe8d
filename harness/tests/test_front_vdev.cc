// SPDX-License-Identifier: GPL-2.0-only
//
// core/front_vdev.c: xvd names and minors from virtual-device numbers,
// numbered like the stock Linux frontend.

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

extern "C" {
#include "pvblk/front_vdev.h"
}

namespace {

struct Want {
	uint32_t vdev;
	const char *name;
	uint32_t minor, nr;
};

TEST(FrontVdev, Names)
{
	const Want w[] = {
		{ 202 << 8 | 0, "xvda", 0, 16 },
		{ 202 << 8 | 1, "xvda1", 1, 1 },
		{ 202 << 8 | 16, "xvdb", 16, 16 },
		{ 202 << 8 | 255, "xvdp15", 255, 1 },
		{ 3 << 8 | 0, "xvda", 0, 16 },	 // hda
		{ 3 << 8 | 64, "xvdb", 16, 16 }, // hdb
		{ 3 << 8 | 65, "xvdb1", 17, 1 },
		{ 22 << 8 | 0, "xvdc", 32, 16 },     // hdc
		{ 8 << 8 | 16, "xvdb", 16, 16 },     // sdb
		{ 65 << 8 | 0, "xvdq", 256, 16 },    // sdq
		{ 128 << 8 | 0, "xvddy", 2048, 16 }, // sddy
		{ (1u << 28) | 0, "xvda", 0, 256 },
		{ (1u << 28) | (26 * 256), "xvdaa", 26 * 256, 256 },
		{ (1u << 28) | (27 * 256 + 5), "xvdab5", 27 * 256 + 5, 1 },
	};
	for (const Want &x : w) {
		pvblk_vdev v;
		ASSERT_EQ(pvblk_front_vdev(x.vdev, &v), 0) << std::hex << x.vdev;
		EXPECT_STREQ(v.name, x.name) << std::hex << x.vdev;
		EXPECT_EQ(v.first_minor, x.minor) << x.name;
		EXPECT_EQ(v.nr_minors, x.nr) << x.name;
	}
}

TEST(FrontVdev, Rejects)
{
	pvblk_vdev v;

	EXPECT_EQ(pvblk_front_vdev(1 << 8, &v), -EINVAL);      // unknown major
	EXPECT_EQ(pvblk_front_vdev(3 << 8 | 20, &v), -EINVAL); // hda20
	EXPECT_EQ(pvblk_front_vdev(1u << 29, &v), -EINVAL);
	EXPECT_EQ(pvblk_front_vdev((1u << 28) | (1u << 20), &v), -EINVAL);
	EXPECT_EQ(pvblk_front_vdev(0x10000, &v), -EINVAL);
}

TEST(FrontVdev, LargestExtendedNameFits)
{
	pvblk_vdev v;

	ASSERT_EQ(pvblk_front_vdev((1u << 28) | ((1u << 20) - 1), &v), 0);
	EXPECT_LT(std::string(v.name).size(), (size_t)PVBLK_VDEV_NAME_LEN);
	EXPECT_EQ(v.nr_minors, 1u);
}

} // namespace
