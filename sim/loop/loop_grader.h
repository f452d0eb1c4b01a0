// Grades a learner's answers step by step against the scenario's truth and
// against what the simulation does with the learner's own choices.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/loop/answers.h"
#include "sim/loop/loop_session.h"
#include "sim/loop/loop_steps.h"

namespace perfloop {

struct StepResult {
  LoopStep step = LoopStep::Observe;
  int bottleneck = 0;  // index; Enforce belongs to the scenario and carries the last one's
  double score = 0.0;
  double max = 0.0;
  std::string feedback;  // what was right, what the data showed, in the learner's terms
  double seconds = -1.0;
  int hints_used = 0;   // the score already has their cost taken off
  nlohmann::json answer;  // the learner's input for the step, as in the answers file
};

struct PredictionResult {
  int bottleneck = 0;
  std::string fix;             // the change the prediction was about
  std::string metric, unit;    // of the headline
  double current = 0.0;        // headline before the fix
  double share_pct = 0.0, speedup = 1.0;
  double amdahl_speedup = 1.0; // 1 / ((1 - p) + p / s) for the learner's p and s
  double amdahl_headline = 0.0;
  double predicted = 0.0, actual = 0.0, error_pct = 0.0;
  double target = 0.0;
  bool go = false, go_right = false;
};

struct BottleneckCard {
  std::string id, title;
  std::vector<std::string> families;
  std::string hot_frame, hot_span, stream, root_cause, debrief;
  std::vector<std::string> right_fixes;
  std::string chosen_fix;  // empty: not answered
  std::string chosen_fix_text;
  std::optional<FixOutcome> outcome;
};

struct PlayResult {
  std::string scenario;
  std::uint64_t seed = 0;
  // The parameters played that differ from the scenario's defaults: the
  // track counts only attempts at the defaults.
  ParamValues params;
  double total = 0.0;     // 0..100 over the whole scenario; unanswered steps count 0
  std::string grade;      // grade_band(total)
  double answered_max = 0.0;
  double full_max = 0.0;
  bool complete = false;
  std::vector<StepResult> steps;
  std::vector<PredictionResult> predictions;
  std::optional<EnforceReport> enforce;
  std::vector<BottleneckCard> scorecard;
};

struct GradeOptions {
  bool drift = true;  // simulate the headline's drift for Enforce (not needed for the score)
  // Threads the runs are simulated on beforehand: 0 grading_workers()
  // (PERFLOOP_THREADS, else every core). Negative: nothing beforehand, each
  // run simulated when a step first asks for it, one at a time (the
  // reference the tests compare the prepared grading with).
  int workers = 0;
};

// "expert" (90 and up), "solid" (75), "partial" (55), else "low": for a
// scorecard, and for game days that rank teams by more than a number.
const char* grade_band(double total);

// The runs grading `answers` reads, for LoopSession::prepare.
SessionNeeds grading_needs(const LoopSession& session, const Answers& answers, const GradeOptions& options = {});

// Prepares the session for the answers (every core; PERFLOOP_THREADS=1 for
// one) and grades them: the result is the same to the byte whatever the
// number of threads.
PlayResult grade_answers(LoopSession& session, const Answers& answers, const GradeOptions& options = {});

// Many learners' answers graded in one session (a class, a folder of answer
// files): the runs all of them need are simulated once, together, on every
// core, then each is graded as grade_answers() grades it alone.
std::vector<PlayResult> grade_batch(LoopSession& session, const std::vector<Answers>& answers,
                                    const GradeOptions& options = {});

nlohmann::json play_result_json(const PlayResult& result);

}  // namespace perfloop
