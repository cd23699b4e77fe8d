// SPDX-License-Identifier: GPL-2.0-only
//
// Malicious frontend behaviour, one attack per name, each with the answer
// a correct backend gives (an error response, or a stopped ring) checked.
#pragma once

#include <string>
#include <vector>

namespace pvblk::ring {

struct AttackInfo {
	const char *name;
	const char *what;	// what is sent
	const char *expect;	// what a correct backend does
	bool read_only;	// needs a read-only attach
};

const std::vector<AttackInfo> &attack_list();

struct AttackResult {
	bool pass = false;
	std::string detail;	// what the backend did
};

}	// namespace pvblk::ring
