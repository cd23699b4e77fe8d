// SPDX-License-Identifier: GPL-2.0-only
//
// SIGINT/SIGTERM: a flag the loops poll, so every wait ends within
// ~100 ms and the destructors tear the VBD down before exit (130).
#pragma once

#include <stdexcept>

namespace pvblk::ring {

class Interrupted : public std::runtime_error {
public:
	Interrupted() : std::runtime_error("interrupted") {}
};

void install_signal_handlers();
bool interrupted();
// Throws Interrupted when a signal arrived.
void check_interrupted();

} // namespace pvblk::ring
