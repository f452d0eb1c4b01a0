// Grading on every core: the runs a grading needs are simulated together,
// shared where they can be, and the result is the same to the byte as the
// lazy, one-run-at-a-time grading, whatever the number of threads. Counts,
// never clocks: how many runs a grading made is what sharing saves.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <set>

#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"
#include "sim/loop/run_pool.h"
#include "test_support.h"

using namespace perfloop;

namespace {

struct Graded {
  std::string json;
  int what_if_runs = 0;
  int replay_runs = 0;
};

Graded grade_fresh(ScenarioScript& script, const ParamValues& params, std::uint64_t seed, const Answers& answers,
                   int workers) {
  LoopSession session(script, params, seed);
  GradeOptions options;
  options.workers = workers;
  const PlayResult result = grade_answers(session, answers, options);
  return {play_result_json(result).dump(), session.runs().simulated(), session.replay().simulated()};
}

// A learner who takes a wrong fix for every bottleneck, predicts another
// one, profiles past the fix and picks a gate set of their own.
Answers wrong_answers(Answers answers, const ScenarioBuild& build) {
  for (std::size_t k = 0; k < answers.bottlenecks.size(); ++k) {
    const BottleneckSpec& b = build.bottlenecks[k];
    auto& a = answers.bottlenecks[k];
    if (!b.wrong_fixes.empty()) a.fix->id = b.wrong_fixes.front();
    if (b.wrong_fixes.size() > 1) a.predict->fix = b.wrong_fixes[1];
    a.predict->headline *= 0.7;
    a.profile->to_s = build.duration_s;
  }
  if (answers.enforce) {
    answers.enforce->gates.clear();
    for (const auto& g : build.enforce.gates)
      if (g.kind != "runbook") answers.enforce->gates.push_back({g.id, std::nullopt});
  }
  return answers;
}

struct Case {
  const char* scenario;
  ParamValues params;
  std::uint64_t seed;
};

}  // namespace

TEST_CASE("grading_workers: PERFLOOP_THREADS, else every core", "[loop][parallel]") {
  const char* saved = std::getenv("PERFLOOP_THREADS");
  const std::string before = saved ? saved : "";
  setenv("PERFLOOP_THREADS", "3", 1);
  CHECK(grading_workers() == 3);
  setenv("PERFLOOP_THREADS", "0", 1);  // not a thread count: every core
  CHECK(grading_workers() >= 1);
  unsetenv("PERFLOOP_THREADS");
  CHECK(grading_workers() >= 1);
  if (saved) setenv("PERFLOOP_THREADS", before.c_str(), 1);
}

TEST_CASE("grading on 1 or 4 threads gives the lazy grading's bytes, with no run simulated twice",
          "[loop][parallel][determinism]") {
  const Case cases[] = {
      {"scenarios/checkout-inventory-payload.lua", {{"duration_s", 1200}, {"deploy_at_s", 300}, {"fix_at_s", 800}}, 3},
      {"scenarios/bea-sven-quarter.lua", {{"duration_s", 1500}, {"fix_at_s", 900}, {"fix_spacing_s", 200}}, 2},
  };
  for (const Case& c : cases) {
    ScenarioScript script = ScenarioScript::load(test::source_path(c.scenario));
    LoopSession key_session(script, c.params, c.seed);
    const Answers expert = expert_answers(key_session, script.id());
    for (const Answers& answers : {expert, wrong_answers(expert, key_session.build())}) {
      INFO(c.scenario);
      const Graded lazy = grade_fresh(script, c.params, c.seed, answers, -1);
      const Graded one = grade_fresh(script, c.params, c.seed, answers, 1);
      const Graded four = grade_fresh(script, c.params, c.seed, answers, 4);
      CHECK(one.json == lazy.json);
      CHECK(four.json == lazy.json);
      CHECK(one.what_if_runs == lazy.what_if_runs);
      CHECK(four.what_if_runs == lazy.what_if_runs);
      CHECK(one.replay_runs == lazy.replay_runs);
      CHECK(four.replay_runs == lazy.replay_runs);
    }
  }
}

