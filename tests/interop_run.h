// The run the trace and metrics export tests read: the /checkout incident
// (seed 1), shortened to half an hour with the deploy at 10 minutes so the
// export holds a baseline and an incident and each test stays quick. One
// run, shared by every test that asks for it.
#pragma once

#include <utility>

#include "sim/engine/simulation.h"
#include "sim/scenarios/scenario_loader.h"
#include "sim/scenarios/scenario_plan.h"
#include "test_support.h"

namespace perfloop::test {

struct InteropRun {
  PlannedRun planned;
  Simulation sim;
  explicit InteropRun(PlannedRun p) : planned(std::move(p)), sim(planned.plan) { sim.run(); }
};

inline constexpr double kInteropRunS = 1800;
inline constexpr double kInteropDeployS = 600;

inline const InteropRun& interop_run() {
  static const InteropRun run = [] {
    ScenarioScript script = ScenarioScript::load(source_path("scenarios/checkout-inventory-payload.lua"));
    return InteropRun(plan_run(script, {{"duration_s", kInteropRunS}, {"deploy_at_s", kInteropDeployS}}, {}, 1));
  }();
  return run;
}

}  // namespace perfloop::test
