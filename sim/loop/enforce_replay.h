// Enforce, replayed: the scenario's future changes land one by one on the
// fixed service, and each chosen gate or alert measures what it measures in
// short runs before and after the change (separate seeds, as a CI job and a
// production week see different traffic), so a threshold set inside the
// noise trips at random. The verdicts are then counted: regressions caught
// before merge or paged after deploy, regressions that slipped through, and
// harmless changes that were blocked or paged for nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/loop/answers.h"
#include "sim/loop/run_pool.h"
#include "sim/engine/summary.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

struct GateReading {
  double before = 0.0;
  double after = 0.0;
};

// Would this gate, at this threshold, stop or page on this reading?
bool gate_trips(const GateSpec& gate, double threshold, const GateReading& reading);

enum class ChangeVerdict { Caught, Paged, Missed, Blocked, FalsePage, Passed };
const char* verdict_name(ChangeVerdict v);

struct ChangeReport {
  double day = 0.0;
  std::string title;
  std::string text;
  bool harmful = false;
  ChangeVerdict verdict = ChangeVerdict::Passed;
  std::vector<std::string> blocked_by;  // CI gates that failed it
  std::vector<std::string> paged_by;    // alerts that fired after it shipped
};

struct DriftPoint {
  double day = 0.0;
  double without = 0.0;  // headline with every change shipped
  double with = 0.0;     // headline with the chosen set in place
};

struct EnforceReport {
  std::vector<ChangeReport> changes;
  int harmful = 0, harmless = 0;
  double caught = 0.0;        // harmful changes stopped (1 each) or paged soon after shipping (0.7)
  double false_alarms = 0.0;  // harmless changes blocked (1 each) or paged for (0.5)
  std::vector<std::string> idle;  // chosen checks that tripped on nothing in the replay
  double gate_score = 0.0;    // caught share minus false-alarm share minus idle checks' cost, floored at 0
  bool has_runbook = false;
  double score = 0.0;         // 0..1
  std::string headline;       // what the drift tracks, e.g. "/checkout p99 (ms)"
  std::vector<DriftPoint> drift;
};

// What a replay did, in a few sentences: regressions stopped, paged and
// missed, harmless changes blocked or paged for, checks that never tripped,
// a missing runbook. Enforce's feedback and a quiz's both start with it.
std::string replay_verdicts_text(const EnforceReport& report);

class EnforceReplay {
 public:
  // `fixed` are the parameter values of the service after the incident is
  // fixed; the future changes land on top of them.
  EnforceReplay(ScenarioScript& script, const ScenarioBuild& build, ParamValues fixed, std::uint64_t seed,
                double measure_s = 300.0);

  EnforceReport evaluate(const std::vector<GateChoice>& choices, bool with_drift);
  // The readings of one gate for every future change (measures on first use).
  const std::vector<GateReading>& readings(const std::string& gate_id);
  // What every gate but a runbook entry reads when `set` lands on the fixed
  // service, by gate id: two more short runs per fixture, with seeds of their
  // own under `key` (the future changes use their index). check --simulate
  // asks it of the incident itself, for a gate that read nothing on any
  // future change.
  std::map<std::string, GateReading> change_readings(const ParamValues& set, std::uint64_t key);
  // A bottleneck's headline on the fixed service with the changes marked
  // `shipped` in place, all runs with one seed (so the differences are the
  // changes', not the noise's). The drift follows the first bottleneck's.
  double drift_headline(const std::vector<bool>& shipped, std::size_t bottleneck = 0);

  // Queues on `pool` the runs evaluate() will need: every change's
  // readings, and with `with_drift` the drift's headlines, with every change
  // shipped up to each day and with what each gate set `choices()` returns
  // lets through. choices() runs once the readings are in (it may call
  // evaluate()): on the thread that measured last, while the pool's caller
  // waits in run_all(), and the drift runs it calls for are planned there
  // too (the one use of the script off the caller's thread; nothing else
  // can reach it until run_all() returns). Results are the ones the lazy
  // path makes, to the byte.
  using ChoicesOnceMeasured = std::function<std::vector<std::vector<GateChoice>>()>;
  void prefetch(RunPool& pool, const ChoicesOnceMeasured& choices, bool with_drift);
  // How many short runs the replay has simulated (readings and drift).
  int simulated() const { return simulated_; }

 private:
  struct Pending;
  void measure();
  ParamValues drift_params(const std::vector<bool>& shipped) const;
  // The shipped sets the drift of evaluate(choices, true) reads: with
  // every change up to each day (null choices), or what `choices` let through.
  std::vector<std::vector<bool>> drift_sets(const std::vector<GateChoice>* choices);
  // Queues the drift runs of `sets` not cached, nor already in `queued`
  // (which it extends).
  void prefetch_drift(RunPool& pool, const std::vector<std::vector<bool>>& sets, std::vector<ParamValues>& queued);

  ScenarioScript& script_;
  const ScenarioBuild& build_;
  ParamValues fixed_;
  std::uint64_t seed_;
  double measure_s_;
  bool measured_ = false;
  std::map<std::string, std::vector<GateReading>> readings_;  // by gate id, one per future change
  // By the parameters the shipped changes make: two sets that land on the
  // same values (a later change undoing an earlier one) are the same run.
  std::map<ParamValues, PhaseSummary> drift_cache_;
  int simulated_ = 0;
};

}  // namespace perfloop
