// Turns a loaded scenario, parameter overrides and chosen fixes into a
// RunPlan: one model per point of the timeline, built up front.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/run_plan.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

struct PlannedRun {
  RunPlan plan;
  ParamValues params;              // resolved values at t = 0
  std::vector<std::string> fixes;  // applied, in order
  SloSpec slo;
};

// Throws ScenarioError for unknown params or fixes and broken builds.
PlannedRun plan_run(ScenarioScript& script, const ParamValues& overrides, const std::vector<std::string>& fixes,
                    std::uint64_t seed);

}  // namespace perfloop
