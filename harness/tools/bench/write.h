// SPDX-License-Identifier: GPL-2.0-only
// The benchmark report's outputs: CSV, JSON, a text table and a gnuplot
// script that draws the PNG plots. Every one carries the emulation note
// when any boot ran on the QEMU rig.
#pragma once

#include <ostream>
#include <string>

#include "aggregate.h"

namespace pvblk::bench {

extern const char *const emulation_note;

void write_csv(std::ostream &out, const Report &r);
void write_json(std::ostream &out, const Report &r);
void write_table(std::ostream &out, const Report &r);
// A gnuplot script writing iops-vs-guests.png and iops-vs-vcpus.png into
// the current directory; the data is inline.
void write_gnuplot(std::ostream &out, const Report &r);

// JSON string literal of s (quotes included).
std::string json_string(const std::string &s);

} // namespace pvblk::bench
