// The catalogue as a whole: every scenario is sound and runs to the end, the
// families and levels are covered, and for every bottleneck each right fix
// moves the headline and shrinks the hot frame, each wrong fix moves the
// headline less than every right fix, and a wrong fix off the critical path
// moves it less than 10%; all measured against the same run without the fix
// (same seed, same load).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/scenarios/catalogue.h"
#include "test_support.h"

using namespace perfloop;

namespace {

Catalogue catalogue() { return load_catalogue(test::source_path("scenarios")); }

struct FixOutcome {
  double headline = 0.0;  // the symptom metric after the fix landed
  double hot = 0.0;       // how big the hot frame or span is then
};

double headline_of(const EndpointSummary& e, const std::string& metric) {
  if (metric == "p50") return e.p50_ms;
  if (metric == "error_rate") return e.error_rate;
  if (metric == "lcp") return e.lcp_p75_ms;
  if (metric == "inp") return e.inp_p75_ms;
  return e.p99_ms;
}

double hot_of(const EndpointSummary& e, const BottleneckSpec& b) {
  auto amount = [&](const std::vector<FrameAmount>& v) {
    for (const auto& f : v)
      if (f.frame == b.hot_frame) return f.per_request;
    return 0.0;
  };
  if (b.stream == "cpu") return test::frame_pct(e, b.hot_frame);
  if (b.stream == "alloc") return amount(e.profile_alloc);
  if (b.stream == "offcpu") return amount(e.profile_offcpu);
  if (b.stream == "bundle") return e.lcp_p75_ms;
  for (const auto& s : e.spans)  // trace: the hot span's mean
    if (s.name == b.hot_span) return s.mean_ms;
  return 0.0;
}

// The figures over [fix time, end) of a run with `fixes` (or none).
FixOutcome outcome(ScenarioScript& script, const BottleneckSpec& b, const std::vector<std::string>& fixes) {
  PlannedRun planned = plan_run(script, {}, fixes, 1);
  Simulation sim(planned.plan);
  sim.run();
  const ScenarioBuild build = script.build(planned.params);
  const double fix_at = build.fix_at_s >= 0 ? build.fix_at_s : build.duration_s * 2 / 3;
  // Skip a minute after the fix so the queue it leaves behind has drained.
  const PhaseSummary after = summarise_range(sim, planned.slo, s_to_ns(fix_at + 60), sim.duration());
  const EndpointSummary* e = after.endpoint(b.symptom.endpoint);
  REQUIRE(e != nullptr);
  if (b.stream == "trace") {
    // Span statistics are per phase: use the last phase.
    const auto phases = summarise_phases(sim, planned.slo);
    return {headline_of(*e, b.symptom.metric), hot_of(*phases.back().endpoint(b.symptom.endpoint), b)};
  }
  return {headline_of(*e, b.symptom.metric), hot_of(*e, b)};
}

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

TEST_CASE("right fixes beat wrong fixes on every bottleneck", "[scenarios][fixes]") {
  const Catalogue c = catalogue();
  REQUIRE(c.entries.size() >= 12);
  for (const auto& entry : c.entries) {
    ScenarioScript script = ScenarioScript::load(entry.file);
    const ScenarioBuild build = script.build(script.resolve({}));
    for (const auto& b : build.bottlenecks) {
      const FixOutcome none = outcome(script, b, {});
      auto gain = [&](const FixOutcome& f) { return (none.headline - f.headline) / none.headline; };
      double worst_right = 1e9;
      for (const auto& id : b.right_fixes) {
        const FixOutcome fixed = outcome(script, b, {id});
        INFO(entry.id << " / " << b.id << ": right fix " << id << " moves " << b.symptom.metric << " "
                      << none.headline << " -> " << fixed.headline << ", hot " << b.hot_frame << " " << none.hot
                      << " -> " << fixed.hot);
        CHECK(gain(fixed) > 0.10);
        CHECK(fixed.hot < none.hot);
        worst_right = std::min(worst_right, gain(fixed));
      }
      for (const auto& id : b.wrong_fixes) {
        const FixOutcome fixed = outcome(script, b, {id});
        INFO(entry.id << " / " << b.id << ": wrong fix " << id << " moves " << b.symptom.metric << " "
                      << none.headline << " -> " << fixed.headline << "; the right fixes gain at least " << worst_right);
        CHECK(gain(fixed) < worst_right);
        const auto fix = std::find_if(build.fixes.begin(), build.fixes.end(), [&](const FixSpec& f) { return f.id == id; });
        if (fix->touches == "elsewhere") CHECK(std::abs(gain(fixed)) < 0.10);
      }
      // Every playbook has a wrong fix that works somewhere off the critical path.
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
