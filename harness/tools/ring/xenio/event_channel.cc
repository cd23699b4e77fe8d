// SPDX-License-Identifier: GPL-2.0-only
//
// Event channels; see event_channel.h.
#include "xenio/event_channel.h"

#include <poll.h>
extern "C" {
#include <xenevtchn.h>
}

#include <cerrno>
#include <cstring>
#include <string>

#include "cmd/cli.h"

namespace pvblk::ring {

EventChannels::EventChannels() : h_(xenevtchn_open(nullptr, 0))
{
	if (!h_)
		throw EnvError(std::string("cannot open /dev/xen/evtchn: ") + strerror(errno));
}

EventChannels::~EventChannels()
{
	for (auto p : ports_)
		xenevtchn_unbind(h_, p);
	xenevtchn_close(h_);
}

uint32_t EventChannels::bind_unbound(uint32_t domid)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_unbound_port(h_, domid);

	if (p < 0)
		throw EnvError(std::string("allocating an event channel: ") + strerror(errno));
	ports_.push_back(static_cast<uint32_t>(p));
	return static_cast<uint32_t>(p);
}

uint32_t EventChannels::bind_interdomain(uint32_t domid, uint32_t remote_port)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(h_, domid, remote_port);

	if (p < 0)
		throw EnvError("binding event channel " + std::to_string(remote_port) +
			       " of domain " + std::to_string(domid) + ": " + strerror(errno));
	ports_.push_back(static_cast<uint32_t>(p));
	return static_cast<uint32_t>(p);
}

void EventChannels::unbind(uint32_t port)
{
	for (auto it = ports_.begin(); it != ports_.end(); ++it) {
		if (*it == port) {
			xenevtchn_unbind(h_, port);
			ports_.erase(it);
			return;
		}
	}
}

void EventChannels::notify(uint32_t port)
{
	if (xenevtchn_notify(h_, port))
		throw EnvError("notifying event channel " + std::to_string(port) + ": " +
			       strerror(errno));
	notifies_++;
}

int64_t EventChannels::wait(int timeout_ms)
{
	struct pollfd pfd = { xenevtchn_fd(h_), POLLIN, 0 };
	int n = poll(&pfd, 1, timeout_ms);

	if (n <= 0)
		return -1; // timeout or EINTR: the caller checks for signals
	xenevtchn_port_or_error_t p = xenevtchn_pending(h_);

	if (p < 0)
		return -1;
	xenevtchn_unmask(h_, static_cast<evtchn_port_t>(p));
	return p;
}

} // namespace pvblk::ring
