// SPDX-License-Identifier: GPL-2.0-only
//
// Environment checks; see xen_env.h.
#include "xenio/xen_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cmd/cli.h"

namespace pvblk::ring {

std::string read_small_file(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream ss;

	if (!f)
		return "";
	ss << f.rdbuf();
	return ss.str();
}

void write_file_or_throw(const std::string &path, const std::string &value)
{
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		throw EnvError("cannot open " + path + ": " + strerror(errno));
	ssize_t n = write(fd, value.data(), value.size());
	int err = errno;

	close(fd);
	if (n != static_cast<ssize_t>(value.size()))
		throw EnvError("writing '" + value + "' to " + path + " failed: " + strerror(err));
}

void require_dom0()
{
	std::string caps = read_small_file("/proc/xen/capabilities");

	if (caps.empty() && read_small_file("/sys/hypervisor/type").rfind("xen", 0) != 0)
		throw EnvError("not running under Xen (no /proc/xen/capabilities, "
			       "/sys/hypervisor/type is not xen): pvblk-ring must run in dom0");
	if (caps.find("control_d") == std::string::npos)
		throw EnvError("not a Xen dom0 (/proc/xen/capabilities lacks control_d; "
			       "is xenfs mounted on /proc/xen?)");
	if (access("/dev/xen/gntalloc", R_OK | W_OK))
		throw EnvError("/dev/xen/gntalloc missing: load xen-gntalloc");
	if (access("/dev/xen/evtchn", R_OK | W_OK))
		throw EnvError("/dev/xen/evtchn missing: load xen-evtchn");
}

BlockDev block_device(const std::string &path)
{
	struct stat st;
	BlockDev d;

	if (stat(path.c_str(), &st))
		throw EnvError("cannot stat " + path + ": " + strerror(errno));
	if (!S_ISBLK(st.st_mode))
		throw EnvError(path + " is not a block device");
	d.major = major(st.st_rdev);
	d.minor = minor(st.st_rdev);
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		throw EnvError("cannot open " + path + ": " + strerror(errno));
	int ro = 0;

	if (ioctl(fd, BLKGETSIZE64, &d.bytes) || ioctl(fd, BLKROGET, &ro)) {
		int err = errno;

		close(fd);
		throw EnvError("cannot size " + path + ": " + strerror(err));
	}
	close(fd);
	d.read_only = ro != 0;
	return d;
}

void ensure_gntalloc_limit(unsigned int pages)
{
	const std::string p = "/sys/module/xen_gntalloc/parameters/limit";
	std::string cur = read_small_file(p);

	if (cur.empty())
		return;
	unsigned long have = strtoul(cur.c_str(), nullptr, 10);

	// Other instances share the limit: leave generous headroom.
	unsigned long want = static_cast<unsigned long>(pages) * 2 + 4096;
	if (have >= want)
		return;
	try {
		write_file_or_throw(p, std::to_string(want));
	} catch (const EnvError &) {
		// Best effort: sharing will fail with a clear error if short.
	}
}

std::map<std::string, int64_t> read_sysfs_numbers(const std::string &dir)
{
	std::map<std::string, int64_t> out;
	DIR *d = opendir(dir.c_str());

	if (!d)
		return out;
	while (struct dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		std::string v = read_small_file(dir + "/" + e->d_name);
		char *end = nullptr;

		if (v.empty())
			continue;
		long long n = strtoll(v.c_str(), &end, 10);
		if (end != v.c_str() && (*end == '\n' || *end == 0))
			out[e->d_name] = n;
	}
	closedir(d);
	return out;
}

std::string backend_sysfs_dir(unsigned int devid)
{
	return "/sys/bus/xen-backend/devices/vbd-0-" + std::to_string(devid);
}

} // namespace pvblk::ring
