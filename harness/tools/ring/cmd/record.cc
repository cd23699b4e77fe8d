// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring record: capture the ring traffic pvblkback serves from its
// tracepoints (tracefs in dom0, mounted here when absent) into a trace.
// Stops after --duration or at SIGINT/SIGTERM, which is the normal way
// to end it (exit 0); the events are switched off again in any case.
#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/signals.h"
#include "frontend/io_engine.h"
#include "trace/trace_format.h"
#include "trace/tracefs_events.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

namespace {

// Enables pvblkback's events for its lifetime; restores the buffer size.
class TraceEvents {
public:
	explicit TraceEvents(const std::string &dir, unsigned int buffer_kb) : dir_(dir)
	{
		if (access((dir + "/events").c_str(), F_OK)) {
			if (mount("nodev", dir.c_str(), "tracefs", 0, nullptr) && errno != EBUSY)
				throw EnvError("cannot mount tracefs on " + dir + ": " +
					       strerror(errno));
		}
		if (access((dir + "/events/pvblkback/enable").c_str(), W_OK))
			throw EnvError("no pvblkback tracepoints under " + dir +
				       "/events (is pvblkback loaded?)");
		old_kb_ = read_small_file(dir + "/buffer_size_kb");
		write_file_or_throw(dir + "/buffer_size_kb", std::to_string(buffer_kb));
		write_file_or_throw(dir + "/trace", ""); // clear
		write_file_or_throw(dir + "/tracing_on", "1");
		write_file_or_throw(dir + "/events/pvblkback/enable", "1");
		enabled_ = true;
	}
	void disable()
	{
		if (!enabled_)
			return;
		enabled_ = false;
		try {
			write_file_or_throw(dir_ + "/events/pvblkback/enable", "0");
		} catch (const std::exception &e) {
			std::cerr << "pvblk-ring record: " << e.what() << "\n";
		}
	}
	~TraceEvents()
	{
		disable();
		if (!old_kb_.empty()) {
			try {
				write_file_or_throw(dir_ + "/buffer_size_kb", old_kb_);
			} catch (const std::exception &) {
			}
		}
	}

private:
	std::string dir_, old_kb_;
	bool enabled_ = false;
};

void write_file_or_throw_create(const std::string &path)
{
	int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		throw EnvError("cannot create " + path + ": " + strerror(errno));
	::close(fd);
}

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	int get() const { return fd_; }

private:
	int fd_;
};

} // namespace

int cmd_record(const Args &args)
{
	static const std::vector<OptSpec> spec = {
		{ "out", "FILE", "the trace to write (required)" },
		{ "text", nullptr, "write the text form instead of binary" },
		{ "duration", "SECONDS", "stop after this long", "until SIGINT" },
		{ "domid", "N", "only this frontend domain" },
		{ "vbd", "N", "only this virtual device (its handle)" },
		{ "tracefs", "DIR", "where tracefs is (mounted if absent)", "/sys/kernel/tracing" },
		{ "buffer-kb", "N", "per-CPU trace buffer size while recording", "16384" },
		{ "ready-file", "FILE", "create FILE once the events are on" },
		{ "allow-lost", nullptr, "exit 0 even if the kernel's buffer lost events" },
	};
	Options o(spec, args);

	if (o.help()) {
		std::cout << usage(
			"record --out FILE [OPTIONS]",
			"Record the requests pvblkback serves (its pvblkback_req_start,\n"
			"_segs and _done tracepoints) into a trace. SIGINT ends the\n"
			"recording normally. Every segment is recorded with its sectors;\n"
			"grant references are numbered into grant slots in order of first\n"
			"use; see Documentation/trace-format.rst. A pvblkback line that does\n"
			"not parse ends the recording with its line number (exit 4). When\n"
			"the kernel's trace buffer overflows (trace_pipe's [LOST N EVENTS])\n"
			"the requests whose events were lost are missing: the trace is still\n"
			"written, the loss is reported and the exit status is 1 unless\n"
			"--allow-lost is given.",
			spec);
		return kExitOk;
	}
	if (o.str("out").empty())
		throw UsageError("--out is required");
	double duration = o.has("duration") ? o.real("duration", 0.001, 86400) : 0;
	std::optional<unsigned int> dom, vbd;
	if (o.has("domid"))
		dom = static_cast<unsigned int>(o.u64("domid", 0, 65535));
	if (o.has("vbd"))
		vbd = static_cast<unsigned int>(o.u64("vbd", 0, 0xffffffffu));
	std::string dir = o.str("tracefs");

	require_dom0();
	install_signal_handlers();
	auto buffer_kb = static_cast<unsigned int>(o.u64("buffer-kb", 64, 1u << 20));
	TraceEvents ev(dir, buffer_kb);
	Fd pipe(open((dir + "/trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
	if (pipe.get() < 0)
		throw EnvError("cannot open " + dir + "/trace_pipe: " + strerror(errno));
	if (o.has("ready-file"))
		write_file_or_throw_create(o.str("ready-file"));
	Recorder rec(dom, vbd);
	std::string buf;
	uint64_t start = now_ns();
	bool stopping = false;
	char chunk[65536];

	for (;;) {
		if (!stopping &&
		    (interrupted() ||
		     (duration > 0 && now_ns() - start >= static_cast<uint64_t>(duration * 1e9)))) {
			stopping = true;
			ev.disable(); // then drain what is buffered
		}
		struct pollfd pfd = { pipe.get(), POLLIN, 0 };
		int pr = poll(&pfd, 1, stopping ? 50 : 100);
		ssize_t n = pr > 0 ? read(pipe.get(), chunk, sizeof(chunk)) : 0;

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			throw EnvError(std::string("reading trace_pipe: ") + strerror(errno));
		if (n > 0) {
			buf.append(chunk, static_cast<size_t>(n));
			size_t pos = 0, nl;

			while ((nl = buf.find('\n', pos)) != std::string::npos) {
				try {
					rec.feed_line(buf.substr(pos, nl - pos));
				} catch (const TpFormatError &e) {
					std::cerr << "pvblk-ring record: trace_pipe " << e.what()
						  << "\n";
					return kExitBadInput;
				}
				pos = nl + 1;
			}
			buf.erase(0, pos);
		} else if (stopping) {
			break; // drained
		}
	}
	auto recs = rec.records();
	trace::write_file(o.str("out"), recs, o.has("text"));
	uint64_t reads = 0, writes = 0;
	for (const auto &r : recs) {
		reads += r.data_op() == PVBLK_OP_READ;
		writes += r.data_op() == PVBLK_OP_WRITE;
	}
	std::cout << "record: " << recs.size() << " requests (" << reads << " read, " << writes
		  << " write) from " << rec.events() << " events in "
		  << static_cast<double>(now_ns() - start) / 1e9 << " s; " << rec.incomplete()
		  << " unfinished and " << rec.unmatched() << " unmatched dropped; wrote "
		  << o.str("out") << "\n";
	if (rec.lost_notes()) {
		std::cerr << "pvblk-ring record: the kernel's trace buffer overflowed: "
			  << rec.lost_notes() << " lost-events notes, " << rec.lost_events()
			  << " events lost; the requests they belonged to are not in "
			  << o.str("out") << " (raise --buffer-kb, now " << buffer_kb << ")\n";
		if (!o.has("allow-lost"))
			return kExitFailed;
	}
	return kExitOk;
}

} // namespace pvblk::ring
