// SPDX-License-Identifier: GPL-2.0-only
#include "replay.h"

#include <algorithm>
#include <vector>

namespace pvblk::logwrites {

namespace {

constexpr std::uint64_t kChunk = 1 << 20;

void check_fits(const Log &log, std::uint64_t end, std::uint64_t target_size)
{
	const std::uint64_t ss = log.sectorsize;
	const std::uint64_t blocks = target_size / ss;

	for (std::uint64_t i = 0; i < end; i++) {
		const Entry &e = log.entries[i];

		if (e.is(kMark) || !e.nr_sectors)
			continue;
		if (e.sector > blocks || e.nr_sectors > blocks - e.sector)
			throw LogError(e.offset,
				       "entry " + std::to_string(e.index) + " writes blocks " +
					       std::to_string(e.sector) + ".." +
					       std::to_string(e.sector + e.nr_sectors - 1) +
					       " past the end of the target (" +
					       std::to_string(blocks) + " blocks of " +
					       std::to_string(ss) + " bytes)");
	}
}

void apply(const Fd &log_fd, const Log &log, const Entry &e, const Fd &target,
	   std::vector<std::byte> &buf)
{
	const std::uint64_t ss = log.sectorsize;
	std::uint64_t len = e.nr_sectors * ss;
	std::uint64_t src = e.offset + ss, dst = e.sector * ss;

	if (e.is(kMark) || !len)
		return;
	if (e.is(kDiscard))
		std::fill(buf.begin(), buf.end(), std::byte{ 0 });
	while (len) {
		std::uint64_t n = std::min(len, kChunk);
		std::span<std::byte> part(buf.data(), n);

		if (!e.is(kDiscard))
			log_fd.pread_all(part, src);
		target.pwrite_all(part, dst);
		src += n;
		dst += n;
		len -= n;
	}
}

} // namespace

ReplayResult replay(const Fd &log_fd, const Log &log, const Fd &target, const ReplayOptions &opt,
		    const CheckFn &check, const std::atomic<bool> *stop)
{
	const std::uint64_t end = opt.last >= log.entries.size() ? log.entries.size()
								 : opt.last + 1;
	std::vector<std::byte> buf(kChunk);
	bool changed = true, last_ok = true;
	ReplayResult r;

	check_fits(log, end, target.size());
	for (std::uint64_t i = 0; i < end; i++) {
		const Entry &e = log.entries[i];
		bool after = opt.points_after == std::numeric_limits<std::uint64_t>::max() ||
			     e.index > opt.points_after;

		if (stop && stop->load()) {
			r.interrupted = true;
			break;
		}
		apply(log_fd, log, e, target, buf);
		r.applied++;
		if (!e.is(kMark) && e.nr_sectors)
			changed = true;
		if (!(e.flags & opt.point_flags) || !after || !check)
			continue;
		r.points++;
		if (opt.skip_unchanged && !changed) {
			r.unchanged++;
		} else {
			target.sync();
			last_ok = check(e, r.points);
			changed = false;
		}
		if (last_ok)
			continue;
		if (!r.failed++)
			r.first_failed = e.index;
		if (!opt.keep_going)
			break;
	}
	target.sync();
	return r;
}

} // namespace pvblk::logwrites
