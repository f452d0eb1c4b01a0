#include "ui/core/play_state.h"

#include <algorithm>

namespace perfloop::ui {

namespace {

std::uint64_t next_revision() {
  static std::uint64_t counter = 0;  // the UI thread's alone
  return ++counter;
}

}  // namespace

void start_play(PlayState& play, const std::string& scenario, std::size_t bottlenecks) {
  play = PlayState{};
  play.revision = next_revision();
  play.answers.scenario = scenario;
  play.bottlenecks = std::max<std::size_t>(1, bottlenecks);
}

std::vector<LoopStep> steps_for(const PlayState& play) {
  std::vector<LoopStep> steps;
  for (LoopStep step : kLoopSteps)
    if (step != LoopStep::Enforce || play.bottleneck + 1 == play.bottlenecks) steps.push_back(step);
  return steps;
}

namespace {

std::size_t position(const std::vector<LoopStep>& steps, LoopStep step) {
  return static_cast<std::size_t>(std::find(steps.begin(), steps.end(), step) - steps.begin());
}

}  // namespace

bool step_done(const PlayState& play, LoopStep step) {
  if (play.finished) return true;
  const auto steps = steps_for(play);
  return position(steps, step) < position(steps, play.reached);
}

bool step_open(const PlayState& play, LoopStep step) {
  if (play.finished) return true;
  const auto steps = steps_for(play);
  const std::size_t at = position(steps, step);
  return at < steps.size() && at <= position(steps, play.reached);
}

LoopStep commit_step(PlayState& play, LoopStep step, double seconds) {
  if (play.finished || !step_open(play, step)) return play.reached;
  if (play.answers.bottlenecks.size() <= play.bottleneck) play.answers.bottlenecks.resize(play.bottleneck + 1);
  BottleneckAnswers& b = play.answers.bottlenecks[play.bottleneck];
  play.revision = next_revision();
  const bool explained = play.explained.count({play.bottleneck, step}) > 0;
  const bool again = step_done(play, step);
  auto stamp = [seconds, explained, again](auto answer) {
    if (seconds >= 0) answer.seconds = seconds;  // a replayed answer keeps its own
    if (explained && again) answer.hints_used = kMaxHintsUsed;
    return answer;
  };
  switch (step) {
    case LoopStep::Observe: b.observe = stamp(play.observe); break;
    case LoopStep::Profile: b.profile = stamp(play.profile); break;
    case LoopStep::Classify: b.classify = stamp(play.classify); break;
    case LoopStep::Predict: b.predict = stamp(play.predict); break;
    case LoopStep::Fix: b.fix = stamp(play.fix); break;
    case LoopStep::Verify: b.verify = stamp(play.verify); break;
    case LoopStep::Enforce: play.answers.enforce = stamp(play.enforce); break;
    case LoopStep::MoveOn: b.move_on = stamp(play.move_on); break;
  }
  // Committing an earlier step again only corrects it; the way on stays where it was.
  const auto steps = steps_for(play);
  if (position(steps, step) < position(steps, play.reached)) return play.reached;
  if (step == LoopStep::MoveOn) {
    if (play.bottleneck + 1 < play.bottlenecks) {
      ++play.bottleneck;
      play.reached = LoopStep::Observe;
      // A new bottleneck starts from fresh readings, on the same endpoint view.
      const std::string endpoint = play.observe.endpoint;
      play.observe = ObserveAnswer{};
      play.observe.endpoint = endpoint;
      play.profile = ProfileAnswer{};
      play.classify = ClassifyAnswer{};
      play.predict = PredictAnswer{};
      play.queueing = QueueingInputs{};
      play.fix = FixAnswer{};
      play.verify = VerifyAnswer{};
      play.move_on = MoveOnAnswer{};
    } else {
      play.finished = true;
    }
    return play.reached;
  }
  play.reached = steps[position(steps, step) + 1];
  return play.reached;
}

namespace {

// One switch for the mutable and the const draft.
template <typename Step, typename Play>
Step& draft_in(Play& play, LoopStep step) {
  switch (step) {
    case LoopStep::Observe: return play.observe;
    case LoopStep::Profile: return play.profile;
    case LoopStep::Classify: return play.classify;
    case LoopStep::Predict: return play.predict;
    case LoopStep::Fix: return play.fix;
    case LoopStep::Verify: return play.verify;
    case LoopStep::Enforce: return play.enforce;
    case LoopStep::MoveOn: return play.move_on;
  }
  return play.observe;
}

}  // namespace

StepAnswer& draft_of(PlayState& play, LoopStep step) { return draft_in<StepAnswer>(play, step); }

int hints_used(const PlayState& play, LoopStep step) { return draft_in<const StepAnswer>(play, step).hints_used; }

void answers_changed(PlayState& play) { play.revision = next_revision(); }

void set_scenario(PlayState& play, const std::string& id) {
  if (play.answers.scenario == id) return;
  play.answers.scenario = id;
  play.revision = next_revision();
}

std::vector<std::string> fixes_before(const PlayState& play, const ScenarioBuild* build) {
  if (build) return fixes_in_place(play.answers, *build, play.bottleneck);
  std::vector<std::string> fixes;
  for (std::size_t k = 0; k < play.bottleneck && k < play.answers.bottlenecks.size(); ++k)
    if (play.answers.bottlenecks[k].fix) fixes.push_back(play.answers.bottlenecks[k].fix->id);
  return fixes;
}

LoopStep replay_answers(PlayState& play, const Answers& answers, LoopStep stop_at) {
  const std::size_t last = answers.bottlenecks.empty() ? 0 : answers.bottlenecks.size() - 1;
  for (std::size_t k = 0; k < answers.bottlenecks.size() && !play.finished; ++k) {
    const BottleneckAnswers& b = answers.bottlenecks[k];
    if (b.observe) play.observe = *b.observe;
    if (b.profile) play.profile = *b.profile;
    if (b.classify) play.classify = *b.classify;
    if (b.predict) play.predict = *b.predict;
    if (b.fix) play.fix = *b.fix;
    if (b.verify) play.verify = *b.verify;
    if (answers.enforce) play.enforce = *answers.enforce;
    if (b.move_on) play.move_on = *b.move_on;
    for (LoopStep step : steps_for(play)) {
      if (k == last && step == stop_at && step != LoopStep::MoveOn) return play.reached;
      const bool answered = step == LoopStep::Observe    ? b.observe.has_value()
                            : step == LoopStep::Profile  ? b.profile.has_value()
                            : step == LoopStep::Classify ? b.classify.has_value()
                            : step == LoopStep::Predict  ? b.predict.has_value()
                            : step == LoopStep::Fix      ? b.fix.has_value()
                            : step == LoopStep::Verify   ? b.verify.has_value()
                            : step == LoopStep::Enforce  ? answers.enforce.has_value()
                                                         : b.move_on.has_value();
      if (!answered) return play.reached;
      commit_step(play, step, -1.0);
    }
  }
  return play.reached;
}

}  // namespace perfloop::ui
