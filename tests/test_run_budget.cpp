// What a run may cost: the estimate a plan gets before it runs matches what
// the engine then does, and a plan past a cap is refused with the reason,
// before a single event, or by the engine's own counters at the cap.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/scenarios/catalogue.h"
#include "sim/engine/run_budget.h"
#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"
#include "test_support.h"

using namespace perfloop;

namespace {

// One endpoint of `ms` CPU per request at `rps` for `duration_s`.
RunPlan simple_plan(double rps, double duration_s, double sample_rate = 0.001) {
  ModelSpec model;
  model.service.name = "svc";
  model.load.rps = rps;
  model.trace_sample_rate = sample_rate;
  EndpointSpec endpoint;
  endpoint.name = "/a";
  endpoint.root.name = "a";
  Step cpu;
  cpu.kind = Step::Kind::Cpu;
  cpu.frame = "work";
  cpu.ms = 0.1;
  endpoint.root.steps.push_back(cpu);
  model.endpoints.push_back(endpoint);
  RunPlan plan;
  plan.duration = s_to_ns(duration_s);
  plan.models.push_back(model);
  return plan;
}

std::string refusal(const RunPlan& plan) {
  try {
    Simulation sim(plan);
  } catch (const RunBudgetError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the estimate of a run matches what the engine does, scenario by scenario", "[budget]") {
  const Catalogue catalogue = load_catalogue(std::string(PERFLOOP_SOURCE_DIR) + "/scenarios");
  REQUIRE(catalogue.entries.size() >= 10);
  for (const CatalogueEntry& entry : catalogue.entries) {
    DYNAMIC_SECTION(entry.id) {
      ScenarioScript script = ScenarioScript::load(entry.file);
      const PlannedRun planned = plan_run(script, {}, {}, 1);
      Simulation sim(planned.plan);
      Symbols symbols;
      LockTable locks;
      std::vector<std::shared_ptr<const CompiledModel>> models;
      for (const ModelSpec& model : planned.plan.models) models.push_back(compile_model(model, symbols, locks));
      const RunCost cost = estimate_run_cost(planned.plan, models, symbols);
      sim.run();
      const double requests = static_cast<double>(sim.arrivals());
      const double events = static_cast<double>(sim.events_processed());
      INFO("estimated " << cost.requests << " requests, " << cost.events << " events; ran " << requests << ", "
                        << events);
      CHECK(cost.requests == Approx(requests).epsilon(0.03));
      // An event per CPU job, wait and call: round trips and lock queues vary, so within 10%.
      CHECK(cost.events == Approx(events).epsilon(0.10));
      CHECK(cost.traces >= static_cast<double>(sim.traces().size()) * 0.8);
      // And the whole catalogue sits well inside the caps.
      CHECK(cost.requests < kRunCaps.requests / 5);
      CHECK(cost.events < kRunCaps.events / 5);
    }
  }
}

TEST_CASE("a plan past a cap is refused before it runs, naming what drives it", "[budget]") {
  CHECK(refusal(simple_plan(100, 600)).empty());
  CHECK(refusal(simple_plan(1e5, 6000)) ==
        "the run would simulate about 6e+08 requests over 6e+03 simulated s, more than the 2e+07 one run may; "
        "lower load.rps, the load curve or duration_s");
  CHECK(refusal(simple_plan(100, 8 * 86400.0)).rfind("the run would have 6.91e+04 metric windows", 0) == 0);
  CHECK(refusal(simple_plan(1000, 600, 1.0)) ==
        "the run would keep about 6e+05 traces, more than the 2.5e+05 one run may; lower trace_sample_rate");
  // Round trips cost one event for all of them; a long chain of waits does not.
  RunPlan chatty = simple_plan(100, 600);
  Step wait;
  wait.kind = Step::Kind::Wait;
  wait.frame = "io";
  wait.ms = 0.001;
  for (int i = 0; i < 6000; ++i) chatty.models[0].endpoints[0].root.steps.push_back(wait);
  CHECK(refusal(chatty).rfind("the run would take about 3.6e+08 engine events (6e+03 per request)", 0) == 0);
  Step queries;
  queries.kind = Step::Kind::Queries;
  queries.frame = "db";
  queries.count = 1e5;
  queries.rtt_ms = 0.001;
  chatty.models[0].endpoints[0].root.steps.assign(1, queries);
  CHECK(refusal(chatty).empty());
  // The compiler holds the round-trip bound for models built without the loader.
  chatty.models[0].endpoints[0].root.steps.back().count = 1e6;
  CHECK_THROWS_WITH(Simulation(chatty), Catch::Contains("round trips per request (count / batch), more than the "
                                                        "engine allows (100000)"));
}

TEST_CASE("the engine stops a run at a cap the estimate could not see", "[budget]") {
  // A change added to a run after it was planned (as a fork adds a fix) is
  // not in the estimate: the engine's own counter holds the cap.
  Simulation sim(simple_plan(1000, 400));
  ModelSpec every_trace = simple_plan(1000, 400, 1.0).models[0];
  Stage stage;
  stage.at = s_to_ns(1);
  stage.kind = "config";
  sim.add_stage(stage, every_trace);
  CHECK_THROWS_WITH(sim.run(), "the run passed 2.5e+05 kept traces, the most one run may simulate");
  CHECK(sim.traces().size() == static_cast<std::size_t>(kRunCaps.traces));
}

TEST_CASE("check refuses a scenario whose run would pass a cap", "[budget][catalogue]") {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop-budget-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "heavy.lua").string();
  std::ofstream(file) << R"lua(
return { id = "heavy", title = "A heavy load", build = function(p)
  return { duration_s = 6000, service = { name = "s" }, load = { rps = 1e5 },
           endpoints = { { name = "/a", root = span { name = "a", cpu { frame = "f", ms = 1 } } } } }
end }
)lua";
  const auto problems = check_scenario(file);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == file + ": the default run: the run would simulate about 6e+08 requests over 6e+03 simulated s, "
                              "more than the 2e+07 one run may; lower load.rps, the load curve or duration_s");
  std::filesystem::remove_all(dir);
}
