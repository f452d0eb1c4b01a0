// What `perfloop check --simulate` proves: a scenario file makes claims
// about its own simulation (where the symptom starts, which frame the
// stream shows, which fixes work, what each future change does and which
// gate catches it, that the frames its gates watch exist, that the expert
// can score), and a structural check cannot see whether they are true. These run the scenario once, reuse the runs
// for every claim, and say for each what was measured. The catalogue's
// tests call the same functions, so the two cannot drift.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/loop/loop_session.h"

namespace perfloop {

struct ClaimResult {
  // onset, hot spot, right fix, smaller hot spot, wrong fix, elsewhere fix,
  // future change, gated regression, gate frame, expert score
  std::string kind;
  std::string field;     // where the file makes it, counting from 1: bottlenecks[1].wrong_fixes[2] "add_cores"
  std::string claim;     // what it claims, in a few words
  std::string measured;  // what the runs measured
  bool ok = false;
};

// Bounds the claims are held to (scenarios/README.md gives them in words).
// A symptom's headline, over the metric windows just after its onset
// against those just before, must be worse in this share of the pairs of
// windows, and its median worse by at least this fraction.
inline constexpr double kOnsetWorsePairsMin = 0.8;
inline constexpr double kOnsetMoveMin = 0.05;
// The hot frame's share of its stream (of CPU samples, bytes allocated or
// time off CPU; a span's share of the request) over the time the bottleneck
// is live, in percent; and how many times what it costs a request must
// have grown since before the onset.
inline constexpr double kHotShareMinPct = 10.0;
inline constexpr double kHotGrowthMin = 1.2;
// A fix that works somewhere off the critical path moves the headline by less than this.
inline constexpr double kElsewhereMoveMax = 0.10;
// A harmful future change moves some headline by at least this much.
inline constexpr double kHarmfulMoveMin = 0.08;
// The expert's total, out of 100.
inline constexpr double kExpertScoreMin = 95.0;

// Every claim of the scenario at its default params with `seed`. Throws
// ScenarioError when the loop cannot be played on it at all (a fix that
// would land after the run ends).
std::vector<ClaimResult> prove_claims(ScenarioScript& script, std::uint64_t seed = 1);

// The same by part, on a session that may already hold the runs.
std::vector<ClaimResult> prove_symptom_claims(LoopSession& session);  // onsets and hot spots
std::vector<ClaimResult> prove_fix_claims(LoopSession& session);      // right, wrong and elsewhere fixes
std::vector<ClaimResult> prove_future_claims(LoopSession& session);   // harmful and harmless changes, caught by a gate
std::vector<ClaimResult> prove_gate_claims(LoopSession& session);     // the frames frame_ms gates watch exist
ClaimResult prove_expert_claim(LoopSession& session, const std::string& scenario_id);

// One line for a false claim: `field: claim, but measured`.
std::string claim_line(const ClaimResult& claim);
// What a set of claims proved, e.g. "1 onset, 1 hot spot, 2 right fixes, ... (23 claims)".
std::string claims_summary(const std::vector<ClaimResult>& claims);

}  // namespace perfloop
