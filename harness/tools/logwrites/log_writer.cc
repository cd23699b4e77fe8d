// SPDX-License-Identifier: GPL-2.0-only
#include "log_writer.h"

#include <stdexcept>
#include <vector>

#include "le.h"
#include "log_format.h"

namespace pvblk::logwrites {

LogWriter::LogWriter(const Fd &fd, std::uint32_t sectorsize)
	: fd_(fd), ss_(sectorsize), next_(sectorsize)
{
	if (ss_ < kMinSectorSize || ss_ > kMaxSectorSize || (ss_ & (ss_ - 1)))
		throw std::invalid_argument("bad sectorsize");
	write_super(0);
}

void LogWriter::write_super(std::uint64_t nr_entries)
{
	std::vector<std::byte> blk(ss_);

	put_le64(&blk[kSuperMagicOff], kMagic);
	put_le64(&blk[kSuperVersionOff], kVersion);
	put_le64(&blk[kSuperEntriesOff], nr_entries);
	put_le32(&blk[kSuperSectorSizeOff], ss_);
	fd_.pwrite_all(blk, 0);
}

std::uint64_t LogWriter::append(std::uint64_t sector, std::uint64_t nr_sectors, std::uint64_t flags,
				std::span<const std::byte> inline_data,
				std::span<const std::byte> data)
{
	std::vector<std::byte> hdr(ss_);
	std::uint64_t index = entries_;

	if (inline_data.size() > ss_ - kEntSize)
		throw std::invalid_argument("inline data too long");
	put_le64(&hdr[kEntSectorOff], sector);
	put_le64(&hdr[kEntNrSectorsOff], nr_sectors);
	put_le64(&hdr[kEntFlagsOff], flags);
	put_le64(&hdr[kEntDataLenOff], inline_data.size());
	std::copy(inline_data.begin(), inline_data.end(), hdr.begin() + kEntSize);
	fd_.pwrite_all(hdr, next_);
	next_ += ss_;
	if (!data.empty()) {
		fd_.pwrite_all(data, next_);
		next_ += data.size();
	}
	entries_++;
	if (flags & (kFua | kMark))
		write_super(entries_);
	return index;
}

std::uint64_t LogWriter::write(std::uint64_t sector, std::span<const std::byte> data,
			       std::uint64_t flags)
{
	if (data.size() % ss_)
		throw std::invalid_argument("write of a partial block");
	if (flags & ~(kFlush | kFua | kMetadata))
		throw std::invalid_argument("bad flags for a write");
	return append(sector, data.size() / ss_, flags, {}, data);
}

std::uint64_t LogWriter::flush()
{
	return append(0, 0, kFlush, {}, {});
}

std::uint64_t LogWriter::discard(std::uint64_t sector, std::uint64_t nr_sectors)
{
	return append(sector, nr_sectors, kDiscard, {}, {});
}

std::uint64_t LogWriter::mark(const std::string &name)
{
	return append(0, 0, kMark, std::as_bytes(std::span(name)), {});
}

std::uint64_t LogWriter::raw(std::uint64_t sector, std::uint64_t nr_sectors, std::uint64_t flags,
			     std::uint64_t data_len)
{
	std::uint64_t index = append(sector, nr_sectors, flags & ~kMark, {}, {});

	// patch the fields append() would have refused or derived
	std::vector<std::byte> f(16);
	put_le64(&f[0], flags);
	put_le64(&f[8], data_len);
	fd_.pwrite_all(f, next_ - ss_ + kEntFlagsOff);
	return index;
}

void LogWriter::finish()
{
	mark("dm-log-writes-end");
	write_super(entries_);
}

} // namespace pvblk::logwrites
