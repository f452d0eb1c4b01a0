// End to end, the first day of a new hire: from an empty data folder the
// real app (on a private Xvfb display, driven by xdotool) opens on the home
// screen, goes to Learn, plays the tutorial through its eight steps by real
// input (the onset dragged on the chart, a hint asked for, the coach's
// explanation read), and passing it opens the track's second item, in the
// app and in `perfloop track`.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_driver.h"
#include "cli_runner.h"

namespace fs = std::filesystem;
using namespace perfloop::test::e2e;

namespace {

// Presses the left button at one time on the chart's plotting area and
// releases it at another, moving through the points between as a hand does.
void drag_on_chart(Driver& ui, const std::string& chart, double from_s, double to_s, double duration_s) {
  const Rect r = ui.settled(chart);
  const int y = r.y + r.h / 2;
  auto x_of = [&](double t) { return r.x + static_cast<int>(r.w * t / duration_s); };
  ui.move_to(x_of(from_s), y);
  ui.xdotool("mousedown 1");
  sleep_ms(150);
  for (int i = 1; i <= 6; ++i) ui.move_to(x_of(from_s + (to_s - from_s) * i / 6.0), y);
  ui.xdotool("mouseup 1");
  sleep_ms(250);
}

}  // namespace

TEST_CASE("a new hire's first day: home, Learn, the tutorial by real input, the next item opens", "[e2e][xvfb][track]") {
  const fs::path work = fs::temp_directory_path() / ("perfloop-e2e-track-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "shots");
  const std::string map_path = (work / "controls.json").string();
  const std::string settings = (work / "settings.json").string();
  const std::string data = (work / "data").string();  // does not exist yet: a first start

  Child xvfb;
  const int display = start_xvfb(xvfb);
  Child app;
  Driver ui(display, map_path);
  REQUIRE(start_app(app, ui, display, work,
                    {"--size", "1600x900", "--control-map", map_path, "--settings", settings, "--data", data, "--shot-dir",
                     (work / "shots").string()}));

  // The home screen, then Learn: the tutorial is open, the second item locked.
  REQUIRE(ui.wait_for("home.learn"));
  CHECK(ui.has_prefix("home.free"));
  ui.click("home.learn");
  REQUIRE(ui.wait_for("track.play.tutorial-first-page"));
  CHECK(ui.wait_for("track.locked.orders-n-plus-1", 5));
  CHECK_FALSE(ui.has_prefix("track.play.orders-n-plus-1"));
  ui.click("track.play.tutorial-first-page");
  REQUIRE(ui.wait_for("observe.commit"));

  // Observe: drag across the latency chart from where the rise starts; the
  // drag sets the onset and the window Profile opens on.
  REQUIRE(ui.wait_for("observe.ready", 120));
  drag_on_chart(ui, "chart.latency.plot", 245.0, 420.0, 600.0);
  ui.click("observe.server");
  REQUIRE(ui.press_until_gone("observe.commit"));
  REQUIRE(ui.wait_for("profile.commit"));

  // Profile: the CPU flame graph of the dragged window; a click picks a
  // frame, then the hot frame is named. The coach explains Observe above.
  CHECK(ui.wait_for("coach.hide", 60));
  ui.click("profile.stream.cpu");
  REQUIRE(ui.wait_for("profile.flame"));
  ui.click("profile.flame");
  ui.type_into("profile.hot_frame", "pricing.FormatPrice");
  ui.click("profile.commit");
  REQUIRE(ui.wait_for("classify.commit"));

  // Classify with one hint asked for (a nudge: 90% of the step's points);
  // the coach's explanation of Profile sits in the bottom right corner.
  ui.click("coach.hint");
  REQUIRE(ui.wait_for("coach.hide", 60));
  ui.key("F12");
  const std::string classify_png = screenshot((work / "shots").string(), "perfloop-classify");
  REQUIRE_FALSE(classify_png.empty());
  {
    const Image shot = perfloop::test::load_png(classify_png);
    const Rect hide = ui.settled("coach.hide");
    CHECK(hide.x > 1000);  // the explanation's window, over the panel's right side
    CHECK(hide.y > 450);
    // Its green heading and border.
    CHECK(perfloop::test::count_near(shot, 1000, 400, 1600, 900, 100, 200, 130) > 300);
    // PERFLOOP_E2E_SHOTS=DIR keeps the picture (the README's is made so).
    if (const char* keep = std::getenv("PERFLOOP_E2E_SHOTS"); keep && *keep)
      fs::copy_file(classify_png, fs::path(keep) / "coach-explain.png", fs::copy_options::overwrite_existing);
  }
  ui.click("classify.cpu-algorithmic");
  ui.click("classify.commit");
  REQUIRE(ui.wait_for("predict.commit"));

  ui.type_into("predict.headline", "11");
  ui.click("predict.go");
  ui.click("predict.commit");
  REQUIRE(ui.wait_for("fix.commit"));

  ui.click("fix.option.cache_locale");
  ui.click("fix.apply");
  REQUIRE(ui.press_until_gone("fix.commit"));
  REQUIRE(ui.wait_for("verify.hotspot", 120));
  ui.click("verify.hotspot");
  ui.click("verify.headline");
  ui.click("verify.target");
  ui.click("verify.commit");
  REQUIRE(ui.wait_for("enforce.commit"));

  ui.click("enforce.gate.format-benchmark");
  ui.click("enforce.gate.deploy-runbook");
  ui.click("enforce.commit");
  REQUIRE(ui.wait_for("enforce.next", 120));
  REQUIRE(ui.press_until_gone("enforce.next"));
  REQUIRE(ui.wait_for("move_on.flame", 120));
  ui.click("move_on.resolved");
  ui.click("move_on.commit");
  REQUIRE(ui.wait_for("scorecard.total", 120));

  // Back on the track, the second item is open.
  REQUIRE(ui.wait_for("scorecard.track"));
  ui.click("scorecard.track");
  CHECK(ui.wait_for("track.play.orders-n-plus-1", 30));
  CHECK_FALSE(ui.has_prefix("track.locked.orders-n-plus-1"));
  ui.key("ctrl+q");
  CHECK(app.wait_exit(20) == 0);

  // The attempt in the data folder, the hint counted in it.
  std::vector<fs::path> attempts;
  for (const auto& e : fs::directory_iterator(fs::path(data) / "attempts")) attempts.push_back(e.path());
  REQUIRE(attempts.size() == 1);
  std::ifstream in(attempts.front());
  const nlohmann::json result = nlohmann::json::parse(in)["result"];
  CHECK(result["scenario"] == "tutorial-first-page");
  CHECK(result["complete"] == true);
  CHECK(result["total"].get<double>() >= 75.0);
  CHECK(result["params"].empty());
  for (const auto& step : result["steps"]) {
    CHECK(step["hints_used"].get<int>() == (step["step"] == "classify" ? 1 : 0));
    // The drag on the latency chart set the onset and Profile's window
    // (read on that chart's own time axis, not a neighbour's).
    if (step["step"] == "observe") CHECK(std::abs(step["answer"]["onset_s"].get<double>() - 245.0) <= 10.0);
    if (step["step"] == "profile") {
      CHECK(std::abs(step["answer"]["from_s"].get<double>() - 245.0) <= 10.0);
      CHECK(std::abs(step["answer"]["to_s"].get<double>() - 420.0) <= 10.0);
    }
  }
  CHECK(fs::exists(fs::path(data) / "perfloop-data.json"));

  // The command line agrees.
  const auto track = perfloop::test::run_cli("track --data '" + data + "' --json");
  REQUIRE(track.status == 0);
  const nlohmann::json items = nlohmann::json::parse(track.out);
  CHECK(items[0]["played"] == true);
  CHECK(items[1]["id"] == "orders-n-plus-1");
  CHECK(items[1]["locked"] == false);
  CHECK(items[2]["locked"] == true);

  std::ifstream settings_in(settings);
  CHECK(nlohmann::json::parse(settings_in)["home_mode"] == "learn");
  fs::remove_all(work);
}
