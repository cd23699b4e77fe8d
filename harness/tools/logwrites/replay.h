// SPDX-License-Identifier: GPL-2.0-only
// Replaying a dm-log-writes log onto a target: entries are applied in log
// order - a write copies its data to its blocks, a DISCARD zeroes its
// blocks (what a replay can state for certain: the blocks no longer hold
// older data), a FLUSH or MARK changes nothing - and after each entry
// chosen as a check point the target is synced and the check runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>

#include "fd.h"
#include "log_reader.h"

namespace pvblk::logwrites {

struct ReplayOptions {
	// The last entry to apply (inclusive); the default: all.
	std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
	// An entry with any of these flags is a check point (kFlush, kFua,
	// kMark); 0: only the end of the replay is.
	std::uint64_t point_flags = 0;
	// Entries up to this index (inclusive) are never check points; the
	// default: none excluded.
	std::uint64_t points_after = std::numeric_limits<std::uint64_t>::max();
	// Go on after a failed check (and report every failure).
	bool keep_going = false;
	// A point with no write or discard applied since the previous point
	// leaves the target as that point saw it: reuse its verdict instead
	// of running the check again.
	bool skip_unchanged = false;
};

struct ReplayResult {
	std::uint64_t applied = 0;	// entries applied
	std::uint64_t points = 0;	// check points reached
	std::uint64_t unchanged = 0;	// ... of which skip_unchanged reused
	std::uint64_t failed = 0;	// checks that failed
	std::uint64_t first_failed = 0; // entry index of the first failure
	bool interrupted = false;
};

// Called at each check point with the entry just applied and the point's
// 1-based number; returns whether the check passed.
using CheckFn = std::function<bool(const Entry &, std::uint64_t point)>;

// Replay @log (read from @log_fd) onto @target. Entries writing past the
// target's end are refused (LogError at the entry's header) before
// anything is written. @stop, when set, ends the replay between entries.
ReplayResult replay(const Fd &log_fd, const Log &log, const Fd &target, const ReplayOptions &opt,
		    const CheckFn &check, const std::atomic<bool> *stop = nullptr);

} // namespace pvblk::logwrites
