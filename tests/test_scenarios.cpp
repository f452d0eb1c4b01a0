// The catalogue as a whole: every scenario is sound and runs to the end, the
// families and levels are covered, and every playbook has a wrong fix off
// the critical path. What each scenario claims about its runs is proven in
// test_scenario_claims.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/scenarios/catalogue.h"
#include "test_support.h"

using namespace perfloop;

namespace {

Catalogue catalogue() { return load_catalogue(test::source_path("scenarios")); }

}  // namespace

TEST_CASE("the catalogue loads whole and covers every family and level", "[scenarios]") {
  const Catalogue c = catalogue();
  for (const auto& p : c.problems) FAIL_CHECK(p.message);
  CHECK(c.entries.size() >= 12);
  std::set<std::string> families, levels, ids;
  for (const auto& e : c.entries) {
    INFO(e.file);
    CHECK(ids.insert(e.id).second);
    CHECK(std::filesystem::path(e.file).stem() == e.id);  // the file is named after the id
    CHECK(e.meta.minutes > 0);
    CHECK(e.meta.goals.size() >= 2);
    levels.insert(e.meta.level);
    families.insert(e.meta.families.begin(), e.meta.families.end());
  }
  for (const char* family : kFamilies) CHECK(families.count(family) == 1);
  CHECK(levels == std::set<std::string>{"junior", "middle", "senior"});
}

TEST_CASE("every catalogue scenario passes check and runs to the end", "[scenarios]") {
  const Catalogue c = catalogue();
  REQUIRE(c.entries.size() >= 12);
  for (const auto& e : c.entries) {
    INFO(e.file);
    CHECK(check_scenario(e.file).empty());
    ScenarioScript script = ScenarioScript::load(e.file);
    PlannedRun planned = plan_run(script, {}, {}, 1);
    Simulation sim(planned.plan);
    sim.run();
    CHECK(sim.finished());
    CHECK(sim.completed_requests() > 1000);
    for (const auto& phase : sim.phases()) CHECK(phase.end > phase.start);
    const ScenarioBuild build = script.build(planned.params);
    CHECK_FALSE(build.bottlenecks.empty());
    CHECK(build.enforce.gates.size() >= 3);
    CHECK(build.enforce.future.size() >= 5);
  }
}

// What each fix does to the headline (right fixes within target and
// shrinking the hot spot, wrong ones less than every right one, those off
// the critical path by less than 10%) is proven per scenario by
// prove_claims, in test_scenario_claims.cpp. What is left here is the
// catalogue's rule for its playbooks, read from the files alone.
TEST_CASE("every playbook has a wrong fix that works off the critical path", "[scenarios][fixes]") {
  const Catalogue c = catalogue();
  REQUIRE(c.entries.size() >= 12);
  for (const auto& entry : c.entries) {
    ScenarioScript script = ScenarioScript::load(entry.file);
    const ScenarioBuild build = script.build(script.resolve({}));
    for (const auto& b : build.bottlenecks) {
      INFO(entry.id << " / " << b.id);
      CHECK(std::any_of(b.wrong_fixes.begin(), b.wrong_fixes.end(), [&](const std::string& id) {
        return std::any_of(build.fixes.begin(), build.fixes.end(),
                           [&](const FixSpec& f) { return f.id == id && f.touches == "elsewhere"; });
      }));
    }
  }
}

TEST_CASE("the example in scenarios/README.md is a sound scenario", "[scenarios]") {
  std::ifstream in(test::source_path("scenarios/README.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto start = doc.find("```lua\n");
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```", start + 7);
  const auto path = std::filesystem::temp_directory_path() / "report-export-lock.lua";
  std::ofstream(path) << doc.substr(start + 7, end - start - 7);
  CHECK(check_scenario(path.string()) == std::vector<std::string>{});
  const auto run = test::run_scenario(path.string(), {}, {"shard_lock"});
  CHECK(test::phase(run, "incident").endpoint("/export")->p99_ms > 3 * test::phase(run, "baseline").endpoint("/export")->p99_ms);
  CHECK(test::phase(run, "after_fix").endpoint("/export")->p99_ms < 1.5 * test::phase(run, "baseline").endpoint("/export")->p99_ms);
}
