// SPDX-License-Identifier: GPL-2.0-only
// pvblk-logwrites: list a dm-log-writes log, or replay it onto a scratch
// device and run a check at chosen points (Documentation/failure-modes.rst).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvblk/version.h"

#include "log_reader.h"
#include "replay.h"

using namespace pvblk::logwrites;

namespace {

enum Exit { kOk = 0, kCheckFailed = 1, kUsage = 2, kBadLog = 3, kInterrupted = 130 };

const char kUsageText[] =
	"usage: pvblk-logwrites list LOG [--points KINDS]\n"
	"       pvblk-logwrites replay LOG TARGET [--to N | --to-mark NAME]\n"
	"                      [--each KINDS] [--after-mark NAME] [--check CMD] [--keep-going]\n"
	"                      [--skip-unchanged]\n"
	"       pvblk-logwrites --help | --version\n";

const char kHelpText[] =
	"\n"
	"Reads a dm-log-writes log (a log device or a file; the kernel's\n"
	"Documentation/admin-guide/device-mapper/log-writes.rst). Only the\n"
	"entries the log's super block counts are read: it is rewritten on FUA\n"
	"and MARK entries only, so mark the log (dmsetup message DEV 0 mark X)\n"
	"or remove the device first.\n"
	"\n"
	"list        one line per entry: index, byte offset, flags, sector and\n"
	"            sector count (in the log's sectorsize) or a mark's name.\n"
	"  --points KINDS   only entries with one of KINDS (flush,fua,mark)\n"
	"replay      apply the entries in order onto TARGET (a scratch device or\n"
	"            file): writes copy their data, discards write zeros, flushes\n"
	"            and marks change nothing.\n"
	"  --to N           stop after entry N (0-based, inclusive)\n"
	"  --to-mark NAME   stop after the MARK entry NAME\n"
	"  --each KINDS     a check point after every entry with one of KINDS\n"
	"                   (flush,fua,mark); without it the only point is the end\n"
	"  --after-mark NAME  no check point up to and including the mark NAME\n"
	"  --check CMD      run 'sh -c CMD' at each point, TARGET synced first,\n"
	"                   with PVBLK_LOG_ENTRY (index), PVBLK_LOG_FLAGS,\n"
	"                   PVBLK_LOG_POINT (1-based) and PVBLK_LOG_TARGET set;\n"
	"                   non-zero exit fails the point\n"
	"  --keep-going     run every point even after a failure\n"
	"  --skip-unchanged a point with no write or discard since the previous\n"
	"                   point gets that point's verdict without a new check\n"
	"\n"
	"Exit status: 0 success (every check passed); 1 a check failed; 2 bad\n"
	"usage; 3 malformed log (the message gives the byte offset) or I/O\n"
	"error; 130 interrupted.\n";

std::atomic<bool> g_stop{ false };

void on_signal(int)
{
	g_stop.store(true);
}

struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

std::uint64_t parse_kinds(const std::string &s)
{
	std::uint64_t flags = 0;
	std::size_t pos = 0;

	while (pos <= s.size()) {
		std::size_t comma = s.find(',', pos);
		std::string k = s.substr(pos, comma == std::string::npos ? std::string::npos
									 : comma - pos);
		if (k == "flush")
			flags |= kFlush;
		else if (k == "fua")
			flags |= kFua;
		else if (k == "mark")
			flags |= kMark;
		else
			throw UsageError("unknown point kind '" + k + "' (want flush, fua, mark)");
		if (comma == std::string::npos)
			break;
		pos = comma + 1;
	}
	return flags;
}

std::uint64_t parse_index(const std::string &s)
{
	std::size_t used = 0;
	unsigned long long v = 0;

	try {
		v = std::stoull(s, &used, 10);
	} catch (const std::exception &) {
		used = 0;
	}
	if (s.empty() || used != s.size() || s[0] == '-')
		throw UsageError("--to wants an entry index, got '" + s + "'");
	return v;
}

// Take the value of option @argv[i]; throws when it is missing.
std::string value(const std::vector<std::string> &args, std::size_t &i)
{
	if (i + 1 >= args.size())
		throw UsageError(args[i] + " needs a value");
	return args[++i];
}

void print_entry(const Entry &e)
{
	std::cout << "entry " << e.index << " offset " << e.offset << ' ' << flag_names(e.flags);
	if (e.is(kMark))
		std::cout << ' ' << e.mark;
	else
		std::cout << " sector " << e.sector << " sectors " << e.nr_sectors;
	std::cout << '\n';
}

int cmd_list(const std::vector<std::string> &args)
{
	std::optional<std::string> path;
	std::uint64_t points = 0;

	for (std::size_t i = 1; i < args.size(); i++) {
		if (args[i] == "--points")
			points = parse_kinds(value(args, i));
		else if (args[i].starts_with("-"))
			throw UsageError("unknown option " + args[i]);
		else if (!path)
			path = args[i];
		else
			throw UsageError("list takes one LOG");
	}
	if (!path)
		throw UsageError("list needs a LOG");
	Fd fd = Fd::open(*path, O_RDONLY);
	Log log = read_log(fd);
	std::cout << "log " << *path << ": sectorsize " << log.sectorsize << ", " << log.nr_entries
		  << " entries, " << log.size << " bytes\n";
	for (const Entry &e : log.entries)
		if (!points || (e.flags & points))
			print_entry(e);
	return kOk;
}

// Run the check command for one point; true when it exits 0.
bool run_check(const std::string &cmd, const std::string &target, const Entry &e,
	       std::uint64_t point)
{
	std::cout.flush();
	pid_t pid = fork();
	if (pid < 0)
		throw std::system_error(errno, std::generic_category(), "fork");
	if (pid == 0) {
		setenv("PVBLK_LOG_ENTRY", std::to_string(e.index).c_str(), 1);
		setenv("PVBLK_LOG_FLAGS", flag_names(e.flags).c_str(), 1);
		setenv("PVBLK_LOG_POINT", std::to_string(point).c_str(), 1);
		setenv("PVBLK_LOG_TARGET", target.c_str(), 1);
		execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			throw std::system_error(errno, std::generic_category(), "waitpid");
	}
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	std::cout << "point " << point << ": entry " << e.index << ' ' << flag_names(e.flags)
		  << ": "
		  << (ok ? "ok"
			 : "FAILED (status " +
				      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status)
								       : 128 + WTERMSIG(status)) +
				      ")")
		  << '\n';
	return ok;
}

