// SPDX-License-Identifier: GPL-2.0-only
// The on-disk format of a dm-log-writes log, as the kernel documents it
// (Documentation/admin-guide/device-mapper/log-writes.rst) and writes it:
//
//   block 0          super block: magic, version, nr_entries, sectorsize
//   then per entry   one header block: sector, nr_sectors, flags,
//                    data_len (all little-endian, 64-bit); a MARK's name
//                    (data_len bytes) follows the header in that block.
//                    Then nr_sectors blocks of the data written, except
//                    for a DISCARD, which carries none.
//
// "Block" is the log's sectorsize (the logical block size of the logged
// device); an entry's sector and nr_sectors count in that unit too. The
// super block's nr_entries is rewritten only on FUA and MARK entries.
#pragma once

#include <cstdint>
#include <string>

namespace pvblk::logwrites {

inline constexpr std::uint64_t kMagic = 0x6a736677736872ULL;
inline constexpr std::uint64_t kVersion = 1;

// Byte offsets inside the super block.
inline constexpr unsigned kSuperMagicOff = 0;
inline constexpr unsigned kSuperVersionOff = 8;
inline constexpr unsigned kSuperEntriesOff = 16;
inline constexpr unsigned kSuperSectorSizeOff = 24;
inline constexpr unsigned kSuperSize = 28;

// Byte offsets inside an entry header.
inline constexpr unsigned kEntSectorOff = 0;
inline constexpr unsigned kEntNrSectorsOff = 8;
inline constexpr unsigned kEntFlagsOff = 16;
inline constexpr unsigned kEntDataLenOff = 24;
inline constexpr unsigned kEntSize = 32;

enum Flag : std::uint64_t {
	kFlush = 1,
	kFua = 2,
	kDiscard = 4,
	kMark = 8,
	kMetadata = 16, // REQ_META: informational only
};
inline constexpr std::uint64_t kKnownFlags = kFlush | kFua | kDiscard | kMark | kMetadata;

inline constexpr std::uint32_t kMinSectorSize = 512;
inline constexpr std::uint32_t kMaxSectorSize = 65536;

// "FLUSH|FUA", "DATA" for a plain write, ...
std::string flag_names(std::uint64_t flags);

} // namespace pvblk::logwrites
