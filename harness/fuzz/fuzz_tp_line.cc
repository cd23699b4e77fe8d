// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer target: random text as lines of tracefs output, given to
// pvblk-ring record's strict parser of pvblkback's tracepoint lines and
// of lost-events notes. Each line must parse or be refused with a
// TpFormatError, never crash or throw anything else, and what parses must
// hold the invariants below. Inputs that do not start with a pvblkback
// event are given a valid prefix, so the fuzzer spends its time in the
// fields and the segment arrays.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "invariant.h"

// The parser is one translation unit with no other dependency; built in
// here with this target's sanitizers.
#include "../tools/ring/trace/tracepoint_line.cc"

using namespace pvblk::ring;

static void one_line(const std::string &line)
{
	try {
		auto e = parse_tp_line(line, 1);

		if (e && e->kind != TpKind::Done) {
			CHECK(e->segs.size() <= pvblk::trace::kMaxSegments);
			CHECK(e->at + e->segs.size() <= pvblk::trace::kMaxSegments);
			if (e->kind == TpKind::Start)
				CHECK(e->segs.size() <= e->nseg);
			else
				CHECK(!e->segs.empty());
			for (const TpSeg &s : e->segs)
				CHECK(s.first <= s.last && s.last <= 7);
		}
	} catch (const TpFormatError &err) {
		CHECK(err.line() == 1);
	}
	try {
		parse_lost_line(line, 1);
	} catch (const TpFormatError &err) {
		CHECK(err.line() == 1);
	}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kHeads[] = {
		(" k-1 [000] ..... 1.000001: pvblkback_req_start: dom 1 vbd 2 ring 0 id 5 op 1/0 "
		 "sector 0 nr_sectors 0 nseg "),
		" k-1 [000] ..... 1.000001: pvblkback_req_segs: dom 1 vbd 2 ring 0 id 5 at ",
		" k-1 [000] ..... 1.000001: pvblkback_req_done: dom 1 vbd 2 ring 0 id 5 ",
		"",
	};
	if (size < 1)
		return 0;
	std::string rest(reinterpret_cast<const char *>(data + 1), size - 1);
	std::string line = kHeads[data[0] % 4] + rest;

	// Every line of the input on its own, as the recorder reads them.
	size_t from = 0;

	while (from <= line.size()) {
		size_t nl = line.find('\n', from);

		if (nl == std::string::npos)
			nl = line.size();
		one_line(line.substr(from, nl - from));
		from = nl + 1;
	}
	return 0;
}
