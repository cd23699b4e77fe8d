// SPDX-License-Identifier: GPL-2.0-only
//
// Malicious frontend behaviour: the table of attacks, one entry each with
// what it sends, the answer a correct backend gives (an error response,
// or a stopped ring) and the function that sends it and checks that.
// pvblk-ring attack reads everything it knows of an attack from here.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace pvblk::ring {

class Attacker;

struct AttackResult {
	bool pass = false;
	std::string detail; // what the backend did
};

struct Attack {
	const char *name;
	const char *what;		 // what is sent
	const char *expect;		 // what a correct backend does
	bool read_only;			 // needs a read-only attach
	AttackResult (*run)(Attacker &); // send it, judge the answer
};

// Every attack, in the order "attack all" runs them.
std::span<const Attack> attack_table();

// The attack called @name, or nullptr.
const Attack *find_attack(std::string_view name);

} // namespace pvblk::ring
