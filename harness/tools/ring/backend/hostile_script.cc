// SPDX-License-Identifier: GPL-2.0-only
//
// The hostile backend's case table and script parser; see hostile_script.h.
#include "backend/hostile_script.h"

#include <cerrno>
#include <cstdlib>

#include "cmd/cli.h"

namespace pvblk::ring {

namespace {

constexpr unsigned kEither = kSeesOk | kSeesError;
constexpr unsigned kRestartOutcomes = kSeesOk | kSeesError;
constexpr unsigned kOfferOutcomes = kSeesOk | kSeesNoDisk;

const std::vector<HostileCaseInfo> kCases = {
	{ HostileCase::None, "none", "serves every request correctly (the control)", kSeesOk,
	  HostileTrigger::AnyRequest, 0 },
	{ HostileCase::Withhold, "withhold",
	  "answers nothing; after give-up s of silence goes Closing", kSeesError,
	  HostileTrigger::Write, 0 },
	{ HostileCase::Duplicate, "dup",
	  "answers a request, and the same id again in the same batch", kEither,
	  HostileTrigger::Write, 0 },
	{ HostileCase::UnknownId, "unknown-id", "answers with an id the frontend never sent",
	  kEither, HostileTrigger::Write, 0 },
	{ HostileCase::WrongOp, "wrong-op", "answers with another operation than the request's",
	  kEither, HostileTrigger::Write, 0 },
	{ HostileCase::ProdOverrun, "prod-overrun",
	  "publishes rsp_prod 17 past the frontend's req_prod", kEither, HostileTrigger::Write, 0 },
	{ HostileCase::FlushEopnotsupp, "flush-eopnotsupp",
	  "offers flush, answers FLUSH with EOPNOTSUPP, then answers nothing", kEither,
	  HostileTrigger::Flush, 0 },
	{ HostileCase::CloseInflight, "close-inflight",
	  "goes Closing with requests in flight and keeps ring and data grants "
	  "mapped until hold s after its nodes are gone, then writes into the "
	  "held pages of reads",
	  kSeesError, HostileTrigger::Write, 0 },
	{ HostileCase::Restart, "restart",
	  "mid-I/O goes Closed then InitWait and serves a new connection", kRestartOutcomes,
	  HostileTrigger::Write, 64 },
	{ HostileCase::ReconnectSectorSize, "reconnect-sector-size",
	  "restart whose new connection has sector-size 4096 (was 512)", kRestartOutcomes,
	  HostileTrigger::Write, 64 },
	{ HostileCase::ReconnectFeatures, "reconnect-features",
	  "restart whose new connection withdraws flush, indirect segments, "
	  "persistent grants, multi-page rings and queues",
	  kRestartOutcomes, HostileTrigger::Write, 64 },
	{ HostileCase::AbsurdOrder, "absurd-order", "offers max-ring-page-order 4294967295",
	  kOfferOutcomes, HostileTrigger::AnyRequest, 0 },
	{ HostileCase::AbsurdQueues, "absurd-queues", "offers multi-queue-max-queues 4294967295",
	  kOfferOutcomes, HostileTrigger::AnyRequest, 0 },
	{ HostileCase::AbsurdIndirect, "absurd-indirect",
	  "offers feature-max-indirect-segments 4294967295", kOfferOutcomes,
	  HostileTrigger::AnyRequest, 0 },
	{ HostileCase::GarbageKeys, "garbage-keys",
	  "offers feature keys that are not numbers (\"-1\", \"0x10\", \"4 \", \"\")",
	  kOfferOutcomes, HostileTrigger::AnyRequest, 0 },
	{ HostileCase::WithholdProbe, "withhold-probe",
	  "answers nothing from the disk's first read (its probe) on; after "
	  "give-up s goes Closing",
	  kSeesError | kSeesNoDisk, HostileTrigger::AnyRequest, 0 },
	{ HostileCase::RestartProbe, "restart-probe",
	  "restart with the disk's first read (its probe) unanswered, then "
	  "serves the new connection",
	  kSeesOk, HostileTrigger::AnyRequest, 0 },
	{ HostileCase::CloseInflightProbe, "close-inflight-probe",
	  "offers no persistent grants and does as close-inflight from the "
	  "disk's first read (its probe) on",
	  kSeesError | kSeesNoDisk, HostileTrigger::AnyRequest, 0 },
};

double parse_seconds(const std::string &v, const std::string &what)
{
	char *end = nullptr;

	errno = 0;
	double d = strtod(v.c_str(), &end);

	if (v.empty() || *end || errno || !(d >= 0 && d <= 3600))
		throw UsageError(what + " '" + v + "' is not a number of seconds in [0, 3600]");
	return d;
}

} // namespace

const std::vector<HostileCaseInfo> &hostile_cases()
{
	return kCases;
}

const HostileCaseInfo *find_hostile_case(const std::string &name)
{
	for (const auto &c : kCases)
		if (name == c.name)
			return &c;
	return nullptr;
}

std::string outcome_names(unsigned allowed)
{
	std::string s;

	for (auto [bit, name] : { std::pair{ kSeesOk, "ok" }, std::pair{ kSeesError, "error" },
				  std::pair{ kSeesNoDisk, "nodisk" } }) {
		if (!(allowed & bit))
			continue;
		if (!s.empty())
			s += '|';
		s += name;
	}
	return s;
}

bool HostileScript::restarts() const
{
	switch (id()) {
	case HostileCase::Restart:
	case HostileCase::ReconnectSectorSize:
	case HostileCase::ReconnectFeatures:
	case HostileCase::RestartProbe:
		return true;
	default:
		return false;
	}
}

bool HostileScript::closes_inflight() const
{
	return id() == HostileCase::CloseInflight || id() == HostileCase::CloseInflightProbe;
}

HostileScript parse_hostile_script(const std::string &text)
{
	HostileScript s;
	size_t colon = text.find(':');
	std::string name = text.substr(0, colon);

	s.info = find_hostile_case(name);
	if (!s.info)
		throw UsageError("unknown case '" + name + "' (see --list)");
	s.after = s.info->after;
	if (colon == std::string::npos)
		return s;
	std::string rest = text.substr(colon + 1);

	if (rest.empty())
		throw UsageError("script '" + text + "': nothing after ':'");
	for (size_t pos = 0; pos <= rest.size();) {
		size_t comma = rest.find(',', pos);
		std::string kv = rest.substr(pos, comma == std::string::npos ? std::string::npos
									     : comma - pos);
		size_t eq = kv.find('=');

		if (eq == std::string::npos || eq == 0)
			throw UsageError("script '" + text + "': '" + kv + "' is not KEY=VALUE");
		std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);

		if (k == "after")
			s.after = static_cast<unsigned>(parse_size(v, "after"));
		else if (k == "give-up")
			s.give_up = parse_seconds(v, "give-up");
		else if (k == "hold")
			s.hold = parse_seconds(v, "hold");
		else if (k == "reconnect-wait")
			s.reconnect_wait = parse_seconds(v, "reconnect-wait");
		else
			throw UsageError("script '" + text + "': unknown key '" + k +
					 "' (after, give-up, hold, reconnect-wait)");
		if (comma == std::string::npos)
			break;
		pos = comma + 1;
	}
	if (s.after > 1000000)
		throw UsageError("script '" + text + "': after is above 1000000");
	return s;
}

