// A learner's answers to the eight steps, as a versioned JSON document
// (format in README.md). Read from a file, checked field by field against
// the scenario, so a typo is named by its path, never graded as a wrong answer.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

inline constexpr int kAnswersVersion = 1;
// A learner's answers are a few kilobytes; anything past this is not one.
inline constexpr std::size_t kMaxAnswersBytes = std::size_t{1} << 20;

// A malformed answers file. what() is "file: field.path: message", one
// printable line whatever the file holds (keys and values are escaped and cut).
// List entries count from 1 (bottlenecks[1] is the first), as scenario errors do.
class AnswersError : public std::runtime_error {
 public:
  AnswersError(const std::string& file, const std::string& field, const std::string& message);
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// How many of the coach's hints a step used, each level costing more of its
// points: 1 a nudge (where to look), 2 a pointer (what to compare), 3 the
// worked answer.
inline constexpr int kMaxHintsUsed = 3;

struct StepAnswer {
  double seconds = -1.0;  // time the learner spent on the step; <0: not recorded
  int hints_used = 0;     // 0..kMaxHintsUsed
  // Game days: the simulated second the step was answered at; <0: not timed.
  double at_s = -1.0;
};

struct ObserveAnswer : StepAnswer {
  std::string endpoint;
  std::string metric;  // p50, p99, error_rate, rps, lcp, inp
  double onset_s = 0.0;
  std::string side;    // server, client
};

struct ProfileAnswer : StepAnswer {
  std::string stream;  // cpu, alloc, offcpu, trace, bundle
  double from_s = 0.0, to_s = 0.0;
  std::string hot_frame;  // a frame, or a span name read from a trace
};

struct ClassifyAnswer : StepAnswer {
  std::vector<std::string> families;
};

struct PredictAnswer : StepAnswer {
  std::string fix;          // the change predicted; empty: the one chosen at Fix
  double share_pct = 0.0;   // the hotspot's share p, as read from the profile
  double speedup = 1.0;     // how many times faster that part gets
  double headline = 0.0;    // predicted headline after the fix, in the metric's unit (ms for latencies)
  bool go = false;          // does the fix bring the headline back within target?
};

// A game day's fix that was applied live and did not end the incident,
// before the one answered (which lands at the answer's at_s).
struct FixTry {
  std::string id;
  double at_s = 0.0;
};

struct FixAnswer : StepAnswer {
  std::string id;
  std::vector<FixTry> tried;  // earlier fixes of a game day, in the order applied
};

struct VerifyAnswer : StepAnswer {
  bool hotspot_shrank = false;
  bool headline_improved = false;
  bool target_met = false;
};

struct MoveOnAnswer : StepAnswer {
  bool resolved = false;   // done with this bottleneck (true) or back to Profile (false)
  std::string next_frame;  // the widest frame now (optional)
};

struct GateChoice {
  std::string id;
  std::optional<double> threshold;  // default: the gate's suggested threshold
};

struct EnforceAnswer : StepAnswer {
  std::vector<GateChoice> gates;
};

struct BottleneckAnswers {
  std::optional<ObserveAnswer> observe;
  std::optional<ProfileAnswer> profile;
  std::optional<ClassifyAnswer> classify;
  std::optional<PredictAnswer> predict;
  std::optional<FixAnswer> fix;
  std::optional<VerifyAnswer> verify;
  std::optional<MoveOnAnswer> move_on;
};

struct Answers {
  int version = kAnswersVersion;
  std::string scenario;
  std::vector<BottleneckAnswers> bottlenecks;  // in the scenario's order; fewer when a run stopped early
  std::optional<EnforceAnswer> enforce;
  // Game days: when the team acknowledged the page (opened Observe), in
  // simulated seconds; <0: not given (then Observe's at_s stands for it).
  double ack_s = -1.0;
};

// Parses and checks against the scenario (ids of fixes, gates, endpoints;
// families; one entry per bottleneck at most). Throws AnswersError.
Answers parse_answers(const std::string& text, const std::string& file, const std::string& scenario_id,
                      const ScenarioBuild& build);
Answers read_answers_file(const std::string& path, const std::string& scenario_id, const ScenarioBuild& build);

nlohmann::json answers_to_json(const Answers& answers);

// The fixes in place while bottleneck `bottleneck` is live, in order: each
// earlier bottleneck's answered fix, or, where none was answered, its first
// right fix, so a later bottleneck meets the service the scenario meant. The
// one rule for the grader and the app.
std::vector<std::string> fixes_in_place(const Answers& answers, const ScenarioBuild& build, std::size_t bottleneck);

}  // namespace perfloop
