// The eight steps graded against the simulation: the expert's answers score
// high on every catalogue scenario, random answers score low, the traps of
// the flagship scenarios are graded as the seeds describe, Enforce weighs
// caught regressions against false blocks, and grading is deterministic.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "sim/scenarios/catalogue.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"
#include "sim/loop/scenario_claims.h"
#include "sim/loop/what_if.h"
#include "test_support.h"

using namespace perfloop;

namespace {

const StepResult& step(const PlayResult& r, LoopStep s, int bottleneck = 0) {
  for (const auto& x : r.steps)
    if (x.step == s && x.bottleneck == bottleneck) return x;
  throw std::runtime_error("no such step in the result");
}

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
}

// A learner who clicks at random among the options each screen offers.
Answers random_answers(std::mt19937_64& rng, const ScenarioBuild& build, const std::string& id,
                       const std::vector<std::string>& frames) {
  auto coin = [&] { return std::bernoulli_distribution(0.5)(rng); };
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::vector<std::string> endpoints, fixes;
  for (const auto& e : build.model.endpoints) endpoints.push_back(e.name);
  for (const auto& f : build.fixes) fixes.push_back(f.id);
  const std::vector<std::string> families(std::begin(kFamilies), std::end(kFamilies));
  Answers a;
  a.scenario = id;
  for (std::size_t k = 0; k < build.bottlenecks.size(); ++k) {
    BottleneckAnswers b;
    ObserveAnswer o;
    o.endpoint = pick(rng, endpoints);
    o.metric = pick(rng, std::vector<std::string>{"p50", "p99", "error_rate", "rps", "lcp", "inp"});
    o.onset_s = uniform(0, build.duration_s);
    o.side = coin() ? "server" : "client";
    b.observe = o;
    ProfileAnswer p;
    p.stream = pick(rng, std::vector<std::string>{"cpu", "alloc", "offcpu", "trace", "bundle"});
    p.from_s = uniform(0, build.duration_s - 60);
    p.to_s = uniform(p.from_s + 60, build.duration_s);
    p.hot_frame = pick(rng, frames);
    b.profile = p;
    ClassifyAnswer c;
    c.families.push_back(pick(rng, families));
    if (coin()) {
      const std::string second = pick(rng, families);
      if (second != c.families[0]) c.families.push_back(second);
    }
    b.classify = c;
    PredictAnswer pr;
    pr.share_pct = uniform(0, 100);
    pr.speedup = uniform(1, 10);
    pr.headline = uniform(0, 3000);
    pr.go = coin();
    b.predict = pr;
    b.fix = FixAnswer{};
    b.fix->id = pick(rng, fixes);
    VerifyAnswer v;
    v.hotspot_shrank = coin();
    v.headline_improved = coin();
    v.target_met = coin();
    b.verify = v;
    MoveOnAnswer m;
    m.resolved = coin();
    m.next_frame = pick(rng, frames);
    b.move_on = m;
    a.bottlenecks.push_back(b);
  }
  EnforceAnswer e;
  for (const auto& g : build.enforce.gates)
    if (coin()) e.gates.push_back({g.id, std::nullopt});
  a.enforce = e;
  return a;
}

std::vector<std::string> all_frames(LoopSession& session) {
  const Symbols& symbols = session.runs().run({}).symbols();
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < symbols.frame_count(); ++i) frames.push_back(symbols.frame_name(static_cast<std::uint32_t>(i)));
  return frames;
}

}  // namespace

TEST_CASE("every catalogue scenario: the expert scores >= 95, random answers average <= 30", "[loop][catalogue]") {
  const Catalogue catalogue = load_catalogue(test::source_path("scenarios"));
  REQUIRE(catalogue.entries.size() >= 13);
  for (const auto& entry : catalogue.entries) {
    DYNAMIC_SECTION(entry.id) {
      ScenarioScript script = ScenarioScript::load(entry.file);
      LoopSession session(script, {}, 1);
      const PlayResult expert = grade_answers(session, expert_answers(session, entry.id), {false});
      CHECK(expert.complete);
      const ClaimResult scored = prove_expert_claim(session, entry.id);  // the claim check --simulate proves
      INFO(claim_line(scored));
      CHECK(scored.ok);
      for (const auto& s : expert.steps)
        if (s.step != LoopStep::Enforce) CHECK(s.score == Approx(s.max));  // Enforce may have no perfect gate set

      std::mt19937_64 rng(20261122);
      const std::vector<std::string> frames = all_frames(session);
      double sum = 0;
      const int runs = 100;
      for (int i = 0; i < runs; ++i)
        sum += grade_answers(session, random_answers(rng, session.build(), entry.id, frames), {false}).total;
      const double mean = sum / runs;
      INFO("random mean " << mean);
      CHECK(mean <= 30.0);
      CHECK(mean >= 5.0);  // random is not zero: some guesses land

      // A hundred gradings later, with the run cache churned, the expert's
      // result is the same to the byte.
      const PlayResult again = grade_answers(session, expert_answers(session, entry.id), {false});
      CHECK(play_result_json(again).dump() == play_result_json(expert).dump());
    }
  }
}

