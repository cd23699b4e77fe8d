// SPDX-License-Identifier: GPL-2.0-only
// Writing a dm-log-writes log (log_format.h) the way the kernel target
// does, for the unit tests: entries are appended in order, and the super
// block's nr_entries is rewritten on every FUA and MARK entry and by
// finish() - never on plain writes, flushes or discards, so a log read
// before finish() shows only what the last FUA or MARK counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fd.h"

namespace pvblk::logwrites {

class LogWriter {
public:
	// Start a log in @fd (truncating nothing: the caller gives an empty
	// or scratch file) with blocks of @sectorsize bytes.
	LogWriter(const Fd &fd, std::uint32_t sectorsize);

	// A write of @data (a whole number of blocks) at block @sector, with
	// extra @flags (kFlush, kFua, kMetadata). Returns the entry's index.
	std::uint64_t write(std::uint64_t sector, std::span<const std::byte> data,
			    std::uint64_t flags = 0);
	std::uint64_t flush();
	std::uint64_t discard(std::uint64_t sector, std::uint64_t nr_sectors);
	std::uint64_t mark(const std::string &name);
	// An entry with raw header fields and no data, for malformed logs.
	std::uint64_t raw(std::uint64_t sector, std::uint64_t nr_sectors, std::uint64_t flags,
			  std::uint64_t data_len);
	// The end mark the kernel writes on removal, then the super block.
	void finish();
	// Write the super block with any entry count.
	void write_super(std::uint64_t nr_entries);

	std::uint64_t entries() const { return entries_; }
	std::uint64_t bytes() const { return next_; }

private:
	std::uint64_t append(std::uint64_t sector, std::uint64_t nr_sectors, std::uint64_t flags,
			     std::span<const std::byte> inline_data,
			     std::span<const std::byte> data);

	const Fd &fd_;
	std::uint32_t ss_;
	std::uint64_t next_; // byte offset of the next header
	std::uint64_t entries_ = 0;
};

} // namespace pvblk::logwrites
