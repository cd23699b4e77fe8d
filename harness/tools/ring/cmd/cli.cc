// SPDX-License-Identifier: GPL-2.0-only
//
// Command-line parsing; see cli.h.
#include "cmd/cli.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace pvblk::ring {

Options::Options(const std::vector<OptSpec> &spec, const std::vector<std::string> &args)
	: spec_(spec)
{
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];

		if (a == "--help" || a == "-h") {
			help_ = true;
			continue;
		}
		if (a.rfind("--", 0) != 0) {
			pos_.push_back(a);
			continue;
		}
		std::string name = a.substr(2), val;
		bool inline_val = false;
		size_t eq = name.find('=');

		if (eq != std::string::npos) {
			val = name.substr(eq + 1);
			name.resize(eq);
			inline_val = true;
		}
		const OptSpec *o = find(name);

		if (!o)
			throw UsageError("unknown option --" + name);
		if (!o->arg) {
			if (inline_val)
				throw UsageError("--" + name + " takes no value");
			val = "1";
		} else if (!inline_val) {
			if (i + 1 >= args.size())
				throw UsageError("--" + name + " needs a value (" + o->arg + ")");
			val = args[++i];
		}
		vals_[name] = val;
	}
}

const OptSpec *Options::find(const std::string &name) const
{
	for (const auto &o : spec_)
		if (name == o.name)
			return &o;
	return nullptr;
}

bool Options::has(const std::string &name) const
{
	return vals_.count(name) != 0;
}

std::string Options::str(const std::string &name) const
{
	auto it = vals_.find(name);

	if (it != vals_.end())
		return it->second;
	const OptSpec *o = find(name);

	return o && o->def ? o->def : "";
}

uint64_t Options::u64(const std::string &name, uint64_t lo, uint64_t hi) const
{
	std::string s = str(name);

	if (s.empty())
		throw UsageError("--" + name + " is required");
	uint64_t v = parse_size(s, "--" + name);

	if (v < lo || v > hi)
		throw UsageError("--" + name + " " + s + " is out of range [" + std::to_string(lo) +
				 ", " + std::to_string(hi) + "]");
	return v;
}

double Options::real(const std::string &name, double lo, double hi) const
{
	std::string s = str(name);
	char *end = nullptr;

	errno = 0;
	double v = strtod(s.c_str(), &end);

	if (s.empty() || *end || errno || v < lo || v > hi)
		throw UsageError("--" + name + " '" + s + "' is not a number in [" +
				 std::to_string(lo) + ", " + std::to_string(hi) + "]");
	return v;
}

uint64_t parse_size(const std::string &s, const std::string &what)
{
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			throw UsageError(what + " '" + s + "' is too large");
		v = v * 10 + static_cast<uint64_t>(s[i] - '0');
	}
	if (i == 0)
		throw UsageError(what + " '" + s + "' is not a number");
	if (i + 1 == s.size()) {
		switch (s[i]) {
		case 'k':
		case 'K':
			mul = 1ull << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ull << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ull << 30;
			break;
		default:
			throw UsageError(what + " '" + s + "': unknown suffix");
		}
	} else if (i != s.size()) {
		throw UsageError(what + " '" + s + "' is not a number");
	}
	if (v > UINT64_MAX / mul)
		throw UsageError(what + " '" + s + "' is too large");
	return v * mul;
}

std::string usage(const std::string &synopsis, const std::string &what,
		  const std::vector<OptSpec> &spec)
{
	std::ostringstream o;

	o << "Usage: pvblk-ring " << synopsis << "\n" << what << "\n\nOptions:\n";
	for (const auto &s : spec) {
		std::string left = std::string("  --") + s.name +
				   (s.arg ? std::string(" ") + s.arg : "");

		if (left.size() < 26)
			left.resize(26, ' ');
		else
			left += "\n" + std::string(26, ' ');
		o << left << s.help;
		if (s.def)
			o << " (default " << s.def << ")";
		o << "\n";
	}
	o << "  --help                  this text\n";
	return o.str();
}

} // namespace pvblk::ring