TEST_CASE("checkout: a GC-only answer is told no-go, sees a partial improvement and scores low", "[loop][checkout]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  LoopSession session(script, {}, 1);
  Answers gc;
  gc.scenario = script.id();
  BottleneckAnswers b;
  b.observe = ObserveAnswer{};
  *b.observe = {{}, "/checkout", "p99", 1800, "server"};
  b.profile = ProfileAnswer{};
  *b.profile = {{}, "cpu", 1800, 5400, "runtime.scanobject"};
  b.classify = ClassifyAnswer{{}, {"allocation-bound"}};
  // Amdahl on the GC share the learner believes in: 28% of CPU made 4x cheaper.
  b.predict = PredictAnswer{};
  *b.predict = {{}, "", 28.0, 4.0, 1100.0, true};
  b.fix = FixAnswer{{}, "tune_gc", {}};
  b.verify = VerifyAnswer{{}, true, true, true};
  b.move_on = MoveOnAnswer{{}, true, "encoding/json.Marshal"};
  gc.bottlenecks.push_back(b);
  gc.enforce = EnforceAnswer{{}, {{"tight-load-test", std::nullopt}}};
  const PlayResult r = grade_answers(session, gc, {false});

  REQUIRE(r.predictions.size() == 1);
  const PredictionResult& p = r.predictions[0];
  CHECK(p.fix == "tune_gc");
  CHECK(p.actual > 500.0);          // still above the SLO: the right call was no-go
  CHECK_FALSE(p.go_right);
  CHECK(p.current > 1200.0);
  CHECK(p.actual < 0.8 * p.current);  // GC tuning does help some
  // Verify's profile diff leads with the frame the fix shrank; the cause's
  // frames (decoding and encoding the payload) stay where they were.
  REQUIRE(r.scorecard[0].outcome);
  const auto& diff = r.scorecard[0].outcome->profile_diff;
  REQUIRE_FALSE(diff.empty());
  CHECK(diff[0].name == "runtime.scanobject");
  CHECK(diff[0].after < 0.5 * diff[0].before);
  for (const auto& c : diff)
    if (c.name == "encoding/json.Marshal") CHECK(c.after == Approx(c.before).epsilon(0.05));
  const auto& verify = step(r, LoopStep::Verify);
  CHECK_THAT(verify.feedback, Catch::Contains("met: no"));
  CHECK(step(r, LoopStep::Fix).score == 0.0);
  CHECK(step(r, LoopStep::Classify).score == Approx(0.5 * step_max(LoopStep::Classify)));
  CHECK(step(r, LoopStep::Predict).score <= 0.25 * step_max(LoopStep::Predict));
  CHECK(r.total < 55.0);
  CHECK(r.grade == "low");

  // The rollback path, with the same reading of the data, scores high.
  Answers rollback = gc;
  auto& rb = rollback.bottlenecks[0];
  rb.classify->families = {"allocation-bound", "io-n-plus-1"};
  *rb.predict = {{}, "", 20.0, 10.0, 250.0, true};
  rb.fix->id = "rollback";
  rb.move_on->next_frame = "pgx.Query";
  rollback.enforce->gates = {{"payload-contract", std::nullopt}, {"upstream-runbook", std::nullopt}};
  const PlayResult good = grade_answers(session, rollback, {false});
  CHECK(good.predictions[0].go_right);
  CHECK(good.predictions[0].actual < 300.0);
  CHECK(good.total >= 90.0);
  CHECK(good.grade == "expert");
  CHECK(good.total - r.total >= 40.0);
}

