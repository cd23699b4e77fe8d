// SPDX-License-Identifier: GPL-2.0-only
//
// The attacks' functions, for the table in attacks.cc; each sends its
// attack on a fresh VBD and judges the backend's answer.
#pragma once

#include "attack/attacks.h"

namespace pvblk::ring::attack {

// malformed.cc: requests a backend must refuse with an error response
AttackResult bad_op(Attacker &a);
AttackResult zero_segs(Attacker &a);
AttackResult too_many_segs(Attacker &a);
AttackResult first_gt_last(Attacker &a);
AttackResult last_ge_8(Attacker &a);
AttackResult past_end(Attacker &a);
AttackResult write_ro(Attacker &a);
AttackResult bad_gref(Attacker &a);
AttackResult indirect_too_many(Attacker &a);
AttackResult indirect_bad_op(Attacker &a);

// ring_abuse.cc: the shared ring and the event channel misused
AttackResult prod_overflow(Attacker &a);
AttackResult rsp_scribble(Attacker &a);
AttackResult evtchn_storm(Attacker &a);
AttackResult dup_id(Attacker &a);

// grant_flood.cc
AttackResult grant_flood(Attacker &a);

// teardown.cc: Closing with the ring busy
AttackResult teardown_inflight(Attacker &a);
AttackResult close_under_discards(Attacker &a);

} // namespace pvblk::ring::attack
