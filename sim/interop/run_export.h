// One export of a run, as `perfloop export` and the app's Export buttons ask
// for it: the scenario run again with the same seed, parameters and fixes
// (same seed, same numbers), then the window written in the chosen format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/interop/export_clock.h"

namespace perfloop {

struct RunExportRequest {
  std::string scenario_path;
  std::uint64_t seed = 1;
  ParamValues params;
  std::vector<std::string> fixes;  // at their fix times, as `simulate --fix` lands them
  std::string what = "profile";    // profile, trace, metrics
  std::string format;              // empty: pprof, chrome, openmetrics
  std::string endpoint;            // empty: the SLO's for a profile, every endpoint otherwise
  std::string stream = "cpu";      // a profile's: cpu, alloc, offcpu, mutex
  double from_s = -1.0, to_s = -1.0;  // < 0: the run's start, its end
  ExportClock clock;
};

struct RunExport {
  std::string bytes;
  std::string format;
  std::string summary;  // "cpu profile of /checkout, 50935 requests"
};

// The format `what` takes when none is named, and every one it takes.
std::string default_export_format(const std::string& what);
std::string export_formats_of(const std::string& what);

// Throws std::invalid_argument for a request that does not fit (a format of
// another kind, an unknown endpoint, a window outside the run) and
// ScenarioError for a scenario that does not load or build.
RunExport export_run(const RunExportRequest& request);

}  // namespace perfloop
