// The runs the loop is graded on: the scenario as it happened, and the same
// run with any sequence of fixes landing at the scenario's fix times. Each
// run forks from the one without its last fix, at the moment that fix lands,
// so every alternative sees the same requests and random numbers, and only
// the part after the fix is simulated again.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"

namespace perfloop {

class WhatIfRuns {
 public:
  // Throws ScenarioError for bad overrides or a broken build.
  WhatIfRuns(ScenarioScript& script, ParamValues overrides, std::uint64_t seed);

  ScenarioScript& script() { return script_; }
  const ScenarioBuild& build() const { return build_; }
  const PlannedRun& planned() const { return planned_; }
  std::uint64_t seed() const { return seed_; }
  const ParamValues& overrides() const { return overrides_; }

  // The finished run with `fixes` landing in order. Runs are cached, the
  // least recently used dropped beyond a budget (and redone if asked for
  // again), so the reference is good until the next call.
  const Simulation& run(const std::vector<std::string>& fixes);
  // When the index-th fix of a sequence lands (0-based).
  SimTime fix_time(std::size_t index) const;
  // How many runs have been simulated (not served from the cache).
  int simulated() const { return simulated_; }

 private:
  struct Entry {
    std::unique_ptr<Simulation> paused;    // stopped just before the next fix would land
    std::unique_ptr<Simulation> finished;
    std::uint64_t last_used = 0;
  };
  // Runs held at once: each is a few MB, and a random walk through a
  // three-bottleneck playbook visits hundreds of fix sequences.
  static constexpr std::size_t kMaxEntries = 24;
  void evict();
  Entry& entry(const std::vector<std::string>& fixes);
  void finish(Entry& e, std::unique_ptr<Simulation> sim, std::size_t fixes);

  ScenarioScript& script_;
  ParamValues overrides_;
  std::uint64_t seed_;
  ScenarioBuild build_;
  PlannedRun planned_;
  std::map<std::vector<std::string>, Entry> cache_;
  int simulated_ = 0;
  std::uint64_t clock_ = 0;
};

}  // namespace perfloop
