// SPDX-License-Identifier: GPL-2.0-only
//
// The pvblk ring trace: one record per request (Documentation/trace-format.rst).
// Binary form (versioned, little-endian) and a line-per-record text form,
// both with readers that reject malformed or truncated input naming the
// byte offset of the problem.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace pvblk::trace {

inline constexpr char kMagic[8] = { 'P', 'V', 'B', 'L', 'K', 'T', 'R', 'C' };
inline constexpr uint16_t kVersion = 1;
inline constexpr uint32_t kFileHeaderSize = 32;
inline constexpr uint32_t kRecordHeaderSize = 56;
inline constexpr uint32_t kSegmentSize = 8;
inline constexpr uint16_t kMaxSegments = 4096; // 8 indirect pages of 512

// Record flags.
inline constexpr uint16_t kFlagBoundsGuessed = 0x1; // first/last not recorded
inline constexpr uint16_t kFlagSlotsGuessed = 0x2;  // some grant slots synthesized
inline constexpr uint16_t kFlagsKnown = 0x3;

struct Segment {
	uint32_t slot = 0; // grant slot: same slot, same grant reused
	uint8_t first = 0; // first 512-byte sector in the page (0..7)
	uint8_t last = 7;  // last one (first..7)
	bool operator==(const Segment &) const = default;
};

struct Record {
	uint64_t time_ns = 0;	 // submission time since the trace's start
	uint64_t latency_ns = 0; // submission to response
	uint64_t sector = 0;
	uint64_t nr_sectors = 0; // DISCARD only; 0 otherwise
	uint64_t id = 0;	 // request id as sent
	uint16_t queue = 0;
	uint8_t op = 0;		 // PVBLK_OP_*
	uint8_t indirect_op = 0; // INDIRECT only: READ or WRITE
	int16_t status = 0;	 // PVBLK_RSP_*
	uint16_t flags = 0;
	std::vector<Segment> segs;
	bool operator==(const Record &) const = default;

	// The data operation: indirect_op for INDIRECT, op otherwise.
	uint8_t data_op() const;
	// Sectors moved: the segments' sum (nr_sectors for DISCARD).
	uint64_t sectors() const;
};

// A malformed or truncated input: what and where (byte offset).
class FormatError : public std::runtime_error {
public:
	FormatError(uint64_t offset, const std::string &what);
	uint64_t offset() const { return offset_; }

private:
	uint64_t offset_;
};

// Names of operations in the text form ("read", "write", ...).
const char *op_name(uint8_t op);
bool op_from_name(const std::string &name, uint8_t *op);

// Check one record's fields; throws FormatError at @offset.
void validate(const Record &r, uint64_t offset);

// ---- binary ----
std::string encode_binary(const std::vector<Record> &records);
std::vector<Record> decode_binary(const std::string &bytes);

// ---- text ----
std::string encode_text(const std::vector<Record> &records);
std::vector<Record> decode_text(const std::string &text);
std::string record_to_text(const Record &r);

// Files: either form, chosen by content on read (magic) and by the
// caller on write. Throw std::runtime_error (FormatError for content).
std::vector<Record> read_file(const std::string &path);
void write_file(const std::string &path, const std::vector<Record> &records, bool text);

} // namespace pvblk::trace

namespace pvblk::trace {
// Whether @path starts with the binary magic (false if unreadable).
bool is_binary_file(const std::string &path);
} // namespace pvblk::trace
