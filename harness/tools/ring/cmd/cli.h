// SPDX-License-Identifier: GPL-2.0-only
//
// Command-line parsing for the pvblk-ring subcommands: "--name value" or
// "--name=value", flags without a value, --help on each; exit codes.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pvblk::ring {

// Exit codes of pvblk-ring (documented in Documentation/harness.rst).
enum Exit : int {
	kExitOk = 0,
	kExitFailed = 1,	// the run failed: I/O errors, verify mismatch, attack verdict
	kExitUsage = 2,		// bad command line
	kExitEnv = 3,		// not a Xen dom0, Xen library, xenstore or backend trouble
	kExitBadInput = 4,	// malformed or truncated input file
	kExitInterrupted = 130, // SIGINT/SIGTERM: torn down cleanly, then exited
};

class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Trouble with the environment (exit 3).
class EnvError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct OptSpec {
	const char *name; // without the leading "--"
	const char *arg;  // nullptr for a flag, else the value's name
	const char *help;
	const char *def = nullptr; // default, shown in --help
};

class Options {
public:
	// Parses @args (after the subcommand name). Throws UsageError.
	Options(const std::vector<OptSpec> &spec, const std::vector<std::string> &args);

	bool help() const { return help_; }
	bool has(const std::string &name) const;
	std::string str(const std::string &name) const; // value or default
	uint64_t u64(const std::string &name, uint64_t lo, uint64_t hi) const;
	double real(const std::string &name, double lo, double hi) const;
	const std::vector<std::string> &positional() const { return pos_; }

private:
	const std::vector<OptSpec> &spec_;
	std::map<std::string, std::string> vals_;
	std::vector<std::string> pos_;
	bool help_ = false;
	const OptSpec *find(const std::string &name) const;
};

// "Usage: ..." and one line per option.
std::string usage(const std::string &synopsis, const std::string &what,
		  const std::vector<OptSpec> &spec);

// Parse a size with an optional k/m/g (x1024) suffix.
uint64_t parse_size(const std::string &s, const std::string &what);

} // namespace pvblk::ring