int cmd_replay(const std::vector<std::string> &args)
{
	std::vector<std::string> pos;
	std::optional<std::uint64_t> to;
	std::optional<std::string> to_mark, after_mark, check;
	ReplayOptions opt;

	for (std::size_t i = 1; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a == "--to")
			to = parse_index(value(args, i));
		else if (a == "--to-mark")
			to_mark = value(args, i);
		else if (a == "--each")
			opt.point_flags = parse_kinds(value(args, i));
		else if (a == "--after-mark")
			after_mark = value(args, i);
		else if (a == "--check")
			check = value(args, i);
		else if (a == "--keep-going")
			opt.keep_going = true;
		else if (a == "--skip-unchanged")
			opt.skip_unchanged = true;
		else if (a.starts_with("-"))
			throw UsageError("unknown option " + a);
		else
			pos.push_back(a);
	}
	if (pos.size() != 2)
		throw UsageError("replay needs LOG and TARGET");
	if (to && to_mark)
		throw UsageError("--to and --to-mark exclude each other");

	Fd log_fd = Fd::open(pos[0], O_RDONLY);
	Log log = read_log(log_fd);
	Fd target = Fd::open(pos[1], O_RDWR);
	if (to) {
		if (*to >= log.entries.size())
			throw UsageError("--to " + std::to_string(*to) + ": the log has " +
					 std::to_string(log.entries.size()) + " entries");
		opt.last = *to;
	}
	if (to_mark)
		opt.last = find_mark(log, *to_mark);
	if (after_mark)
		opt.points_after = find_mark(log, *after_mark);

	CheckFn fn;
	if (check)
		fn = [&](const Entry &e, std::uint64_t point) {
			return run_check(*check, pos[1], e, point);
		};
	ReplayResult r = replay(log_fd, log, target, opt, fn, &g_stop);
	// without --each the end of the replay is the one point
	if (check && !opt.point_flags && !r.interrupted && r.applied) {
		r.points = 1;
		if (!fn(log.entries[r.applied - 1], 1)) {
			r.failed = 1;
			r.first_failed = r.applied - 1;
		}
	}
	std::cout << "pvblk-logwrites: replayed " << r.applied << " of " << log.entries.size()
		  << " entries, " << r.points << " check points (" << r.unchanged << " unchanged), "
		  << r.failed << " failed";
	if (r.failed)
		std::cout << " (first at entry " << r.first_failed << ")";
	std::cout << '\n';
	if (r.interrupted) {
		std::cerr << "pvblk-logwrites: interrupted\n";
		return kInterrupted;
	}
	return r.failed ? kCheckFailed : kOk;
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<std::string> args(argv + 1, argv + argc);

	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	try {
		if (args.empty())
			throw UsageError("no command");
		if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			std::cout << kUsageText << kHelpText;
			return kOk;
		}
		if (args[0] == "--version") {
			std::cout << "pvblk-logwrites " PVBLK_VERSION "\n";
			return kOk;
		}
		if (args[0] == "list")
			return cmd_list(args);
		if (args[0] == "replay")
			return cmd_replay(args);
		throw UsageError("unknown command '" + args[0] + "'");
	} catch (const UsageError &e) {
		std::cerr << "pvblk-logwrites: " << e.what() << " (see --help)\n";
		return kUsage;
	} catch (const LogError &e) {
		std::cerr << "pvblk-logwrites: malformed log: " << e.what() << '\n';
		return kBadLog;
	} catch (const std::exception &e) {
		std::cerr << "pvblk-logwrites: " << e.what() << '\n';
		return kBadLog;
	}
}
