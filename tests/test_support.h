// Helpers shared by the engine tests: run a scenario file from the source
// tree and summarise it.
#pragma once

#include <string>
#include <vector>

#include "sim/scenarios/run_report.h"
#include "sim/scenarios/scenario_loader.h"
#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"

namespace perfloop::test {

// A path inside the source tree; absolute paths are kept as they are.
inline std::string source_path(const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : std::string(PERFLOOP_SOURCE_DIR) + "/" + path;
}

struct RunResult {
  PlannedRun planned;
  std::vector<PhaseSummary> phases;
  nlohmann::json json;  // report_json without perf
};

inline RunResult run_scenario(const std::string& relative_path, const ParamValues& params = {},
                              const std::vector<std::string>& fixes = {}, std::uint64_t seed = 1) {
  ScenarioScript script = ScenarioScript::load(source_path(relative_path));
  RunResult result;
  result.planned = plan_run(script, params, fixes, seed);
  Simulation sim(result.planned.plan);
  sim.run();
  result.phases = summarise_phases(sim, result.planned.slo);
  RunInfo info{script.id(), script.title(), &result.planned, 0.0};
  result.json = report_json(sim, info, ReportOptions{true, 3});
  result.json.erase("perf");
  return result;
}

inline const PhaseSummary& phase(const RunResult& r, const std::string& name) {
  for (const auto& p : r.phases)
    if (p.name == name) return p;
  throw std::runtime_error("no phase " + name);
}

inline double frame_pct(const EndpointSummary& e, const std::string& frame) {
  for (const auto& f : e.profile_cpu)
    if (f.frame == frame) return f.self_pct;
  return 0.0;
}

}  // namespace perfloop::test
