// SPDX-License-Identifier: GPL-2.0-only
//
// VBD attach and teardown through xenstore; see vbd_attach.h.
#include "frontend/vbd_attach.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "cmd/cli.h"
#include "cmd/signals.h"
#include "xenio/xen_env.h"

namespace pvblk::ring {

namespace {

constexpr unsigned int kXvdMajor = 202;

std::string hex(unsigned int v)
{
	char b[16];

	snprintf(b, sizeof(b), "%x", v);
	return b;
}

unsigned int to_uint(const std::optional<std::string> &s, unsigned int def)
{
	if (!s || s->empty())
		return def;
	char *end = nullptr;
	unsigned long v = strtoul(s->c_str(), &end, 10);

	return *end ? def : static_cast<unsigned int>(v);
}

// Candidate virtual-device numbers for automatic choice: xvdi..xvdp, then
// the extended xvdq.. form (1 << 28 | disk << 8).
std::vector<unsigned int> auto_devids()
{
	std::vector<unsigned int> v;

	for (unsigned int d = 8; d < 16; d++)
		v.push_back(kXvdMajor << 8 | d << 4);
	for (unsigned int d = 16; d < 256; d++)
		v.push_back(1u << 28 | d << 8);
	return v;
}

} // namespace

std::string vdev_name(unsigned int devid)
{
	unsigned int disk;

	if (devid & (1u << 28))
		disk = (devid >> 8) & 0xfffff;
	else if ((devid >> 8) == kXvdMajor)
		disk = (devid & 0xff) >> 4;
	else
		return "vbd" + std::to_string(devid);
	std::string s;

	// xvda..xvdz, xvdaa..: bijective base 26
	for (unsigned int n = disk + 1; n; n = (n - 1) / 26)
		s.insert(s.begin(), static_cast<char>('a' + (n - 1) % 26));
	return "xvd" + s;
}

Vbd::Vbd(XenStore &xs, GrantSharer &gs, EventChannels &ev, const AttachConfig &cfg)
	: xs_(xs), gs_(gs), ev_(ev), cfg_(cfg)
{
	create_nodes(cfg);
	try {
		wait_backend_state({ 2 }, "InitWait (is pvblkback or xen-blkback loaded?)");
		auto be = [&](const char *k) { return xs_.read(be_ + "/" + k); };
		unsigned int be_persistent = to_uint(be("feature-persistent"), 0);
		unsigned int be_order = to_uint(be("max-ring-page-order"), 0);
		unsigned int be_queues = to_uint(be("multi-queue-max-queues"), 1);

		neg_.persistent = cfg.persistent && be_persistent;
		neg_.ring_order = cfg.ring_order;
		neg_.queues = cfg.queues;
		if (cfg.clamp) {
			if (neg_.ring_order > be_order)
				neg_.ring_order = be_order;
			if (neg_.queues > be_queues)
				neg_.queues = be_queues ? be_queues : 1;
		}
		char target[512];
		ssize_t n = readlink((backend_sysfs_dir(devid_) + "/driver").c_str(), target,
				     sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			const char *slash = strrchr(target, '/');

			neg_.driver = slash ? slash + 1 : target;
		}
	} catch (...) {
		close();
		throw;
	}
}

Vbd::~Vbd()
{
	close();
}

void Vbd::create_nodes(const AttachConfig &cfg)
{
	BlockDev bd = block_device(cfg.dev);
	std::vector<unsigned int> cands = cfg.devid ? std::vector<unsigned int>{ cfg.devid }
						    : auto_devids();

	xs_.transaction([&](XenStore::Txn &t) {
		devid_ = 0;
		for (unsigned int c : cands) {
			std::string fe = "/local/domain/0/device/vbd/" + std::to_string(c);
			std::string be = "/local/domain/0/backend/vbd/0/" + std::to_string(c);

			if (!t.read(fe) && !t.read(be)) {
				devid_ = c;
				fe_ = fe;
				be_ = be;
				break;
			}
		}
		if (!devid_)
			throw EnvError(cfg.devid ? "virtual device " + std::to_string(cfg.devid) +
							   " is already attached to dom0"
						 : "no free virtual-device number for dom0");
		std::string d = std::to_string(devid_);

		t.write(be_ + "/frontend", fe_);
		t.write(be_ + "/frontend-id", "0");
		t.write(be_ + "/online", "1");
		t.write(be_ + "/state", "1");
		t.write(be_ + "/params", cfg.dev);
		t.write(be_ + "/type", "phy");
		t.write(be_ + "/mode", cfg.read_only ? "r" : "w");
		t.write(be_ + "/dev", vdev_name(devid_));
		t.write(be_ + "/removable", "0");
		t.write(be_ + "/bootable", "1");
		// what the hotplug script would write
		t.write(be_ + "/physical-device", hex(bd.major) + ":" + hex(bd.minor));
		t.write(fe_ + "/backend", be_);
		t.write(fe_ + "/backend-id", "0");
		t.write(fe_ + "/state", "1");
		t.write(fe_ + "/virtual-device", d);
		t.write(fe_ + "/device-type", "disk");
	});
	created_ = true;
	if (cfg.verbose)
		std::cerr << "pvblk-ring: vbd " << devid_ << " (" << vdev_name(devid_) << ") on "
			  << cfg.dev << "\n";
}

int Vbd::backend_state() const
{
	auto s = xs_.read(be_ + "/state");

	return s ? static_cast<int>(to_uint(s, 0)) : -1;
}

std::string Vbd::backend_error() const
{
	auto e = xs_.read("/local/domain/0/error/backend/vbd/0/" + std::to_string(devid_) +
			  "/error");

	return e ? *e : "";
}

void Vbd::wait_backend_state(const std::vector<int> &want, const char *what)
{
	bool ok = false;

	xs_.wait_for(
		be_ + "/state",
		[&](const std::optional<std::string> &v) {
			int s = v ? static_cast<int>(to_uint(v, 0)) : -1;

			for (int w : want)
				if (s == w)
					return true;
			// Closing/Closed while we wait for something else: failed.
			return s == 5 || s == 6;
		},
		cfg_.timeout_ms, &ok);
	check_interrupted();
	int s = backend_state();
	bool reached = false;

	for (int w : want)
		reached |= s == w;
	if (!reached) {
		std::string err = backend_error();

		throw EnvError("backend " + be_ + " did not reach " + what + " (state " +
			       std::to_string(s) + (err.empty() ? "" : ", error: " + err) + ")");
	}
}

void Vbd::connect()
{
	const unsigned int pages = 1u << neg_.ring_order;

	for (unsigned int q = 0; q < neg_.queues; q++) {
		RingQueue rq;

		rq.pages = std::make_unique<SharedPages>(gs_, pages);
		auto *hdr = reinterpret_cast<pvblk_sring_hdr *>(rq.pages->base());
		hdr->req_event = 1;
		hdr->rsp_event = 1;
		rq.port = ev_.bind_unbound(0);
		queues_.push_back(std::move(rq));
	}
	xs_.transaction([&](XenStore::Txn &t) {
		for (unsigned int q = 0; q < neg_.queues; q++) {
			std::string dir = neg_.queues > 1 ? fe_ + "/queue-" + std::to_string(q)
							  : fe_;

			for (unsigned int i = 0; i < pages; i++)
				t.write(dir + (neg_.ring_order ? "/ring-ref" + std::to_string(i)
							       : std::string("/ring-ref")),
					std::to_string(queues_[q].pages->ref(i)));
			t.write(dir + "/event-channel", std::to_string(queues_[q].port));
		}
		if (neg_.ring_order)
			t.write(fe_ + "/ring-page-order", std::to_string(neg_.ring_order));
		if (neg_.queues > 1)
			t.write(fe_ + "/multi-queue-num-queues", std::to_string(neg_.queues));
		t.write(fe_ + "/protocol", "x86_64-abi");
		t.write(fe_ + "/feature-persistent", neg_.persistent ? "1" : "0");
		t.write(fe_ + "/state", "3");
	});
	wait_backend_state({ 4 }, "Connected");
	auto be = [&](const char *k) { return xs_.read(be_ + "/" + k); };
	auto sectors = be("sectors");

	neg_.sectors = sectors ? strtoull(sectors->c_str(), nullptr, 10) : 0;
	neg_.sector_size = to_uint(be("sector-size"), 512);
	neg_.info = to_uint(be("info"), 0);
	neg_.flush = to_uint(be("feature-flush-cache"), 0);
	neg_.barrier = to_uint(be("feature-barrier"), 0);
	neg_.discard = to_uint(be("feature-discard"), 0);
	unsigned int be_ind = to_uint(be("feature-max-indirect-segments"), 0);

	neg_.indirect_segs = cfg_.indirect;
	if (cfg_.clamp && neg_.indirect_segs > be_ind)
		neg_.indirect_segs = be_ind;
	if (neg_.indirect_segs > PVBLK_MAX_INDIRECT_SEGS)
		neg_.indirect_segs = PVBLK_MAX_INDIRECT_SEGS;
	xs_.write(fe_ + "/state", "4");
}

std::map<std::string, int64_t> Vbd::backend_stats() const
{
	return read_sysfs_numbers(backend_sysfs_dir(devid_) + "/statistics");
}

bool Vbd::close(const std::function<void()> &closed)
{
	if (!created_)
		return true;
	created_ = false;
	bool clean = true;

	try {
		final_stats_ = backend_stats();
		auto wait = [&](std::initializer_list<int> want, unsigned int ms) {
			bool ok = false;

			xs_.wait_for(
				be_ + "/state",
				[&](const std::optional<std::string> &v) {
					if (!v)
						return true; // backend gone
					int s = static_cast<int>(to_uint(v, 0));
					for (int w : want)
						if (s == w)
							return true;
					return false;
				},
				ms, &ok, false);
			return ok;
		};
		// Keep waiting through a SIGINT: a clean teardown is the point.
		unsigned int ms = cfg_.timeout_ms;

		xs_.write(be_ + "/online", "0");
		xs_.write(fe_ + "/state", "5");
		if (!wait({ 5, 6 }, ms))
			std::cerr << "pvblk-ring: backend " << be_ << " did not close (state "
				  << backend_state() << ")\n",
				clean = false;
		xs_.write(fe_ + "/state", "6");
		if (!wait({ 6 }, ms))
			std::cerr << "pvblk-ring: backend " << be_
				  << " did not reach Closed (state " << backend_state() << ")\n",
				clean = false;
	} catch (const std::exception &e) {
		std::cerr << "pvblk-ring: teardown of " << fe_ << ": " << e.what() << "\n";
		clean = false;
	}
	if (closed)
		closed();
	try {
		xs_.rm(be_);
		xs_.rm(fe_);
		xs_.rm("/local/domain/0/error/backend/vbd/0/" + std::to_string(devid_));
		xs_.rm("/local/domain/0/error/device/vbd/" + std::to_string(devid_));
	} catch (const std::exception &e) {
		std::cerr << "pvblk-ring: removing the nodes of " << fe_ << ": " << e.what()
			  << "\n";
		clean = false;
	}
	// The backend device goes once its directory is gone.
	for (int i = 0; i < 500 && access(backend_sysfs_dir(devid_).c_str(), F_OK) == 0; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	queues_.clear(); // ends the ring grants
	return clean;
}

} // namespace pvblk::ring
