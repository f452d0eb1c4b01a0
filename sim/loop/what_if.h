// The runs the loop is graded on: the scenario as it happened, and the same
// run with any sequence of fixes landing at the scenario's fix times. Each
// run forks from the one without its last fix, at the moment that fix lands,
// so every alternative sees the same requests and random numbers, and only
// the part after the fix is simulated again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/loop/run_pool.h"
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
  // The same run, simulated at least up to `t` (every window that ends by
  // then closed) but perhaps no further: what a capture of [from, t) reads,
  // the same as the finished run's, without simulating the rest.
  const Simulation& run_through(const std::vector<std::string>& fixes, SimTime t);

  // A run prefetch is to simulate, and how far.
  struct Wanted {
    std::vector<std::string> fixes;
    SimTime through = kToTheEnd;  // run_through()'s t; the prefixes go as far as their forks need
    // Called on the simulating thread once the run has gone at least as
    // far as `through` (perhaps further): to read it there, in parallel
    // with the runs still going. Not called for a run prefetch leaves to run().
    std::function<void(const Simulation&)> reached = {};
  };
  static constexpr SimTime kToTheEnd = -1;
  // Queues on `pool` every wanted run not yet cached (and their shorter
  // prefixes), each fork started as soon as the run it forks from reaches
  // the fix; pool.run_all() simulates them and caches them, and run() and
  // run_through() then return them as if they had simulated them
  // themselves, to the byte. Plans here, on the calling thread (Lua is not
  // shared between threads); a sequence that cannot be planned, and a run
  // that fails, are left for run() to redo and report. Nothing else may use
  // this object until run_all() returns.
  void prefetch(const std::vector<Wanted>& wanted, RunPool& pool);
  // When the index-th fix of a sequence lands (0-based).
  SimTime fix_time(std::size_t index) const;
  // How many runs have been started (not served from the cache), however far each went.
  int simulated() const { return simulated_; }

 private:
  struct Prefetch;
  struct Entry {
    std::unique_ptr<Simulation> paused;  // stopped just before the next fix would land
    std::unique_ptr<Simulation> sim;     // the run itself, as far as it has been asked to go
    std::uint64_t last_used = 0;
  };
  // Runs held at once: each is a few MB, and a random walk through a
  // three-bottleneck playbook visits hundreds of fix sequences.
  static constexpr std::size_t kMaxEntries = 24;
  void evict();
  // The entry, its run started (and paused for its fork where it has one).
  Entry& entry(const std::vector<std::string>& fixes);
  // Whether a run with `fixes` stops to keep a copy before the next fix.
  bool pauses_for_next(std::size_t fixes, SimTime duration) const;
  // Takes e.sim up to `t` (kToTheEnd: its end), keeping the copy to fork
  // from on the way; calls `paused` once that copy exists. A run is always
  // one Simulation taken forward, wherever it stops on the way. Touches
  // nothing of this object's but what is fixed at construction, so prefetch
  // runs it on many threads.
  void advance(Entry& e, std::size_t fixes, SimTime t, const std::function<void(const Simulation&)>& paused = {}) const;
  // The fork of `parent` (paused just before it) that lands the last of
  // `fixes`, planned as `with`.
  std::unique_ptr<Simulation> fork_with_fix(const Simulation& parent, const std::vector<std::string>& fixes,
                                            const PlannedRun& with) const;

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
