// Where the learner is in the loop and what they have answered: the same
// Answers document `perfloop play` grades, built up one committed step at a
// time, so the app and the CLI can never grade differently.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/loop/answers.h"
#include "sim/loop/loop_steps.h"

namespace perfloop::ui {

// Predict's queueing calculator: the cores and their utilisation, read
// from the run when the step opens (cores 0: not yet), then the learner's.
struct QueueingInputs {
  bool read = false;         // read from the run (once, when the step opens)
  int cores = 0;             // now, from the run
  int cores_after = 0;       // once the fix lands: the learner's
  double utilisation = 0.0;  // 0..1, now
};

struct PlayState {
  Answers answers;             // what has been committed
  std::size_t bottleneck = 0;  // the one being worked on
  std::size_t bottlenecks = 1; // in the scenario
  LoopStep reached = LoopStep::Observe;  // the furthest step open for this bottleneck
  bool finished = false;       // every bottleneck moved on from: the scorecard
  // What the panels' controls hold before the learner commits a step.
  ObserveAnswer observe;
  ProfileAnswer profile;
  ClassifyAnswer classify;
  PredictAnswer predict;
  FixAnswer fix;
  VerifyAnswer verify;
  EnforceAnswer enforce;
  MoveOnAnswer move_on;
  QueueingInputs queueing;
  // Steps whose explanation the coach has shown, by bottleneck: it tells
  // the truth, so an answer to them changed afterwards counts as a worked
  // reveal (kMaxHintsUsed hints).
  std::set<std::pair<std::size_t, LoopStep>> explained;
  double step_opened_at = 0.0;  // UI clock when the current step opened, for `seconds`
  // Changes whenever `answers` does, and never repeats across plays, so what
  // is derived from the answers (their grading key) is worked out once per change.
  std::uint64_t revision = 0;
};

void start_play(PlayState& play, const std::string& scenario, std::size_t bottlenecks);

// The order of the steps for the current bottleneck: Enforce only comes
// with the last one (it is answered once per scenario).
std::vector<LoopStep> steps_for(const PlayState& play);
bool step_done(const PlayState& play, LoopStep step);
bool step_open(const PlayState& play, LoopStep step);

// Stores the step's draft in `answers` and opens the next step (the next
// bottleneck after Move on, or the scorecard after the last). Returns the
// step now current.
LoopStep commit_step(PlayState& play, LoopStep step, double seconds);

// The draft of `step` for the current bottleneck: where the coach counts hints.
StepAnswer& draft_of(PlayState& play, LoopStep step);
// The hints the committed answer (or else the draft) of `step` used.
int hints_used(const PlayState& play, LoopStep step);

// Call after changing play.answers in place (a panel correcting a committed answer).
void answers_changed(PlayState& play);

// The answers are for scenario `id` (known once the scenario has loaded).
void set_scenario(PlayState& play, const std::string& id);

// The fixes that landed before the current bottleneck, in order, by the
// grader's rule (fixes_in_place); before the scenario is built (`build`
// null), the answered ones.
std::vector<std::string> fixes_before(const PlayState& play, const ScenarioBuild* build);

// Replays a finished answers document up to `stop_at` of its last
// bottleneck (committing Move on too, so the scorecard shows): the app opened
// on a later step for a screenshot or a demonstration. The step left open
// has its draft filled from the document.
LoopStep replay_answers(PlayState& play, const Answers& answers, LoopStep stop_at);

}  // namespace perfloop::ui
