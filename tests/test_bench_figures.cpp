// `perfloop bench` reports the figures of issue #21, each as a ratio next to
// its baseline, and the app's own benchmarks (a launch, Apply to Verify)
// time what a learner waits for. These check what the figures are made of
// and their order in time, never how fast this machine is.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

using perfloop::test::run_cli;

namespace {

nlohmann::json figure_named(const nlohmann::json& figures, const std::string& prefix) {
  for (const auto& f : figures)
    if (f["figure"].get<std::string>().rfind(prefix, 0) == 0) return f;
  return {};
}

// Each figure's ratio is its value over its baseline (or the baseline over
// it, for a speed that must not fall), and its verdict follows its goal.
void check_figure(const nlohmann::json& f, double goal, bool at_most) {
  INFO(f.dump());
  REQUIRE(f.is_object());
  const double value = f["value"].get<double>(), baseline = f["baseline_value"].get<double>();
  CHECK(value > 0);
  CHECK(baseline > 0);
  CHECK(f["ratio"].get<double>() == Approx(value / baseline).epsilon(1e-12));
  const double judged = f["goal"].get<std::string>().rfind("value", 0) == 0 ? value : f["ratio"].get<double>();
  CHECK(f["met"].get<bool>() == (at_most ? judged <= goal : judged >= goal));
}

}  // namespace

TEST_CASE("bench --json gives the engine's and grading's figures next to their baselines", "[bench-figures]") {
  const auto r = run_cli("bench --json --requests 20000 --quiz-cards 1 --no-gui");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json out = nlohmann::json::parse(r.out);
  const nlohmann::json& figures = out["figures"];
  REQUIRE(figures.size() == 3);  // no app figures without the app
  CHECK(out["app"]["skipped"] == "--no-gui");
  const nlohmann::json grading = figure_named(figures, "grading the expert's /checkout answers");
  check_figure(grading, 1.0, true);
  CHECK(grading["baseline_value"].get<double>() == Approx(out["checkout_incident"]["wall_s"].get<double>()));
  CHECK(out["grade_checkout_expert"]["total"].get<double>() == Approx(100.0));
  const nlohmann::json mmc = figure_named(figures, "M/M/c engine");
  check_figure(mmc, 1.0, false);
  CHECK(mmc["ratio"].get<double>() == Approx(out["mmc"]["engine_over_bare"].get<double>()));
  CHECK(out["mmc"]["requests"] == 20000);
  check_figure(figure_named(figures, "full /checkout model"), 0.75, false);
  // The incident is the whole flagship: two simulated hours.
  CHECK(out["checkout_incident"]["simulated_s"].get<double>() == Approx(7200.0));
}

TEST_CASE("the app's launch and Apply-to-Verify benchmarks time the moments in their order", "[gui][xvfb]") {
  const std::string base = "/tmp/perfloop-bench-app-" + std::to_string(::getpid());
  const std::string xvfb = "xvfb-run -a -s '-screen 0 1400x900x24' ";
  const std::string common = " --scenario checkout-inventory-payload --size 1280x720 --save none --settings " + base +
                             "-settings.json --json";
  const auto launch_run = run_cli("gui --bench-launch" + common, xvfb);
  INFO(launch_run.err);
  REQUIRE(launch_run.status == 0);
  const nlohmann::json launch = nlohmann::json::parse(launch_run.out);
  INFO(launch.dump());
  CHECK(launch["step"] == "observe");
  const auto at = [&](const char* key) { return launch[key].get<std::int64_t>(); };
  CHECK(at("entered_ns") < at("window_ns"));
  CHECK(at("window_ns") < at("first_frame_ns"));
  CHECK(at("first_frame_ns") <= at("useful_frame_ns"));
  CHECK(at("useful_frame_ns") <= at("complete_ns"));
  CHECK(launch["useful_frame_s"].get<double>() == Approx(static_cast<double>(at("useful_frame_ns") - at("entered_ns")) / 1e9));
  // A scripted launch leaves the settings file alone.
  CHECK_FALSE(std::filesystem::exists(base + "-settings.json"));

  const auto apply_run = run_cli("gui --step fix --answers expert --bench-apply" + common, xvfb);
  INFO(apply_run.err);
  REQUIRE(apply_run.status == 0);
  const nlohmann::json apply = nlohmann::json::parse(apply_run.out);
  INFO(apply.dump());
  CHECK(apply["fix"] == "rollback");  // the expert's choice for /checkout
  CHECK(apply["apply_to_fixed_run_s"].get<double>() > 0);
  CHECK(apply["apply_to_verify_s"].get<double>() >= apply["apply_to_fixed_run_s"].get<double>());
  CHECK(apply["frames"].get<int>() > 0);  // frames went on while the run simulated

  // --bench-apply belongs to the Fix panel.
  const auto wrong = run_cli("gui --step verify --answers expert --bench-apply" + common, xvfb);
  CHECK(wrong.status == 2);
  CHECK(wrong.err.find("--bench-apply needs --step fix") != std::string::npos);
}

TEST_CASE("bench under a display adds the app's figures from child processes", "[gui][xvfb]") {
  const auto r = run_cli("bench --json --requests 20000 --quiz-cards 0", "xvfb-run -a -s '-screen 0 1700x1000x24' ");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json out = nlohmann::json::parse(r.out);
  INFO(out["app"].dump());
  REQUIRE(out["figures"].size() == 6);
  check_figure(figure_named(out["figures"], "app frame p99 zooming"), 8.0, true);
  CHECK(out["app"]["zoom"]["flame_nodes"] == 5000);
  CHECK(out["app"]["zoom"]["stale_pixels"] == 0);
  const nlohmann::json launch = figure_named(out["figures"], "launch to the first useful frame");
  INFO(launch.dump());
  CHECK(launch["ratio"].get<double>() >= 1.0);  // never before the first frame
  CHECK(out["app"]["launch"]["launches"] == 3);
  const nlohmann::json verify = figure_named(out["figures"], "Apply fix to the Verify figures");
  CHECK(verify["value"].get<double>() == Approx(out["app"]["apply_fix"]["apply_to_verify_s"].get<double>()));
  CHECK(verify["baseline_value"].get<double>() == Approx(out["checkout_incident"]["wall_s"].get<double>()));
}
