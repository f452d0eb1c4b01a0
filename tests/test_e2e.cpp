// End to end: the real app (GLFW, OpenGL on Mesa's software renderer) on a
// private Xvfb display, played through the /checkout incident by real input
// (xdotool moves the pointer, clicks and types; keys 1-8, Esc, F12, Ctrl+Q).
// The app publishes where its named controls are (--control-map), the only
// thing the driver reads from it; the result is checked where a learner
// would find it: the saved attempt, the settings file and F12 screenshots.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app_driver.h"
#include "test_image.h"

namespace fs = std::filesystem;
using perfloop::test::Image;
using perfloop::test::load_png;
using namespace perfloop::test::e2e;


TEST_CASE("the /checkout incident, played through all eight steps by real input", "[e2e][xvfb]") {
  const fs::path work = fs::temp_directory_path() / ("perfloop-e2e-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "shots");
  const std::string map_path = (work / "controls.json").string();
  const std::string settings = (work / "settings.json").string();
  const std::string saves = (work / "saves").string();

  Child xvfb;
  const int display = start_xvfb(xvfb);
  Child app;
  Driver ui(display, map_path);
  REQUIRE(start_app(app, ui, display, work,
                    {"--scenario", "checkout-inventory-payload", "--size", "1600x900", "--control-map", map_path, "--settings",
                     settings, "--save", saves, "--shot-dir", (work / "shots").string()}));
  REQUIRE(ui.wait_for("observe.commit"));

  // Observe: /checkout p99 (the defaults), server side, onset typed in seconds;
  // Done is live once the incident has been simulated.
  ui.type_into("observe.onset", "1800");
  ui.click("observe.server");
  REQUIRE(ui.wait_for("observe.ready"));
  REQUIRE(ui.press_until_gone("observe.commit"));
  REQUIRE(ui.wait_for("profile.commit"));

  // Profile: the CPU stream over the window from the onset; a click in the
  // flame graph zooms and picks a frame, then the hot frame is named.
  ui.click("profile.stream.cpu");
  ui.type_into("profile.from", "1800");
  ui.type_into("profile.to", "5400");
  REQUIRE(ui.wait_for("profile.flame"));
  ui.click("profile.flame");
  ui.key("ctrl+f");  // search opens and closes without disturbing the answer
  ui.key("Escape");
  ui.type_into("profile.hot_frame", "runtime.scanobject");
  ui.click("profile.commit");
  REQUIRE(ui.wait_for("classify.commit"));

  // Classify: the two families at work.
  ui.click("classify.allocation-bound");
  ui.click("classify.io-n-plus-1");
  ui.click("classify.commit");
  REQUIRE(ui.wait_for("predict.commit"));

  // Predict: a headline near what a rollback gives, and go.
  ui.type_into("predict.headline", "260");
  ui.click("predict.go");
  ui.click("predict.commit");
  REQUIRE(ui.wait_for("fix.commit"));

  // Fix: apply the rollback; the run simulates behind the panel; commit once it is done.
  ui.click("fix.option.rollback");
  ui.click("fix.apply");
  REQUIRE(ui.wait_for("fix.progress"));
  // Done stays greyed out until the run has finished: press it until the
  // Fix panel closes. Verify then shows its answer controls once its own
  // before/after runs are in, which on a busy machine takes a while.
  REQUIRE(ui.press_until_gone("fix.commit"));
  REQUIRE(ui.wait_for("verify.commit", 120));

  // Verify: once the before/after runs are in, all three readings hold.
  REQUIRE(ui.wait_for("verify.hotspot", 120));
  ui.click("verify.hotspot");
  ui.click("verify.headline");
  ui.click("verify.target");
  ui.click("verify.commit");
  REQUIRE(ui.wait_for("enforce.commit"));

  // Enforce: the payload contract and the runbook entry; the replay shows after commit.
  ui.click("enforce.gate.payload-contract");
  ui.click("enforce.gate.upstream-runbook");
  ui.click("enforce.commit");
  REQUIRE(ui.wait_for("enforce.next", 120));
  REQUIRE(ui.wait_for("enforce.replay", 120));  // the screenshot is of the replay, which a busy machine takes a while over
  ui.key("F12");
  const std::string enforce_png = screenshot((work / "shots").string(), "perfloop-enforce");
  REQUIRE_FALSE(enforce_png.empty());
  ui.click("enforce.next");
  REQUIRE(ui.wait_for("move_on.flame", 120));  // the capture after the fix is in

  // Move on: done with it; the scorecard grades and saves the attempt.
  ui.click("move_on.resolved");
  ui.click("move_on.commit");
  REQUIRE(ui.wait_for("scorecard.total", 120));
  ui.key("F12");
  const std::string scorecard_png = screenshot((work / "shots").string(), "perfloop-move_on");
  REQUIRE_FALSE(scorecard_png.empty());

  // Keys: 1 jumps to Observe, 8 back to the scorecard, Esc one step back.
  ui.key("1");
  CHECK(ui.wait_for("observe.commit", 5));
  ui.key("8");
  CHECK(ui.wait_for("scorecard.total", 5));
  ui.key("Escape");
  CHECK(ui.wait_for("enforce.next", 5) == false);  // finished: Enforce shows the replay without a way on
  CHECK(ui.has_prefix("enforce.gate."));

  // Ctrl+Q quits cleanly and remembers the window and the scenario.
  ui.key("ctrl+q");
  CHECK(app.wait_exit(20) == 0);

  // Every F12 screenshot compared the window, as partial redraws left it, with the frame drawn whole.
  {
    std::ifstream log(work / "app.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    CHECK(text.find("out of date") == std::string::npos);
  }

  // The saved attempt: graded by the same grader as `perfloop play`.
  std::vector<fs::path> attempts;
  for (const auto& e : fs::directory_iterator(saves)) attempts.push_back(e.path());
  REQUIRE(attempts.size() == 1);
  std::ifstream in(attempts.front());
  const nlohmann::json doc = nlohmann::json::parse(in);
  CHECK(doc["format"] == "perfloop-attempt");
  const auto& result = doc["result"];
  CHECK(result["scenario"] == "checkout-inventory-payload");
  CHECK(result["complete"] == true);
  CHECK(result["steps"].size() == 8);
  CHECK(result["total"].get<double>() >= 90.0);
  for (const auto& step : result["steps"]) {
    INFO(step.dump());
    CHECK(step["seconds"].get<double>() > 0.0);  // the app timed each step
  }

  std::ifstream settings_in(settings);
  const nlohmann::json remembered = nlohmann::json::parse(settings_in);
  CHECK(remembered["version"] == 1);
  CHECK(remembered["last_scenario"] == "checkout-inventory-payload");
  CHECK(remembered["window"]["width"] == 1600);

  // The screenshots show what was drawn: many colours, the replay's dots and the scorecard's green points.
  const Image enforce = load_png(enforce_png);
  CHECK(enforce.width == 1600);
  CHECK(distinct_colours(enforce) > 40);
  CHECK(pixels_near(enforce, 100, 200, 130) > 300);  // caught changes and the "with gates" drift line
  const Image scorecard = load_png(scorecard_png);
  CHECK(distinct_colours(scorecard) > 40);
  CHECK(pixels_near(scorecard, 100, 200, 130) > 500);
  fs::remove_all(work);
}
