// SPDX-License-Identifier: GPL-2.0-only
//
// The pvblk-ring subcommands; each returns an exit code (cli.h) and
// throws UsageError / EnvError / trace::FormatError for main() to report.
#pragma once

#include <string>
#include <vector>

namespace pvblk::ring {

using Args = std::vector<std::string>;

int cmd_convert(const Args &args);
int cmd_generate(const Args &args);
int cmd_replay(const Args &args);
int cmd_record(const Args &args);
int cmd_attack(const Args &args);
int cmd_attach(const Args &args);
int cmd_backend(const Args &args);

} // namespace pvblk::ring
