// SPDX-License-Identifier: GPL-2.0-only
#include "log_reader.h"

#include <array>
#include <utility>
#include <vector>

#include <fcntl.h>

#include "le.h"

namespace pvblk::logwrites {

LogError::LogError(std::uint64_t offset, const std::string &what)
	: std::runtime_error("byte " + std::to_string(offset) + ": " + what), offset_(offset)
{
}

std::string flag_names(std::uint64_t flags)
{
	static constexpr std::array<std::pair<std::uint64_t, const char *>, 5> names{
		{ { kFlush, "FLUSH" },
		  { kFua, "FUA" },
		  { kDiscard, "DISCARD" },
		  { kMark, "MARK" },
		  { kMetadata, "META" } }
	};
	std::string s;

	for (auto [bit, name] : names) {
		if (!(flags & bit))
			continue;
		if (!s.empty())
			s += '|';
		s += name;
	}
	return s.empty() ? "DATA" : s;
}

namespace {

Log read_super(const Fd &fd)
{
	std::array<std::byte, kSuperSize> sb{};
	Log log;

	// Read the device, not what an earlier reader left in the page cache:
	// dm-log-writes writes the log with bios that bypass it.
	(void)posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
	log.size = fd.size();
	if (log.size < kMinSectorSize)
		throw LogError(0, "too short for a log super block (" + std::to_string(log.size) +
					  " bytes)");
	fd.pread_all(sb, 0);
	if (get_le64(&sb[kSuperMagicOff]) != kMagic)
		throw LogError(kSuperMagicOff, "bad magic: not a dm-log-writes log");
	if (std::uint64_t v = get_le64(&sb[kSuperVersionOff]); v != kVersion)
		throw LogError(kSuperVersionOff, "unsupported log version " + std::to_string(v));
	log.nr_entries = get_le64(&sb[kSuperEntriesOff]);
	log.sectorsize = get_le32(&sb[kSuperSectorSizeOff]);
	if (log.sectorsize < kMinSectorSize || log.sectorsize > kMaxSectorSize ||
	    (log.sectorsize & (log.sectorsize - 1)))
		throw LogError(kSuperSectorSizeOff,
			       "bad sectorsize " + std::to_string(log.sectorsize));
	if (log.size < log.sectorsize)
		throw LogError(0, "shorter than one log block of " +
					  std::to_string(log.sectorsize) + " bytes");
	return log;
}

// Check and decode the header block @blk of entry @index at byte @pos.
Entry decode(const Log &log, const std::vector<std::byte> &blk, std::uint64_t index,
	     std::uint64_t pos)
{
	const std::uint64_t ss = log.sectorsize;
	const std::string who = "entry " + std::to_string(index) + ": ";
	Entry e{};

	e.index = index;
	e.offset = pos;
	e.sector = get_le64(&blk[kEntSectorOff]);
	e.nr_sectors = get_le64(&blk[kEntNrSectorsOff]);
	e.flags = get_le64(&blk[kEntFlagsOff]);
	e.data_len = get_le64(&blk[kEntDataLenOff]);

	if (e.flags & ~kKnownFlags)
		throw LogError(pos + kEntFlagsOff,
			       who + "unknown flags " + std::to_string(e.flags));
	if (e.is(kMark)) {
		if (e.nr_sectors)
			throw LogError(pos + kEntNrSectorsOff, who + "a MARK with data sectors");
		if (e.data_len > ss - kEntSize)
			throw LogError(pos + kEntDataLenOff,
				       who + "MARK name of " + std::to_string(e.data_len) +
					       " bytes does not fit its block");
		e.mark.assign(reinterpret_cast<const char *>(&blk[kEntSize]), e.data_len);
		if (auto nul = e.mark.find('\0'); nul != std::string::npos)
			e.mark.resize(nul);
	} else if (e.data_len) {
		throw LogError(pos + kEntDataLenOff, who + "data_len " +
							     std::to_string(e.data_len) +
							     " on an entry that is not a MARK");
	}
	if (e.sector > UINT64_MAX / ss || e.nr_sectors > UINT64_MAX / ss - e.sector)
		throw LogError(pos + kEntSectorOff, who + "sector range overflows");
	if (e.payload(log.sectorsize) > log.size - pos - ss)
		throw LogError(pos + kEntNrSectorsOff,
			       who + std::to_string(e.nr_sectors) +
				       " sectors of data run past the end of the log (" +
				       std::to_string(log.size) + " bytes)");
	return e;
}

} // namespace

Log read_log(const Fd &fd)
{
	Log log = read_super(fd);
	const std::uint64_t ss = log.sectorsize;
	std::vector<std::byte> blk(ss);
	std::uint64_t pos = ss;

	// every entry takes at least one block: bound the count by the size
	if (log.nr_entries > log.size / ss)
		throw LogError(kSuperEntriesOff, std::to_string(log.nr_entries) +
							 " entries cannot fit in a log of " +
							 std::to_string(log.size) + " bytes");
	log.entries.reserve(log.nr_entries);
	for (std::uint64_t i = 0; i < log.nr_entries; i++) {
		if (pos > log.size - ss)
			throw LogError(pos, "entry " + std::to_string(i) + " of " +
						    std::to_string(log.nr_entries) +
						    ": the log ends before its header");
		fd.pread_all(blk, pos);
		Entry e = decode(log, blk, i, pos);
		pos += ss + e.payload(log.sectorsize);
		log.entries.push_back(std::move(e));
	}
	return log;
}

std::uint64_t find_mark(const Log &log, const std::string &name)
{
	for (const Entry &e : log.entries)
		if (e.is(kMark) && e.mark == name)
			return e.index;
	throw std::invalid_argument("no MARK entry named '" + name + "' in the log");
}

} // namespace pvblk::logwrites
