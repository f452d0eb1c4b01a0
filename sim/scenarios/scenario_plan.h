// Turns a loaded scenario, parameter overrides and chosen fixes into a
// RunPlan: one model per point of the timeline, built up front.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/run_plan.h"
#include "sim/engine/simulation.h"
#include "sim/engine/time.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

struct PlannedRun {
  RunPlan plan;
  ParamValues params;              // resolved values at t = 0
  std::vector<std::string> fixes;  // applied, in order
  SloSpec slo;
  // Chosen fixes land from first_fix_s on, fix_spacing_s apart.
  double first_fix_s = 0.0;
  double fix_spacing_s = 0.0;
  // When the index-th chosen fix lands (0-based), whether or not it was chosen.
  SimTime fix_lands(std::size_t index) const { return s_to_ns(first_fix_s + static_cast<double>(index) * fix_spacing_s); }
};

// Throws ScenarioError for unknown params or fixes and broken builds.
PlannedRun plan_run(ScenarioScript& script, const ParamValues& overrides, const std::vector<std::string>& fixes,
                    std::uint64_t seed);

// A copy of `parent` (paused before `from`) that goes on under `with`: the
// changes still to come from `from` on are `with`'s. A run paused just
// before a fix lands, forked onto the plan with that fix, is the run planned
// with it from the start, to the byte, and costs only what is left.
Simulation fork_onto_plan(const Simulation& parent, SimTime from, const PlannedRun& with);

}  // namespace perfloop
