// SPDX-License-Identifier: GPL-2.0-only
#include "fd.h"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pvblk::logwrites {

namespace {
[[noreturn]] void fail(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}
} // namespace

Fd &Fd::operator=(Fd &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = o.fd_;
		o.fd_ = -1;
	}
	return *this;
}

Fd::~Fd()
{
	if (fd_ >= 0)
		::close(fd_);
}

Fd Fd::open(const std::string &path, int flags, int mode)
{
	int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);

	if (fd < 0)
		fail("cannot open " + path);
	return Fd(fd);
}

std::uint64_t Fd::size() const
{
	struct stat st {};

	if (::fstat(fd_, &st) < 0)
		fail("fstat");
	if (S_ISBLK(st.st_mode)) {
		std::uint64_t bytes = 0;

		if (::ioctl(fd_, BLKGETSIZE64, &bytes) < 0)
			fail("BLKGETSIZE64");
		return bytes;
	}
	return static_cast<std::uint64_t>(st.st_size);
}

void Fd::pread_all(std::span<std::byte> buf, std::uint64_t off) const
{
	while (!buf.empty()) {
		ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("read at byte " + std::to_string(off));
		if (n == 0) {
			errno = EIO;
			fail("short read at byte " + std::to_string(off));
		}
		buf = buf.subspan(static_cast<std::size_t>(n));
		off += static_cast<std::uint64_t>(n);
	}
}

void Fd::pwrite_all(std::span<const std::byte> buf, std::uint64_t off) const
{
	while (!buf.empty()) {
		ssize_t n = ::pwrite(fd_, buf.data(), buf.size(), static_cast<off_t>(off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write at byte " + std::to_string(off));
		buf = buf.subspan(static_cast<std::size_t>(n));
		off += static_cast<std::uint64_t>(n);
	}
}

void Fd::sync() const
{
	if (::fsync(fd_) < 0)
		fail("fsync");
}

} // namespace pvblk::logwrites
