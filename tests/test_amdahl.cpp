// Removing or speeding up a component that is a share p of the mean service
// time changes mean latency as Amdahl's law says, when queueing is negligible.
#include <catch2/catch.hpp>

#include "test_support.h"

using namespace perfloop;

namespace {
double amdahl(double p, double s) { return 1.0 / ((1.0 - p) + p / s); }
}  // namespace

TEST_CASE("Amdahl: the measured speed-up of a fix matches 1/((1-p)+p/s) at low load", "[amdahl]") {
  const double a = 30, b = 70, p = a / (a + b);
  for (const auto& [fix, s] : std::vector<std::pair<std::string, double>>{{"remove_a", 1e12}, {"halve_a", 2.0}}) {
    const auto run = test::run_scenario("tests/scenarios/amdahl.lua", {}, {fix});
    const double before = test::phase(run, "baseline").endpoint("/r")->mean_ms;
    const double after = test::phase(run, "after_fix").endpoint("/r")->mean_ms;
    INFO(fix << ": before " << before << " ms, after " << after << " ms");
    CHECK(before == Approx(a + b).epsilon(0.03));
    CHECK(before / after == Approx(amdahl(p, s)).epsilon(0.03));
  }
}

TEST_CASE("Amdahl's prediction is a floor under load: queueing makes the CPU fix pay more", "[amdahl]") {
  // 16 cores, 30 ms CPU per request: at 480 req/s the cores are 90% busy.
  const auto run = test::run_scenario("tests/scenarios/amdahl.lua", {{"rps", 480}}, {"halve_a"});
  const double before = test::phase(run, "baseline").endpoint("/r")->mean_ms;
  const double after = test::phase(run, "after_fix").endpoint("/r")->mean_ms;
  INFO("before " << before << " ms, after " << after << " ms");
  CHECK(before > 1.05 * (30 + 70));  // the CPU part is stretched by sharing
  CHECK(before / after > 1.02 * amdahl(0.3, 2.0));
}
