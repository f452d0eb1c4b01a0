// Same seed, same numbers; another seed, other samples but the same figures;
// a forked run with a fix shares the load and random numbers of the original.
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace perfloop;

namespace {
const ParamValues kShortCheckout = {{"duration_s", 1800}, {"deploy_at_s", 600}, {"fix_at_s", 1200}};
// The scenario's own two hours: phases long enough for p99 to settle within 15% across seeds.
const ParamValues kFullCheckout = {};
}

TEST_CASE("the same seed gives byte-identical output", "[determinism]") {
  const auto a = test::run_scenario("scenarios/checkout-inventory-payload.lua", kShortCheckout, {"rollback"}, 7);
  const auto b = test::run_scenario("scenarios/checkout-inventory-payload.lua", kShortCheckout, {"rollback"}, 7);
  CHECK(a.json.dump() == b.json.dump());
  CHECK(a.json["phases"].size() == 3);
}

TEST_CASE("another seed gives other samples but the same figures", "[determinism]") {
  const auto a = test::run_scenario("scenarios/checkout-inventory-payload.lua", kFullCheckout, {"rollback"}, 1);
  const auto b = test::run_scenario("scenarios/checkout-inventory-payload.lua", kFullCheckout, {"rollback"}, 2);
  CHECK(a.json.dump() != b.json.dump());
  for (const char* phase : {"baseline", "incident", "after_fix"}) {
    const auto& ea = *test::phase(a, phase).endpoint("/checkout");
    const auto& eb = *test::phase(b, phase).endpoint("/checkout");
    INFO(phase << ": seed 1 p50 " << ea.p50_ms << " p99 " << ea.p99_ms << "; seed 2 p50 " << eb.p50_ms << " p99 " << eb.p99_ms);
    CHECK(ea.requests != eb.requests);
    CHECK(ea.p50_ms == Approx(eb.p50_ms).epsilon(0.05));
    CHECK(ea.p99_ms == Approx(eb.p99_ms).epsilon(0.15));
  }
}

TEST_CASE("a fork evaluates a fix under the same load and random numbers", "[determinism][fork]") {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  PlannedRun planned = plan_run(script, kShortCheckout, {}, 3);
  Simulation original(planned.plan);
  original.run_until(1200 * kNsPerS);

  Simulation fork = original.fork();
  ParamValues fixed = planned.params;
  fixed["inventory_payload_kb"] = 8;
  fixed["incident_payload_kb"] = 8;
  Stage fix;
  fix.at = 1200 * kNsPerS;
  fix.phase = "after_fix";
  fix.kind = "fix";
  fix.text = "rollback";
  fork.add_stage(fix, script.build(fixed).model);

  Simulation untouched = original.fork();
  original.run();
  fork.run();
  untouched.run();

  // An unchanged fork is the same run.
  const auto a = summarise_phases(original, planned.slo);
  const auto u = summarise_phases(untouched, planned.slo);
  REQUIRE(a.size() == u.size());
  CHECK(a.back().endpoint("/checkout")->p99_ms == u.back().endpoint("/checkout")->p99_ms);
  CHECK(original.completed_requests() == untouched.completed_requests());

  // The fixed fork saw the same arrivals, and the fix shows only after it landed.
  const auto f = summarise_phases(fork, planned.slo);
  CHECK(fork.arrivals() == original.arrivals());
  REQUIRE(f.size() == 3);
  CHECK(f[0].endpoint("/checkout")->p99_ms == a[0].endpoint("/checkout")->p99_ms);
  CHECK(f[2].endpoint("/checkout")->p99_ms < 0.5 * a[1].endpoint("/checkout")->p99_ms);
}
