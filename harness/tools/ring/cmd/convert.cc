// SPDX-License-Identifier: GPL-2.0-only
//
// pvblk-ring convert: a trace file to the other form (binary <-> text).
#include <iostream>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "trace/trace_format.h"

namespace pvblk::ring {

int cmd_convert(const Args &args)
{
	static const std::vector<OptSpec> spec = {
		{ "to", "text|binary", "output form", "the other one" },
	};
	Options o(spec, args);

	if (o.help()) {
		std::cout << usage(
			"convert [--to text|binary] IN OUT",
			"Convert a trace between its binary and text forms; the input's\n"
			"form is recognised from its first bytes. Malformed input is\n"
			"rejected with the byte offset of the problem (exit 4).",
			spec);
		return kExitOk;
	}
	if (o.positional().size() != 2)
		throw UsageError("convert needs IN and OUT");
	const std::string &in = o.positional()[0], &out = o.positional()[1];
	auto recs = trace::read_file(in);
	bool text;

	if (o.has("to")) {
		if (o.str("to") != "text" && o.str("to") != "binary")
			throw UsageError("--to must be text or binary");
		text = o.str("to") == "text";
	} else {
		text = trace::is_binary_file(in);
	}
	trace::write_file(out, recs, text);
	std::cout << "convert: " << recs.size() << " records to " << (text ? "text" : "binary")
		  << " " << out << "\n";
	return kExitOk;
}

} // namespace pvblk::ring
