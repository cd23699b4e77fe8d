// SPDX-License-Identifier: GPL-2.0-only
//
// The attack table: well formed, and the attacks Documentation/harness.rst
// lists under "attack NAME...|all" are exactly its attacks.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attack/attacks.h"

using namespace pvblk::ring;

namespace {

// A table border of the subcommand list: indented, "=" and blanks only.
bool is_border(const std::string &line)
{
	return line.rfind("    =", 0) == 0 && line.find_first_not_of("= ") == std::string::npos;
}

// The names in the first table after the "attack NAME...|all" item of
// the subcommand list: the ``name`` that opens each row.
std::vector<std::string> documented_attacks(const std::string &rst)
{
	std::istringstream in(rst);
	std::string line;
	std::vector<std::string> names;
	const std::string open = "    ``";
	int borders = 0;
	bool in_item = false;

	while (std::getline(in, line) && borders < 2) {
		if (!in_item) {
			in_item = line.rfind("``attack NAME", 0) == 0;
			continue;
		}
		if (is_border(line)) {
			borders++;
		} else if (borders == 1 && line.rfind(open, 0) == 0) {
			size_t end = line.find("``", open.size());
			if (end != std::string::npos)
				names.push_back(line.substr(open.size(), end - open.size()));
		}
	}
	return names;
}

} // namespace

TEST(AttackTable, WellFormed)
{
	std::set<std::string> seen;

	ASSERT_FALSE(attack_table().empty());
	for (const Attack &a : attack_table()) {
		EXPECT_TRUE(seen.insert(a.name).second) << "twice: " << a.name;
		EXPECT_NE(std::string(a.what), "") << a.name;
		EXPECT_NE(std::string(a.expect), "") << a.name;
		EXPECT_NE(a.run, nullptr) << a.name;
		EXPECT_EQ(find_attack(a.name), &a) << a.name;
		EXPECT_NE(std::string(a.name), "all"); // "attack all" runs them all
	}
	EXPECT_EQ(find_attack("no-such-attack"), nullptr);
	EXPECT_EQ(find_attack("all"), nullptr);
}

TEST(AttackTable, MatchesTheDocumentation)
{
	const std::string path = PVBLK_ROOT_DIR "/Documentation/harness.rst";
	std::ifstream f(path);
	ASSERT_TRUE(f) << "cannot read " << path;
	std::stringstream rst;
	rst << f.rdbuf();

	std::vector<std::string> doc = documented_attacks(rst.str());
	ASSERT_FALSE(doc.empty()) << path << ": no attack table under ``attack NAME...|all``";
	std::set<std::string> documented(doc.begin(), doc.end()), table;
	for (const Attack &a : attack_table())
		table.insert(a.name);
	for (const auto &n : table)
		EXPECT_TRUE(documented.count(n)) << n << " is not in " << path;
	for (const auto &n : documented)
		EXPECT_TRUE(table.count(n)) << path << " lists " << n << ", which is no attack";
	EXPECT_EQ(doc.size(), documented.size()) << path << " lists an attack twice";
}
