// SPDX-License-Identifier: GPL-2.0-only
// Parsing a dm-log-writes log (log_format.h): every entry's header is read
// and checked up front, so a malformed log is refused before anything is
// replayed, with the byte offset of the first problem.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fd.h"
#include "log_format.h"

namespace pvblk::logwrites {

// A malformed log: what is wrong and at which byte of the log.
class LogError : public std::runtime_error {
public:
	LogError(std::uint64_t offset, const std::string &what);
	std::uint64_t offset() const { return offset_; }

private:
	std::uint64_t offset_;
};

struct Entry {
	std::uint64_t index;  // 0-based position in the log
	std::uint64_t offset; // byte offset of its header in the log
	std::uint64_t sector; // in sectorsize units
	std::uint64_t nr_sectors;
	std::uint64_t flags;
	std::uint64_t data_len;
	std::string mark; // a MARK's name

	bool is(std::uint64_t f) const { return (flags & f) != 0; }
	// Bytes of data that follow the header (none for a DISCARD).
	std::uint64_t payload(std::uint32_t sectorsize) const
	{
		return is(kDiscard) ? 0 : nr_sectors * sectorsize;
	}
};

struct Log {
	std::uint32_t sectorsize = 0;
	std::uint64_t nr_entries = 0; // as the super block says
	std::uint64_t size = 0;	      // bytes in the log device or file
	std::vector<Entry> entries;
};

// Read and check the super block and every entry header of @fd. Throws
// LogError for a malformed log, std::system_error for an I/O error.
Log read_log(const Fd &fd);

// The index of the first MARK entry named @name; std::invalid_argument
// if there is none.
std::uint64_t find_mark(const Log &log, const std::string &name);

} // namespace pvblk::logwrites
