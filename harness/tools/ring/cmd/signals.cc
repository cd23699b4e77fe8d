// SPDX-License-Identifier: GPL-2.0-only
//
// Signal handling; see signals.h.
#include "cmd/signals.h"

#include <csignal>

namespace pvblk::ring {

namespace {

volatile sig_atomic_t g_signalled;

void on_signal(int)
{
	g_signalled = 1;
}

} // namespace

void install_signal_handlers()
{
	struct sigaction sa = {};

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGHUP, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);
}

bool interrupted()
{
	return g_signalled != 0;
}

void check_interrupted()
{
	if (g_signalled)
		throw Interrupted();
}

} // namespace pvblk::ring