TEST_CASE("assembly-rewrite-trap: 8x for the service is far off, about 3% is right", "[loop][amdahl]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/assembly-rewrite-trap.lua"));
  LoopSession session(script, {}, 1);
  const ScenarioBuild& build = session.build();
  const BottleneckSpec& truth = build.bottlenecks.at(0);
  Answers a;
  a.scenario = script.id();
  BottleneckAnswers b;
  const double from = truth.symptom.onset_s, to = session.fix_time_s(0);
  b.profile = ProfileAnswer{};
  *b.profile = {{}, "cpu", from, to, "dedupe.hashKey"};
  const StreamReading cap = session.capture({}, 0, "cpu", from, to, truth.symptom.onset_s, "dedupe.hashKey");
  REQUIRE(cap.share_pct > 2.0);
  REQUIRE(cap.share_pct < 5.0);
  const double current = session.outcome({"asm_hash"}).headline_before;

  // The trap: the rewrite is 8x faster, so the service will be 8x faster.
  b.predict = PredictAnswer{};
  *b.predict = {{}, "asm_hash", cap.share_pct, 8.0, current / 8.0, true};
  a.bottlenecks.push_back(b);
  const PlayResult trap = grade_answers(session, a, {false});
  CHECK(trap.predictions[0].error_pct > 50.0);
  CHECK(step(trap, LoopStep::Predict).score < 0.25 * step_max(LoopStep::Predict));

  // Amdahl on the share: about 3% faster, still above the SLO, so no-go.
  const double amdahl = trap.predictions[0].amdahl_speedup;
  CHECK(amdahl == Approx(1.031).margin(0.01));
  a.bottlenecks[0].predict->headline = current / amdahl;
  a.bottlenecks[0].predict->go = false;
  const PlayResult right = grade_answers(session, a, {false});
  CHECK(right.predictions[0].error_pct <= 10.0);
  CHECK(right.predictions[0].go_right);
  CHECK(step(right, LoopStep::Predict).score == Approx(step_max(LoopStep::Predict)));
}

TEST_CASE("Enforce: catching everything by blocking everything scores below catching most and blocking none",
          "[loop][enforce]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  LoopSession session(script, {}, 1);
  // A size contract at 0x the median fails every change.
  const EnforceReport block_all = session.replay().evaluate({{"payload-contract", 0.0}}, false);
  CHECK(block_all.caught == Approx(block_all.harmful));
  CHECK(block_all.false_alarms == Approx(block_all.harmless));
  // The payload alert pages on both regressions after they ship and leaves the rest alone.
  const EnforceReport alert_only = session.replay().evaluate({{"payload-alert", std::nullopt}}, false);
  CHECK(alert_only.false_alarms == 0.0);
  CHECK(alert_only.caught > 0.5 * alert_only.harmful);
  CHECK(block_all.score < alert_only.score);
  // The expert's set stops both before merge and blocks nothing.
  const EnforceReport best = session.replay().evaluate(best_gate_set(session), true);
  CHECK(best.caught == Approx(best.harmful));
  CHECK(best.false_alarms == 0.0);
  CHECK(best.score == Approx(1.0));
  // Without gates the months drift: the image payload alone triples p99; the set keeps it flat.
  REQUIRE(best.drift.size() == session.build().enforce.future.size() + 1);
  double worst_without = 0, worst_with = 0;
  for (const auto& d : best.drift) {
    worst_without = std::max(worst_without, d.without);
    worst_with = std::max(worst_with, d.with);
  }
  CHECK(worst_without > 2.0 * best.drift.front().without);
  CHECK(worst_with < 1.1 * best.drift.front().with);
}

// What each future change does to the headlines on the fixed service, as its
// `harmful` flag says, is proven per scenario by prove_claims
// (test_scenario_claims.cpp).

TEST_CASE("grading is deterministic for the same answers and seed", "[loop][determinism]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/orders-n-plus-1.lua"));
  nlohmann::json first, second, other_seed;
  Answers answers;
  {
    LoopSession session(script, {}, 7);
    answers = expert_answers(session, script.id());
    answers.bottlenecks[0].predict->headline *= 1.3;  // a learner's figure, not the key's
    first = play_result_json(grade_answers(session, answers));
  }
  {
    LoopSession session(script, {}, 7);
    second = play_result_json(grade_answers(session, answers));
  }
  {
    LoopSession session(script, {}, 8);
    other_seed = play_result_json(grade_answers(session, answers));
  }
  CHECK(first.dump() == second.dump());
  CHECK(first["prediction"]["actual_ms"] != other_seed["prediction"]["actual_ms"]);
}

