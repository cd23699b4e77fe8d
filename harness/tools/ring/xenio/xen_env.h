// SPDX-License-Identifier: GPL-2.0-only
//
// The environment: are we in a Xen dom0, block device numbers, the
// gntalloc grant limit, the backend's sysfs files.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace pvblk::ring {

// Throws EnvError with one clear line unless this is a Xen dom0 with the
// evtchn, gntalloc and xenstore interfaces present.
void require_dom0();

struct BlockDev {
	unsigned int major = 0, minor = 0;
	uint64_t bytes = 0;
	bool read_only = false;
};
// Throws EnvError when @path is not a block device.
BlockDev block_device(const std::string &path);

// Make sure xen-gntalloc lets us share @pages more pages (raising its
// "limit" parameter when it is lower); best effort.
void ensure_gntalloc_limit(unsigned int pages);

// The numeric files of a sysfs directory (name -> value); empty if absent.
std::map<std::string, int64_t> read_sysfs_numbers(const std::string &dir);

// The backend's xenbus device directory for (frontend domain 0, @devid).
std::string backend_sysfs_dir(unsigned int devid);

// Write @value to @path (tracefs, sysfs); throws EnvError on failure.
void write_file_or_throw(const std::string &path, const std::string &value);
// Read a whole small file; "" when absent.
std::string read_small_file(const std::string &path);

} // namespace pvblk::ring
