// A game day's service, running live: simulated only as far as the game
// clock has gone, so nothing from the future exists yet. A fix lands at the
// simulated moment the team applies it (the run goes on from there with the
// same random numbers, as the loop's what-if runs do), the page is the first
// SLO burn alert that fires, and recovery is watched for after the first fix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine/simulation.h"
#include "sim/gameday/recovery_watch.h"
#include "sim/scenarios/scenario_plan.h"

namespace perfloop {

struct AppliedFix {
  std::size_t bottleneck = 0;
  std::string id;
  SimTime at = 0;
  bool right = false;  // one of the bottleneck's right fixes
};

class LiveRun {
 public:
  // Throws ScenarioError for bad overrides, a broken build, or a scenario
  // without a fix_at_s parameter (a live fix lands by moving it).
  LiveRun(ScenarioScript& script, ParamValues overrides, std::uint64_t seed);
  LiveRun(const LiveRun&) = delete;
  LiveRun& operator=(const LiveRun&) = delete;

  const ScenarioBuild& build() const { return build_; }
  const SloSpec& slo() const { return planned_.slo; }
  SimTime horizon() const { return sim_.duration(); }
  SimTime now() const { return sim_.now(); }
  bool finished() const { return sim_.finished(); }
  const Simulation& simulation() const { return sim_; }

  // Simulates up to t (at most the horizon); never backwards.
  void advance_to(SimTime t);
  // Lands `fix` for bottleneck `bottleneck` now. A later fix for the same
  // bottleneck takes the earlier one's place (the team backs a change out
  // when it did not help). Throws ScenarioError for an unknown fix id.
  void apply_fix(std::size_t bottleneck, const std::string& fix);

  // The first SLO alert that fired, and its text.
  std::optional<SimTime> page() const { return page_; }
  const std::string& page_text() const { return page_text_; }
  std::optional<SimTime> recovered() const { return recovery_.recovered(); }
  const RecoveryWatch& recovery() const { return recovery_; }
  const std::vector<AppliedFix>& fixes() const { return applied_; }

 private:
  void scan();

  ScenarioScript& script_;
  ParamValues overrides_;
  std::uint64_t seed_;
  PlannedRun planned_;
  ScenarioBuild build_;
  Simulation sim_;
  std::vector<std::string> in_force_;  // by bottleneck; empty: none
  std::vector<AppliedFix> applied_;
  RecoveryWatch recovery_;
  std::optional<SimTime> page_;
  std::string page_text_;
  std::size_t events_read_ = 0;
};

// The headlines a scenario's bottlenecks are measured by, with their targets.
std::vector<HeadlineWatch> headline_watches(const ScenarioBuild& build);

}  // namespace perfloop
