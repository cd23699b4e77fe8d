// SPDX-License-Identifier: GPL-2.0-only
// pvblk-logwrites: replaying logs written by LogWriter - up to entry N,
// discards, check points at FLUSH/FUA/MARK entries, refusal of entries
// beyond the target.
#include <gtest/gtest.h>

#include <algorithm>

#include "log_reader.h"
#include "log_writer.h"
#include "replay.h"
#include "test_util.h"

using namespace pvblk::logwrites;
using namespace pvblk::logwrites::test;

namespace {

constexpr std::uint32_t kSs = 512;
constexpr std::uint64_t kBlocks = 16;

// One operation of a scripted log and what it does to a model disk.
struct Op {
	enum Kind { kWrite, kFlushOp, kDiscardOp, kMarkOp } kind;
	std::uint64_t sector = 0, blocks = 0;
	unsigned seed = 0;
	std::uint64_t flags = 0;
	std::string mark;
};

const std::vector<Op> kScript = {
	{ Op::kWrite, 0, 4, 10 },		 // 0
	{ Op::kWrite, 2, 1, 11 },		 // 1: overwrites block 2
	{ Op::kFlushOp },			 // 2
	{ Op::kDiscardOp, 1, 2 },		 // 3: zeroes blocks 1-2
	{ Op::kWrite, 8, 2, 12, kFua },		 // 4
	{ Op::kMarkOp, 0, 0, 0, 0, "half" },	 // 5
	{ Op::kWrite, 3, 1, 13 },		 // 6
	{ Op::kWrite, 9, 3, 14, kFlush | kFua }, // 7
	{ Op::kDiscardOp, 0, 1 },		 // 8
	{ Op::kFlushOp },			 // 9
};

std::vector<std::byte> model_after(std::uint64_t last)
{
	std::vector<std::byte> disk(kBlocks * kSs);

	for (std::uint64_t i = 0; i <= last && i < kScript.size(); i++) {
		const Op &op = kScript[i];
		auto at = disk.begin() + static_cast<long>(op.sector * kSs);
		if (op.kind == Op::kWrite) {
			auto d = pattern(op.seed, op.blocks);
			std::copy(d.begin(), d.end(), at);
		} else if (op.kind == Op::kDiscardOp) {
			std::fill(at, at + static_cast<long>(op.blocks * kSs), std::byte{ 0 });
		}
	}
	return disk;
}

Fd scripted_log()
{
	Fd fd = scratch();
	LogWriter w(fd, kSs);

	for (const Op &op : kScript) {
		switch (op.kind) {
		case Op::kWrite:
			w.write(op.sector, pattern(op.seed, op.blocks), op.flags);
			break;
		case Op::kFlushOp:
			w.flush();
			break;
		case Op::kDiscardOp:
			w.discard(op.sector, op.blocks);
			break;
		case Op::kMarkOp:
			w.mark(op.mark);
			break;
		}
	}
	w.finish();
	return fd;
}

// A target that starts with 0xee everywhere, so a discard is visible.
Fd fresh_target(std::uint64_t blocks = kBlocks)
{
	Fd t = scratch(blocks * kSs);
	std::vector<std::byte> ones(blocks * kSs, std::byte{ 0xee });
	t.pwrite_all(ones, 0);
	return t;
}

std::vector<std::byte> model_on_fresh(std::uint64_t last)
{
	auto m = model_after(last);
	// blocks never written or discarded keep the target's 0xee
	std::vector<bool> touched(kBlocks);
	for (std::uint64_t i = 0; i <= last && i < kScript.size(); i++) {
		const Op &op = kScript[i];
		if (op.kind == Op::kWrite || op.kind == Op::kDiscardOp)
			for (std::uint64_t b = op.sector; b < op.sector + op.blocks; b++)
				touched[b] = true;
	}
	for (std::uint64_t b = 0; b < kBlocks; b++)
		if (!touched[b])
			std::fill_n(m.begin() + static_cast<long>(b * kSs), kSs, std::byte{ 0xee });
	return m;
}

} // namespace

TEST(Replay, UpToEveryEntry)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	ASSERT_EQ(log.entries.size(), kScript.size() + 1); // + end mark

	for (std::uint64_t n = 0; n < kScript.size(); n++) {
		Fd t = fresh_target();
		ReplayOptions opt;
		opt.last = n;
		ReplayResult r = replay(logfd, log, t, opt, {});
		EXPECT_EQ(r.applied, n + 1);
		EXPECT_EQ(r.points, 0u);
		EXPECT_EQ(read_all(t), model_on_fresh(n)) << "up to entry " << n;
	}
}

TEST(Replay, WholeLogByDefault)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	Fd t = fresh_target();
	ReplayResult r = replay(logfd, log, t, {}, {});
	EXPECT_EQ(r.applied, log.entries.size());
	EXPECT_EQ(read_all(t), model_on_fresh(kScript.size() - 1));
}

