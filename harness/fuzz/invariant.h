// SPDX-License-Identifier: GPL-2.0-only
// CHECK(cond) for the fuzz targets: an invariant the code under test must
// keep whatever the input; a violation prints where and aborts, which
// libFuzzer reports as a crash with its reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                                 \
			abort();                                                           \
		}                                                                          \
	} while (0)
