// SPDX-License-Identifier: GPL-2.0-only
// Helpers for the pvblk-logwrites unit tests: anonymous scratch files and
// block patterns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "fd.h"

namespace pvblk::logwrites::test {

// An anonymous in-memory file of @size bytes (zeros), closed on scope exit.
inline Fd scratch(std::uint64_t size = 0)
{
	Fd fd(memfd_create("pvblk-logwrites-test", MFD_CLOEXEC));

	if (fd && size && ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
		return Fd();
	return fd;
}

// @blocks blocks of @ss bytes, every byte derived from @seed and its
// position, so two patterns with different seeds never match.
inline std::vector<std::byte> pattern(unsigned seed, std::size_t blocks, std::size_t ss = 512)
{
	std::vector<std::byte> v(blocks * ss);

	for (std::size_t i = 0; i < v.size(); i++)
		v[i] = static_cast<std::byte>((seed * 131 + i * 7 + (i >> 9)) & 0xff);
	return v;
}

inline std::vector<std::byte> read_all(const Fd &fd)
{
	std::vector<std::byte> v(fd.size());

	fd.pread_all(v, 0);
	return v;
}

inline void poke(const Fd &fd, std::uint64_t off, std::vector<std::byte> bytes)
{
	fd.pwrite_all(bytes, off);
}

} // namespace pvblk::logwrites::test