TEST(Replay, PointsAtFlushAndFua)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	Fd t = fresh_target();
	std::vector<std::uint64_t> seen;
	ReplayOptions opt;
	opt.point_flags = kFlush | kFua;

	ReplayResult r = replay(logfd, log, t, opt, [&](const Entry &e, std::uint64_t point) {
		seen.push_back(e.index);
		EXPECT_EQ(point, seen.size());
		// the target holds exactly the prefix
		EXPECT_EQ(read_all(t), model_on_fresh(e.index));
		return true;
	});
	EXPECT_EQ(seen, (std::vector<std::uint64_t>{ 2, 4, 7, 9 }));
	EXPECT_EQ(r.points, 4u);
	EXPECT_EQ(r.failed, 0u);
}

TEST(Replay, PointsOnlyAfterAMark)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	Fd t = fresh_target();
	std::vector<std::uint64_t> seen;
	ReplayOptions opt;
	opt.point_flags = kFlush | kFua | kMark;
	opt.points_after = find_mark(log, "half");

	replay(logfd, log, t, opt, [&](const Entry &e, std::uint64_t) {
		seen.push_back(e.index);
		return true;
	});
	// 5 is the mark itself (excluded), 10 the end mark
	EXPECT_EQ(seen, (std::vector<std::uint64_t>{ 7, 9, 10 }));
}

TEST(Replay, StopsAtFirstFailureUnlessKeepGoing)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	auto fail_at_4_and_9 = [](const Entry &e, std::uint64_t) {
		return e.index != 4 && e.index != 9;
	};
	ReplayOptions opt;
	opt.point_flags = kFlush | kFua;

	Fd t1 = fresh_target();
	ReplayResult r = replay(logfd, log, t1, opt, fail_at_4_and_9);
	EXPECT_EQ(r.failed, 1u);
	EXPECT_EQ(r.first_failed, 4u);
	EXPECT_EQ(r.applied, 5u);
	EXPECT_EQ(read_all(t1), model_on_fresh(4));

	opt.keep_going = true;
	Fd t2 = fresh_target();
	r = replay(logfd, log, t2, opt, fail_at_4_and_9);
	EXPECT_EQ(r.failed, 2u);
	EXPECT_EQ(r.first_failed, 4u);
	EXPECT_EQ(r.points, 4u);
	EXPECT_EQ(r.applied, log.entries.size());
}

TEST(Replay, RefusesEntriesPastTheTarget)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	Fd t = fresh_target(11); // entry 7 writes blocks 9..11
	auto before = read_all(t);

	try {
		replay(logfd, log, t, {}, {});
		FAIL() << "replay onto a short target succeeded";
	} catch (const LogError &e) {
		EXPECT_EQ(e.offset(), log.entries[7].offset);
		EXPECT_NE(std::string(e.what()).find("entry 7"), std::string::npos);
	}
	EXPECT_EQ(read_all(t), before); // nothing written

	// up to entry 6 fits
	ReplayOptions opt;
	opt.last = 6;
	EXPECT_EQ(replay(logfd, log, t, opt, {}).applied, 7u);
}

TEST(Replay, StopFlagEndsBetweenEntries)
{
	Fd logfd = scripted_log();
	Log log = read_log(logfd);
	Fd t = fresh_target();
	std::atomic<bool> stop{ false };
	ReplayOptions opt;
	opt.point_flags = kFlush;

	ReplayResult r = replay(
		logfd, log, t, opt,
		[&](const Entry &, std::uint64_t) {
			stop = true;
			return true;
		},
		&stop);
	EXPECT_TRUE(r.interrupted);
	EXPECT_EQ(r.applied, 3u); // through the first flush
}

TEST(Replay, SkipUnchangedReusesTheVerdict)
{
	Fd logfd = scratch();
	LogWriter w(logfd, kSs);
	w.write(0, pattern(1, 1));
	w.flush(); // 1: checked
	w.flush(); // 2: nothing new: reused
	w.discard(0, 1);
	w.write(1, pattern(2, 1), kFua); // 4: checked
	w.mark("m");			 // 5: nothing new: reused
	w.finish();
	Log log = read_log(logfd);
	Fd t = fresh_target();
	std::vector<std::uint64_t> seen;
	ReplayOptions opt;
	opt.point_flags = kFlush | kFua | kMark;
	opt.skip_unchanged = true;
	opt.keep_going = true;

	ReplayResult r = replay(logfd, log, t, opt, [&](const Entry &e, std::uint64_t) {
		seen.push_back(e.index);
		return e.index != 4;
	});
	EXPECT_EQ(seen, (std::vector<std::uint64_t>{ 1, 4 }));
	EXPECT_EQ(r.points, 5u); // 1 2 4 5 6
	EXPECT_EQ(r.unchanged, 3u);
	EXPECT_EQ(r.failed, 3u); // 4 and the two marks after it
	EXPECT_EQ(r.first_failed, 4u);
}
