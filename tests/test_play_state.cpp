// Where the learner is in the loop: the rail's locks, committing steps,
// the second bottleneck, Enforce once per scenario, and replaying an
// answers document up to a step.
#include <catch2/catch.hpp>

#include <algorithm>

#include "ui/core/play_state.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

void answer_all(PlayState& play) {
  for (LoopStep step : steps_for(play)) commit_step(play, step, 1.0);
}

}  // namespace

TEST_CASE("steps open one at a time, and re-committing an earlier step only corrects it", "[play_state]") {
  PlayState play;
  start_play(play, "s", 1);
  CHECK(step_open(play, LoopStep::Observe));
  CHECK_FALSE(step_open(play, LoopStep::Profile));
  CHECK_FALSE(step_done(play, LoopStep::Observe));
  play.observe.endpoint = "/checkout";
  play.observe.onset_s = 1800;
  CHECK(commit_step(play, LoopStep::Observe, 12.5) == LoopStep::Profile);
  CHECK(step_done(play, LoopStep::Observe));
  CHECK(step_open(play, LoopStep::Profile));
  CHECK_FALSE(step_open(play, LoopStep::Classify));
  REQUIRE(play.answers.bottlenecks.size() == 1);
  CHECK(play.answers.bottlenecks[0].observe->onset_s == 1800);
  CHECK(play.answers.bottlenecks[0].observe->seconds == 12.5);
  // A locked step cannot be committed.
  commit_step(play, LoopStep::Fix, 1.0);
  CHECK_FALSE(play.answers.bottlenecks[0].fix.has_value());
  // Correcting Observe keeps Profile as the step to answer.
  play.observe.onset_s = 1790;
  CHECK(commit_step(play, LoopStep::Observe, 3.0) == LoopStep::Profile);
  CHECK(play.answers.bottlenecks[0].observe->onset_s == 1790);
  CHECK(play.reached == LoopStep::Profile);
}

TEST_CASE("Enforce comes once, with the last bottleneck; fixes carry over", "[play_state]") {
  PlayState play;
  start_play(play, "s", 2);
  auto steps = steps_for(play);
  CHECK(steps.size() == 7);
  CHECK(std::find(steps.begin(), steps.end(), LoopStep::Enforce) == steps.end());
  play.fix.id = "first-fix";
  answer_all(play);
  CHECK(play.bottleneck == 1);
  CHECK_FALSE(play.finished);
  CHECK(play.reached == LoopStep::Observe);
  CHECK(play.fix.id.empty());  // the next bottleneck starts from fresh drafts
  CHECK(fixes_before(play, nullptr) == std::vector<std::string>{"first-fix"});
  steps = steps_for(play);
  CHECK(steps.size() == 8);
  play.fix.id = "second-fix";
  play.enforce.gates.push_back({"payload-contract", std::nullopt});
  answer_all(play);
  CHECK(play.finished);
  REQUIRE(play.answers.enforce.has_value());
  CHECK(play.answers.enforce->gates.size() == 1);
  CHECK(play.answers.bottlenecks.size() == 2);
  CHECK(play.answers.bottlenecks[1].fix->id == "second-fix");
  // Finished: every step is open to look at again.
  CHECK(step_open(play, LoopStep::Verify));
}

TEST_CASE("replaying answers stops at the step asked for, with its draft filled", "[play_state]") {
  Answers doc;
  doc.scenario = "s";
  doc.bottlenecks.resize(2);
  for (std::size_t k = 0; k < 2; ++k) {
    auto& b = doc.bottlenecks[k];
    b.observe = ObserveAnswer{};
    b.observe->onset_s = 100.0 * static_cast<double>(k + 1);
    b.observe->seconds = 4.0;
    b.profile = ProfileAnswer{};
    b.classify = ClassifyAnswer{};
    b.predict = PredictAnswer{};
    b.predict->headline = 250.0 + static_cast<double>(k);
    b.fix = FixAnswer{};
    b.fix->id = k == 0 ? "a" : "b";
    b.verify = VerifyAnswer{};
    b.move_on = MoveOnAnswer{};
  }
  doc.enforce = EnforceAnswer{};
  doc.enforce->gates.push_back({"gate", 2.0});

  PlayState play;
  start_play(play, "s", 2);
  CHECK(replay_answers(play, doc, LoopStep::Predict) == LoopStep::Predict);
  CHECK(play.bottleneck == 1);
  CHECK(play.predict.headline == 251.0);  // the draft of the step left open
  CHECK_FALSE(play.answers.bottlenecks[1].predict.has_value());
  CHECK(play.answers.bottlenecks[0].observe->seconds == 4.0);  // replayed answers keep their own times
  CHECK(fixes_before(play, nullptr) == std::vector<std::string>{"a"});

  PlayState all;
  start_play(all, "s", 2);
  replay_answers(all, doc, LoopStep::MoveOn);
  CHECK(all.finished);
  CHECK(all.answers.enforce->gates.front().threshold == 2.0);

  // A document that stops early leaves the learner where it stopped.
  doc.bottlenecks[1].verify.reset();
  doc.bottlenecks[1].move_on.reset();
  PlayState partial;
  start_play(partial, "s", 2);
  CHECK(replay_answers(partial, doc, LoopStep::MoveOn) == LoopStep::Verify);
  CHECK_FALSE(partial.finished);
}

TEST_CASE("the app and the grader put the same fixes in place for a bottleneck", "[play_state]") {
  // Two bottlenecks; the answers skip the first one's fix (a file may).
  ScenarioBuild build;
  build.bottlenecks.resize(3);
  build.bottlenecks[0].right_fixes = {"right-0", "also-right-0"};
  build.bottlenecks[1].right_fixes = {"right-1"};
  Answers doc;
  doc.scenario = "s";
  doc.bottlenecks.resize(3);
  doc.bottlenecks[0].observe = ObserveAnswer{};
  doc.bottlenecks[1].fix = FixAnswer{};
  doc.bottlenecks[1].fix->id = "wrong-1";
  PlayState play;
  start_play(play, "s", 3);
  play.answers = doc;
  play.bottleneck = 2;
  // The skipped fix is the first right one, as the grader has it; an answered one is kept, right or wrong.
  CHECK(fixes_before(play, &build) == std::vector<std::string>{"right-0", "wrong-1"});
  CHECK(fixes_before(play, &build) == fixes_in_place(doc, build, 2));
  // Before the scenario is built, only what was answered.
  CHECK(fixes_before(play, nullptr) == std::vector<std::string>{"wrong-1"});
}
