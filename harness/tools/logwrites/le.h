// SPDX-License-Identifier: GPL-2.0-only
// Little-endian fields in byte buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pvblk::logwrites {

inline std::uint64_t get_le64(const std::byte *p)
{
	std::uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
	return v;
}

inline std::uint32_t get_le32(const std::byte *p)
{
	std::uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
	return v;
}

inline void put_le64(std::byte *p, std::uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = static_cast<std::byte>(v & 0xff);
}

inline void put_le32(std::byte *p, std::uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = static_cast<std::byte>(v & 0xff);
}

} // namespace pvblk::logwrites
