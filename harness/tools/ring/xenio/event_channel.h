// SPDX-License-Identifier: GPL-2.0-only
//
// Event channels through /dev/xen/evtchn (libxenevtchn): one handle,
// unbound ports offered to a domain or bound to a peer's, notify, and a wait that honours
// SIGINT. Every port is unbound in the destructor.
#pragma once

#include <cstdint>
#include <vector>

struct xenevtchn_handle;

namespace pvblk::ring {

class EventChannels {
public:
	EventChannels(); // throws EnvError
	~EventChannels();
	EventChannels(const EventChannels &) = delete;
	EventChannels &operator=(const EventChannels &) = delete;

	// A new port awaiting a connection from @domid.
	uint32_t bind_unbound(uint32_t domid = 0);
	// Bind to @remote_port of @domid (a port the peer allocated for us);
	// returns the local port.
	uint32_t bind_interdomain(uint32_t domid, uint32_t remote_port);
	// Unbind one port bound here (now, not at destruction).
	void unbind(uint32_t port);
	void notify(uint32_t port);
	// Wait up to @timeout_ms for any event; returns its port or -1.
	// Unmasks the port before returning.
	int64_t wait(int timeout_ms);
	uint64_t notifies() const { return notifies_; }

private:
	xenevtchn_handle *h_;
	std::vector<uint32_t> ports_;
	uint64_t notifies_ = 0;
};

} // namespace pvblk::ring