BackOfferKeys offer_keys(const HostileScript &s, unsigned connection)
{
	BackOfferKeys k;

	switch (s.id()) {
	case HostileCase::AbsurdOrder:
		k.max_ring_order = "4294967295";
		break;
	case HostileCase::AbsurdQueues:
		k.max_queues = "4294967295";
		break;
	case HostileCase::AbsurdIndirect:
		k.max_indirect = "4294967295";
		break;
	case HostileCase::GarbageKeys:
		k.persistent = "yes";
		k.max_ring_order = "-1";
		k.max_queues = "0x10";
		k.max_indirect = "4 ";
		k.flush = "";
		break;
	case HostileCase::ReconnectSectorSize:
		if (connection > 0)
			k.sector_size = 4096;
		break;
	case HostileCase::CloseInflightProbe:
		// the probe's pages are then the guest's own, not pool pages
		k.persistent = "0";
		break;
	case HostileCase::ReconnectFeatures:
		if (connection > 0) {
			k.persistent = "0";
			k.max_ring_order = "0";
			k.max_queues = "1";
			k.max_indirect = "0";
			k.flush = "0";
		}
		break;
	default:
		break;
	}
	return k;
}

unsigned int vdev_number(const std::string &name)
{
	if (name.size() < 4 || name.size() > 7 || name.rfind("xvd", 0) != 0)
		throw UsageError("'" + name + "' is not an xvd disk name (xvda, xvdb, ...)");
	unsigned int n = 0;

	// bijective base 26: a=1 .. z=26, aa=27
	for (size_t i = 3; i < name.size(); i++) {
		if (name[i] < 'a' || name[i] > 'z')
			throw UsageError("'" + name +
					 "' is not an xvd disk name (xvda, xvdb, ...)");
		n = n * 26 + static_cast<unsigned int>(name[i] - 'a' + 1);
	}
	unsigned int disk = n - 1;

	if (disk < 16)
		return 202u << 8 | disk << 4;
	if (disk >= (1u << 20))
		throw UsageError("'" + name + "' is beyond the extended virtual-device range");
	return 1u << 28 | disk << 8;
}

} // namespace pvblk::ring
