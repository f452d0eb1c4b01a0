// The expert's answers: the scenario's truth for what it knows (symptom,
// stream, hot spot, families, the right fix), and for what only a
// measurement can tell (the hot spot's share, the outcome of the fix, which
// gates earn their keep) the readings of the same simulation a learner
// would read. `perfloop solve` prints them; the tests use them as the key.
#pragma once

#include "sim/loop/answers.h"
#include "sim/loop/loop_session.h"

namespace perfloop {

// With `then_graded`, also simulates beforehand, on the same cores, what
// grading these answers will add: the Enforce drift (for a caller that
// grades the key next, as the bench and the app's demonstration do).
Answers expert_answers(LoopSession& session, const std::string& scenario_id, bool then_graded = false);

// The gate set with the best Enforce score at suggested thresholds, every
// runbook entry included.
std::vector<GateChoice> best_gate_set(LoopSession& session);

}  // namespace perfloop
