// Everything the eight steps are graded against, for one scenario, seed and
// set of parameter overrides: the what-if runs, the Enforce replay, and the
// figures each fix sequence produces, computed once and shared by every
// answers file graded in the session (the expert's, a class's, a quiz's).
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sim/engine/capture.h"
#include "sim/loop/enforce_replay.h"
#include "sim/engine/summary.h"
#include "sim/loop/what_if.h"

namespace perfloop {

// The headline a bottleneck's symptom is measured by, from a summary.
double headline_value(const EndpointSummary& endpoint, const std::string& metric);
// "ms", "%", "req/s".
const char* headline_unit(const std::string& metric);
// Lower is better except for throughput.
bool headline_meets(const std::string& metric, double value, double target);

struct Change {
  std::string name;
  double before = 0.0, after = 0.0;
};

// What one fix sequence did to bottleneck k (its last fix), in the phases
// just before and just after that fix landed.
struct FixOutcome {
  double headline_before = 0.0, headline_after = 0.0;
  double hotspot_before = 0.0, hotspot_after = 0.0;  // the truth's hot frame or span, per request
  std::string hotspot_unit;
  bool target_met = false;
  std::string widest_frame;  // the widest self-CPU frame on the symptom endpoint afterwards
  double widest_pct = 0.0;
  // Verify's before/after views of the symptom endpoint: self CPU by leaf
  // frame in ms per request (largest change first, at most 10), and every
  // span's mean in ms (in span order).
  std::vector<Change> profile_diff;
  std::vector<Change> span_diff;
};

// A capture() a grading will ask for, by its arguments.
struct CaptureWanted {
  std::vector<std::string> earlier_fixes;
  std::size_t bottleneck = 0;
  std::string stream;
  double from_s = 0.0, to_s = 0.0, onset_s = 0.0;
  std::string frame;
};

// What grading will ask of a session, gathered before any of it is
// simulated, so that the runs go to every core at once.
struct SessionNeeds {
  std::vector<WhatIfRuns::Wanted> runs;                // what-if runs, and how far (their prefixes come too)
  std::vector<CaptureWanted> captures;                 // read where their runs get to (those runs come too)
  bool readings = false;                                // the Enforce replay's readings
  bool drift = false;                                   // the drift with every change shipped...
  std::vector<std::vector<GateChoice>> gate_sets;       // ...and with what each set lets through
  bool expert_gate_set = false;                         // ...and with what best_gate_set() lets through
};

class LoopSession {
 public:
  // Throws ScenarioError when a bottleneck's fix would land after the run
  // ends or before its symptom starts.
  LoopSession(ScenarioScript& script, ParamValues overrides, std::uint64_t seed);
  // The replay refers to the runs' build: a session stays where it was made.
  LoopSession(const LoopSession&) = delete;
  LoopSession& operator=(const LoopSession&) = delete;

  WhatIfRuns& runs() { return runs_; }
  EnforceReplay& replay() { return *replay_; }
  const ScenarioBuild& build() const { return runs_.build(); }
  const SloSpec& slo() const { return runs_.planned().slo; }
  std::uint64_t seed() const { return runs_.seed(); }

  // `fixes` holds one fix per bottleneck so far; the outcome is the last one's.
  const FixOutcome& outcome(const std::vector<std::string>& fixes);
  // What `stream` of a capture of [from_s, to_s) on the symptom endpoint
  // shows, made while bottleneck k was live (after the first k-1 fixes):
  // capture() and read_stream(), as the Profile panel shows them, with the
  // diff's baseline before `onset_s`.
  // Each reading is kept: a capture reads only windows that are closed, the
  // same however far the run has gone since, so asked again it is the same.
  StreamReading capture(const std::vector<std::string>& earlier_fixes, std::size_t bottleneck, const std::string& stream,
                        double from_s, double to_s, double onset_s, const std::string& frame);
  StreamReading capture(const CaptureWanted& c) {
    return capture(c.earlier_fixes, c.bottleneck, c.stream, c.from_s, c.to_s, c.onset_s, c.frame);
  }
  // Simulates what `needs` lists and is not cached yet on `workers` threads
  // (grading_workers(): PERFLOOP_THREADS or every core), sharing what the
  // runs share: one run up to each fix, forked from there. Everything asked
  // afterwards is served from the caches, the same to the byte as when the
  // lazy path simulates it one run at a time. Returns the jobs run.
  int prepare(const SessionNeeds& needs, int workers = grading_workers());
  // When bottleneck k's fix lands, in seconds.
  double fix_time_s(std::size_t bottleneck) const;

 private:
  WhatIfRuns runs_;
  std::unique_ptr<EnforceReplay> replay_;
  std::map<std::vector<std::string>, FixOutcome> outcomes_;
  using CaptureKey = std::tuple<std::vector<std::string>, std::size_t, std::string, double, double, double, std::string>;
  // Empty for arguments that cannot be a key (a NaN is equal to nothing).
  static std::optional<CaptureKey> capture_key(const CaptureWanted& c);
  std::map<CaptureKey, StreamReading> captures_;
};

// How far a run must go for a capture that ends at `to_s` (a learner's
// figure, so anything): kToTheEnd from the run's end on.
SimTime capture_through(const ScenarioBuild& build, double to_s);

// Parameter values of the service once every bottleneck has its first right fix.
ParamValues fixed_state(const ScenarioBuild& build, const ParamValues& initial);

}  // namespace perfloop