TEST_CASE("grading the expert's /checkout answers: one run, one fork at the fix, each replay state once", "[loop][parallel]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  const ParamValues params = {{"duration_s", 1200}, {"deploy_at_s", 300}, {"fix_at_s", 800}};
  LoopSession session(script, params, 1);
  const Answers expert = expert_answers(session, script.id());
  CHECK(session.runs().simulated() == 2);  // the run without fixes, and the fork with the rollback
  const ScenarioBuild& build = session.build();
  const int readings = 2 * static_cast<int>(build.enforce.future.size());  // one fixture: before and after each change
  CHECK(session.replay().simulated() == readings);
  grade_answers(session, expert, {});
  CHECK(session.runs().simulated() == 2);  // grading reads the same runs
  // The drift: every change shipped up to each day (7 states) and what the
  // expert's set lets through; states with the same parameters (the last
  // change undoes the one its set blocked) are one run.
  const int drift = session.replay().simulated() - readings;
  CHECK(drift > 0);
  CHECK(drift < 2 * (static_cast<int>(build.enforce.future.size()) + 1) - 1);
}

TEST_CASE("a batch of answers is graded as each alone, simulating the runs they share once", "[loop][parallel]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  const ParamValues params = {{"duration_s", 1200}, {"deploy_at_s", 300}, {"fix_at_s", 800}};
  LoopSession key_session(script, params, 5);
  const Answers expert = expert_answers(key_session, script.id());
  const ScenarioBuild& build = key_session.build();
  // A class: the expert, and one learner per wrong fix.
  std::vector<Answers> batch = {expert};
  for (const auto& fix : build.bottlenecks[0].wrong_fixes) {
    Answers a = expert;
    a.bottlenecks[0].fix->id = fix;
    a.bottlenecks[0].predict->fix = fix;
    batch.push_back(a);
  }
  LoopSession session(script, params, 5);
  const std::vector<PlayResult> together = grade_batch(session, batch);
  REQUIRE(together.size() == batch.size());
  std::set<std::string> fixes;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(i);
    CHECK(play_result_json(together[i]).dump() == grade_fresh(script, params, 5, batch[i], -1).json);
    fixes.insert(batch[i].bottlenecks[0].fix->id);
  }
  // The run without fixes once, and one fork per distinct fix.
  CHECK(session.runs().simulated() == 1 + static_cast<int>(fixes.size()));
}

namespace {

void check_same_reading(const StreamReading& a, const StreamReading& b) {
  CHECK(a.top == b.top);
  CHECK(a.unit == b.unit);
  CHECK(a.empty == b.empty);
  CHECK((a.share_pct == b.share_pct || (std::isnan(a.share_pct) && std::isnan(b.share_pct))));
}

}  // namespace

TEST_CASE("captures read while their runs simulate are the lazy captures, and read once", "[loop][parallel]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/bea-sven-quarter.lua"));
  const ParamValues params = {{"duration_s", 1500}, {"fix_at_s", 900}, {"fix_spacing_s", 200}};
  LoopSession prepared(script, params, 4);
  const ScenarioBuild& build = prepared.build();
  // Each bottleneck's capture while it was live (the run forked at each
  // earlier fix goes on as the next's parent), one that ends before the
  // onset, and one past the end of the run.
  SessionNeeds needs;
  std::vector<std::string> chain;
  for (std::size_t k = 0; k < build.bottlenecks.size(); ++k) {
    const BottleneckSpec& b = build.bottlenecks[k];
    needs.captures.push_back({chain, k, b.stream, b.symptom.onset_s, prepared.fix_time_s(k), b.symptom.onset_s, b.hot_frame});
    needs.captures.push_back({chain, k, "cpu", 0.0, 200.0, b.symptom.onset_s, b.hot_frame});
    chain.push_back(b.right_fixes.front());
    needs.runs.push_back({chain, WhatIfRuns::kToTheEnd});
  }
  needs.captures.push_back({chain, 0, "offcpu", 100.0, 1e9, 0.0, "x"});
  prepared.prepare(needs, 4);
  const int simulated = prepared.runs().simulated();
  CHECK(simulated == 1 + static_cast<int>(build.bottlenecks.size()));
  LoopSession lazy(script, params, 4);
  for (const CaptureWanted& c : needs.captures) {
    check_same_reading(prepared.capture(c), lazy.capture(c));
    check_same_reading(prepared.capture(c), lazy.capture(c));  // the second time, from both caches
  }
  CHECK(prepared.runs().simulated() == simulated);  // every reading was ready: nothing simulated again
}
