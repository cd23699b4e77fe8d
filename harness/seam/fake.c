// SPDX-License-Identifier: GPL-2.0-only
/*
 * Storage for the userspace seam's test hooks (pvblk_seam_user.h).
 */
#include "pvblk_seam_user.h"

int pvblk_fake_alloc_fail_in;
