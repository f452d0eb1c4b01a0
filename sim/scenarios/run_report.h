// A finished run as the command line prints it: one JSON object (the
// schema in the README) or a terminal summary, with the plan it ran.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"
#include "sim/engine/summary.h"

namespace perfloop {

struct ReportOptions {
  bool windows = false;  // include per-window metrics
  int traces = 0;        // include this many slowest traces per phase and endpoint
};

struct RunInfo {
  std::string scenario;
  std::string title;
  const PlannedRun* planned = nullptr;
  double wall_s = 0.0;
};


nlohmann::json report_json(const Simulation& sim, const RunInfo& info, const ReportOptions& options);
std::string report_text(const Simulation& sim, const RunInfo& info);

}  // namespace perfloop
