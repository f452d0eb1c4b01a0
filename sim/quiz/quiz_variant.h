// A quiz card's case: its scenario with the clock squeezed and the numbers
// moved. The run is shortened to about ten simulated minutes (the scenario's
// times in seconds scaled together, so the onset, the fix and the end keep
// their order), which keeps a card within a second of the engine's time; and
// the load and the service's figures each move by up to 15%, so no two cards
// show the same numbers and a learner has to read them, not remember them.
#pragma once

#include <cstdint>

#include "sim/engine/model.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

inline constexpr double kQuizRunSeconds = 600.0;
inline constexpr double kQuizSpread = 1.15;  // each figure within [1/1.15, 1.15] of its default

// How a variant is drawn: attempts 0..2 move the figures; attempt 3 keeps
// the defaults on the squeezed clock; attempt 4 is the scenario as written.
// A card takes the first attempt whose run shows its bottleneck.
inline constexpr int kVariantAttempts = 5;

ParamValues quiz_variant(const ScenarioScript& script, std::uint32_t seed, int attempt);

// The run's seed for that attempt.
std::uint64_t quiz_run_seed(std::uint32_t seed, int attempt);

}  // namespace perfloop
