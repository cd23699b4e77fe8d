// SPDX-License-Identifier: GPL-2.0-only
//
// The scripts of "pvblk-ring backend": a blkif backend in dom0 that serves
// a guest's frontend honestly ("none") or misbehaves in one named way.
// This is the pure part - the case table (what each case does and what
// the guest may see), and parsing "CASE[:KEY=VALUE,...]" - unit-tested
// without Xen; hostile_backend.cc runs the cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pvblk::ring {

enum class HostileCase {
	None,		     // serve every request correctly
	Withhold,	     // never answer; give up (Closing) after give_up s
	Duplicate,	     // answer a request twice in one batch
	UnknownId,	     // answer with an id never sent
	WrongOp,	     // answer with another operation than sent
	ProdOverrun,	     // publish rsp_prod past the frontend's req_prod
	FlushEopnotsupp,     // answer FLUSH with EOPNOTSUPP, then stall
	CloseInflight,	     // Closing with requests in flight, still mapped
	Restart,	     // Closed -> InitWait: a new connection
	ReconnectSectorSize, // restart, sector-size 512 -> 4096
	ReconnectFeatures,   // restart, flush/indirect/queues withdrawn
	AbsurdOrder,	     // max-ring-page-order 4294967295
	AbsurdQueues,	     // multi-queue-max-queues 4294967295
	AbsurdIndirect,	     // feature-max-indirect-segments 4294967295
	GarbageKeys,	     // feature keys that are not numbers
	WithholdProbe,	     // never answer, from the disk's first read on
	RestartProbe,	     // restart with the disk's first read unanswered
	CloseInflightProbe,  // close-inflight from the disk's first read on
};

// Which request starts the misbehaviour (after "after" of them were
// answered honestly). The guest's own test I/O starts with a write, so
// Write leaves the disk's probe (partition table reads) alone.
enum class HostileTrigger { Write, Flush, AnyRequest };

// What the guest may see on the disk of a case; a case allows one or more.
enum GuestOutcome : unsigned {
	kSeesOk = 1,	 // I/O succeeds and the data reads back intact
	kSeesError = 2,	 // I/O fails with an error within seconds
	kSeesNoDisk = 4, // the frontend refuses the backend: no disk
};

struct HostileCaseInfo {
	HostileCase id;
	const char *name;
	const char *does; // one line: what the backend does
	unsigned allowed; // GuestOutcome bits
	HostileTrigger trigger;
	unsigned after; // default: triggering requests served honestly first
};

// Every case, in the order a full run uses.
const std::vector<HostileCaseInfo> &hostile_cases();
const HostileCaseInfo *find_hostile_case(const std::string &name);

// "ok", "error", "nodisk" joined by '|', e.g. "ok|error".
std::string outcome_names(unsigned allowed);

// One parsed --script.
struct HostileScript {
	const HostileCaseInfo *info = nullptr;
	unsigned after = 0;	    // triggering requests served honestly first
	double give_up = 4;	    // s a stall lasts before the backend closes
	double hold = 3;	    // s mappings outlive the close (close-inflight)
	double reconnect_wait = 10; // s to wait for the frontend's new connection

	HostileCase id() const { return info->id; }
	const char *name() const { return info->name; }
	bool restarts() const;	      // a second connection follows
	bool closes_inflight() const; // Closing with held pages mapped
};

// Parse "CASE" or "CASE:after=N,give-up=S,hold=S,reconnect-wait=S".
// Throws UsageError naming what is wrong.
HostileScript parse_hostile_script(const std::string &text);

// The backend's feature keys of one connection (connection 0 or the
// one after a restart), as the script wants them advertised.
struct BackOfferKeys {
	std::string persistent = "1";
	std::string max_ring_order = "2";
	std::string max_queues = "4";
	std::string max_indirect = "64";
	std::string flush = "1";
	unsigned sector_size = 512;
};
BackOfferKeys offer_keys(const HostileScript &s, unsigned connection);

// The virtual-device number of a disk name: "xvda".."xvdp" (202:0 ..
// 202:240), "xvdq" and later in the extended form (1 << 28 | disk << 8).
// Throws UsageError for anything else.
unsigned int vdev_number(const std::string &name);

} // namespace pvblk::ring
