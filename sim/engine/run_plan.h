// What to simulate: the model variants of one run and when each takes over.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/engine/time.h"

namespace perfloop {

// A scheduled change to the running service: at `at` the engine switches to
// models[model]; a non-empty `phase` starts a new phase of the run.
struct Stage {
  SimTime at = 0;
  int model = 0;
  std::string phase;
  std::string kind;     // deploy, config, fix, load
  std::string service;
  std::string text;     // one-line diff for the deploy log
  bool cancelled = false;  // dropped from a fork that takes another path from here
};

struct RunPlan {
  std::string scenario;
  std::uint64_t seed = 1;
  SimTime duration = 600 * kNsPerS;
  SimTime window = 10 * kNsPerS;
  std::string first_phase = "baseline";
  std::vector<ModelSpec> models;  // models[0] runs from t = 0
  std::vector<Stage> stages;      // sorted by time
  int slowest_traces_per_window = 2;  // per endpoint, kept besides head sampling
};

}  // namespace perfloop
