// SPDX-License-Identifier: GPL-2.0-only
// An owned file descriptor and whole-buffer positional I/O on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace pvblk::logwrites {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
	Fd &operator=(Fd &&o) noexcept;
	~Fd();

	// Open @path with open(2) @flags; throws std::system_error naming it.
	static Fd open(const std::string &path, int flags, int mode = 0644);

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }

	// Size in bytes: a regular file's length or a block device's size.
	std::uint64_t size() const;
	// Read or write all of @buf at @off; short transfers are retried, a
	// read past the end or any error throws std::system_error.
	void pread_all(std::span<std::byte> buf, std::uint64_t off) const;
	void pwrite_all(std::span<const std::byte> buf, std::uint64_t off) const;
	void sync() const;

private:
	int fd_ = -1;
};

} // namespace pvblk::logwrites