TEST_CASE("partial answers are graded as far as they go", "[loop]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/bea-sven-quarter.lua"));
  LoopSession session(script, {}, 1);
  Answers full = expert_answers(session, script.id());
  Answers partial = full;
  partial.bottlenecks.resize(1);
  partial.bottlenecks[0].predict.reset();
  partial.bottlenecks[0].fix.reset();
  partial.bottlenecks[0].verify.reset();
  partial.bottlenecks[0].move_on.reset();
  partial.enforce.reset();
  const PlayResult r = grade_answers(session, partial, {false});
  CHECK_FALSE(r.complete);
  CHECK(r.steps.size() == 3);
  CHECK(r.answered_max == Approx(45.0));  // observe 10, profile 15, classify 20
  CHECK(r.full_max == Approx(300.0));
  CHECK(r.total == Approx(100.0 * 45.0 / 300.0));
}

TEST_CASE("a what-if run forked at the fix equals a run planned with the fix from the start", "[loop][fork]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  const ParamValues params = {{"duration_s", 1200}, {"deploy_at_s", 300}, {"fix_at_s", 800}};
  WhatIfRuns runs(script, params, 3);
  const Simulation& forked = runs.run({"faster_json"});
  const auto forked_phases = summarise_phases(forked, runs.planned().slo);
  const PlannedRun planned = plan_run(script, params, {"faster_json"}, 3);
  Simulation fresh(planned.plan);
  fresh.run();
  const auto fresh_phases = summarise_phases(fresh, planned.slo);
  REQUIRE(forked_phases.size() == fresh_phases.size());
  for (std::size_t i = 0; i < fresh_phases.size(); ++i) {
    const EndpointSummary* a = forked_phases[i].endpoint("/checkout");
    const EndpointSummary* b = fresh_phases[i].endpoint("/checkout");
    CHECK(forked_phases[i].name == fresh_phases[i].name);
    CHECK(a->requests == b->requests);
    CHECK(a->p99_ms == Approx(b->p99_ms).epsilon(1e-9));
  }
  CHECK(runs.simulated() == 2);  // the run without fixes, then only the fork
}

TEST_CASE("forks of forks: each bottleneck's fix lands on the run with the earlier fixes", "[loop][fork]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/bea-sven-quarter.lua"));
  WhatIfRuns runs(script, {}, 2);
  const std::vector<std::string> fixes = {"logger_fields", "bigger_db", "split_dashboard"};
  const Simulation& forked = runs.run(fixes);
  const auto forked_phases = summarise_phases(forked, runs.planned().slo);
  const PlannedRun planned = plan_run(script, {}, fixes, 2);
  Simulation fresh(planned.plan);
  fresh.run();
  const auto fresh_phases = summarise_phases(fresh, planned.slo);
  REQUIRE(forked_phases.size() == fresh_phases.size());
  for (std::size_t i = 0; i < fresh_phases.size(); ++i) {
    CHECK(forked_phases[i].name == fresh_phases[i].name);
    for (const char* ep : {"/orders", "/dashboard"}) {
      CHECK(forked_phases[i].endpoint(ep)->requests == fresh_phases[i].endpoint(ep)->requests);
      CHECK(forked_phases[i].endpoint(ep)->p99_ms == Approx(fresh_phases[i].endpoint(ep)->p99_ms).epsilon(1e-9));
    }
  }
  CHECK(runs.simulated() == 4);  // no fixes, then one fork per fix
}

TEST_CASE("a session refuses fix times that leave nothing to grade", "[loop][errors]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/bea-sven-quarter.lua"));
  try {
    LoopSession session(script, {{"duration_s", 2500}}, 1);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(e.field() == "fix_at_s");
    CHECK_THAT(e.message(), Catch::Contains("after the run ends"));
  }
  try {
    LoopSession session(script, {{"fix_spacing_s", 0}}, 1);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(e.field() == "fix_spacing_s");
  }
}
