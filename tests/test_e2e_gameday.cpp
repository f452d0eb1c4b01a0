// End to end, a short game day: the real app on a private Xvfb display,
// driven by xdotool. The team waits for the page at 30x, acknowledges it,
// the facilitator (F9) releases a hint, the team applies the fix live, the
// service recovers, the facilitator ends the game and the debrief opens; the
// attempt in the data folder has the page, the hint, the fix and the
// recovery, and the scoreboard lists the team.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "app_driver.h"
#include "cli_runner.h"

namespace fs = std::filesystem;
using namespace perfloop::test::e2e;
using perfloop::test::run_cli;

namespace {

std::string shoot(Driver& ui, const fs::path& shots, const std::string& prefix) {
  ui.move_to(5, 890);  // off every control, so no tooltip covers the picture
  ui.key("F12");
  return screenshot(shots.string(), prefix);
}

}  // namespace

TEST_CASE("a short game day: page, acknowledgement, a released hint, a live fix, recovery, debrief",
          "[e2e][xvfb][gameday]") {
  const fs::path work = fs::temp_directory_path() / ("perfloop-e2e-gameday-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "shots");
  const std::string map_path = (work / "controls.json").string();
  const std::string data = (work / "data").string();

  Child xvfb;
  const int display = start_xvfb(xvfb);
  Child app;
  Driver ui(display, map_path);
  // The orders incident pages about a minute after its deploy (670 s): at
  // 30x, some twenty seconds in. The expert's answers fill the steps up to
  // Fix, so the game is about the page, the hint, the fix and the recovery.
  REQUIRE(start_app(app, ui, display, work,
                    {"--size", "1600x900", "--control-map", map_path, "--settings", (work / "settings.json").string(),
                     "--data", data, "--shot-dir", (work / "shots").string(), "--game", "orders-n-plus-1", "--team",
                     "Herons", "--game-speed", "30", "--answers", "expert", "--step", "fix"}));
  REQUIRE(ui.wait_for("game.clock", 60));
  CHECK_FALSE(ui.has_prefix("fix.apply"));  // nothing but the bar until the page is acknowledged
  REQUIRE(ui.wait_for("game.ack", 180));
  ui.click("game.ack");
  REQUIRE(ui.wait_for("fix.apply", 30));
  keep_shot(shoot(ui, work / "shots", "perfloop-game-fix"), "gameday-team.png");

  ui.key("F9");
  REQUIRE(ui.wait_for("facilitator.hint", 20));
  ui.click("facilitator.hint");
  keep_shot(shoot(ui, work / "shots", "perfloop-game-fix"), "gameday-facilitator.png");
  ui.click("fix.apply");
  // Recovery: back within target for five simulated minutes, ten seconds at 30x.
  REQUIRE(ui.wait_for("game.recovered", 180));
  ui.click("facilitator.end");
  REQUIRE(ui.wait_for("debrief.summary", 180));
  keep_shot(shoot(ui, work / "shots", "perfloop-debrief"), "gameday-debrief.png");
  ui.click("debrief.scoreboard");
  REQUIRE(ui.wait_for("scoreboard.debrief.Herons", 60));
  keep_shot(shoot(ui, work / "shots", "perfloop-scoreboard"), "gameday-scoreboard.png");
  app.stop();

  // The attempt: what the debrief and the scoreboard read.
  fs::path attempt;
  for (const auto& e : fs::directory_iterator(fs::path(data) / "attempts"))
    if (e.path().extension() == ".json") attempt = e.path();
  REQUIRE(!attempt.empty());
  std::ifstream in(attempt);
  const nlohmann::json saved = nlohmann::json::parse(in)["result"];
  CHECK(saved["mode"] == "gameday");
  CHECK(saved["team"] == "Herons");
  REQUIRE(saved["page_s"].is_number());
  REQUIRE(saved["ack_s"].is_number());
  REQUIRE(saved["recovered_s"].is_number());
  CHECK(saved["ack_s"].get<double>() >= saved["page_s"].get<double>());
  REQUIRE(saved["fixes"].size() == 1);
  CHECK(saved["fixes"][0]["right"] == true);
  CHECK(saved["fixes"][0]["at_s"].get<double>() > saved["ack_s"].get<double>());
  CHECK(saved["recovered_s"].get<double>() > saved["fixes"][0]["at_s"].get<double>());
  CHECK(saved["mttr_s"].get<double>() == Approx(saved["recovered_s"].get<double>() - saved["page_s"].get<double>()));
  CHECK(saved["hints_used"] == 1);
  int hints = 0, acks = 0;
  for (const auto& e : saved["timeline"]) {
    if (e["kind"] == "hint") {
      ++hints;
      CHECK(e["wall_s"].get<double>() > 0.0);  // a person did it: its wall time is kept
    }
    acks += e["kind"] == "ack";
  }
  CHECK(hints == 1);
  CHECK(acks == 1);
  const auto board = run_cli("scoreboard " + (fs::path(data) / "attempts").string() + " --json");
  REQUIRE(board.status == 0);
  CHECK(nlohmann::json::parse(board.out)["boards"][0]["teams"][0]["team"] == "Herons");
  fs::remove_all(work);
}
