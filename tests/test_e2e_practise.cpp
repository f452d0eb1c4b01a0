// End to end, a learner's first quiz session: from an empty data folder the
// real app (on a private Xvfb display, driven by xdotool) opens Practise,
// answers three cards of the three kinds by real input, rates each, and the
// review log `perfloop quiz stats` reads holds the three reviews and nothing
// else (no attempts). Then the data folder is removed under the app: the
// next rating is refused in the error panel, the app keeps running, and
// the folder is not made again.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "app_driver.h"
#include "cli_runner.h"

namespace fs = std::filesystem;
using namespace perfloop::test::e2e;

namespace {

// Waits for the feedback (an Enforce replay takes a second or two), then rates.
void check_and_rate(Driver& ui, const std::string& rating) {
  REQUIRE(ui.press_until_gone("practise.check"));
  REQUIRE(ui.wait_for("practise.rate." + rating, 120));
  ui.click("practise.rate." + rating);
}

// Which kind of card is shown, by its controls, once one is.
std::string shown_kind(Driver& ui) {
  for (int i = 0; i < 600; ++i) {
    if (ui.has_prefix("practise.family.")) return "classify";
    if (ui.has_prefix("practise.use_amdahl")) return "predict";
    if (ui.has_prefix("practise.gate.")) return "enforce";
    sleep_ms(200);
  }
  return "";
}

}  // namespace

TEST_CASE("a first quiz session: three cards by real input, logged, and a folder removed under the app",
          "[e2e][xvfb][quiz]") {
  const fs::path work = fs::temp_directory_path() / ("perfloop-e2e-practise-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "shots");
  const std::string map_path = (work / "controls.json").string();
  const std::string data = (work / "data").string();

  Child xvfb;
  const int display = start_xvfb(xvfb);
  Child app;
  Driver ui(display, map_path);
  REQUIRE(start_app(app, ui, display, work,
                    {"--size", "1600x900", "--control-map", map_path, "--settings", (work / "settings.json").string(),
                     "--data", data, "--shot-dir", (work / "shots").string()}));
  REQUIRE(ui.wait_for("home.practise"));
  ui.click("home.practise");
  int shots = 0;

  // Three cards, answered by real input whatever their order: a classify
  // card gets a family (its flame graph, trace and families shot first, and
  // its feedback after), a predict card Amdahl's figure and go, an enforce
  // card its empty set. New items come shuffled, so the first session mixes kinds.
  std::set<std::string> kinds;
  for (int card = 0; card < 3; ++card) {
    const std::string kind = shown_kind(ui);
    REQUIRE(!kind.empty());
    kinds.insert(kind);
    if (kind == "classify") {
      CHECK(ui.wait_for("practise.flame", 10));
      ui.move_to(800, 12);  // off the evidence, so no tooltip covers the picture
      ui.key("F12");
      const std::string card_png = screenshot((work / "shots").string(), "perfloop-practise-" + std::to_string(++shots));
      REQUIRE(!card_png.empty());
      CHECK(distinct_colours(perfloop::test::load_png(card_png)) > 40);  // chart, flame graph and waterfall drawn
      keep_shot(card_png, "practise-card.png");
      ui.click("practise.stream.offcpu");  // all three streams are there to read
      ui.click("practise.stream.cpu");
      ui.click("practise.family.cpu-algorithmic");
      REQUIRE(ui.press_until_gone("practise.check"));
      REQUIRE(ui.wait_for("practise.rate.good", 120));
      ui.move_to(800, 12);
      ui.key("F12");
      keep_shot(screenshot((work / "shots").string(), "perfloop-practise-" + std::to_string(++shots)), "practise-feedback.png");
      ui.click("practise.rate.good");
    } else if (kind == "predict") {
      ui.click("practise.use_amdahl");
      ui.click("practise.go");
      check_and_rate(ui, "good");
    } else {
      check_and_rate(ui, "hard");
    }
    REQUIRE(ui.wait_gone("practise.rate.good", 20));
  }
  CHECK(kinds.size() == 3);

  // Card 4 is there at once (made while card 3 was answered); the stats view.
  const std::string fourth = shown_kind(ui);
  REQUIRE(!fourth.empty());
  ui.click("practise.stats");
  REQUIRE(ui.wait_gone("practise.check", 10));
  ui.move_to(800, 12);
  ui.key("F12");
  keep_shot(screenshot((work / "shots").string(), "perfloop-practise-stats"), "practise-stats.png");
  ui.click("practise.stats");
  REQUIRE(ui.wait_for("practise.check", 10));

  // The log holds the three reviews, rated as clicked; no attempt was written.
  const auto stats = perfloop::test::run_cli("quiz stats --json --data " + data);
  REQUIRE(stats.status == 0);
  const auto s = nlohmann::json::parse(stats.out);
  CHECK(s["reviews"] == 3);
  int reviewed = 0;
  for (const auto& item : s["items"]) reviewed += item["reviews"].get<int>() > 0;
  CHECK(reviewed == 3);
  CHECK_FALSE(fs::exists(fs::path(data) / "attempts"));

  // The data folder goes away mid-session: the rating is refused in the panel.
  fs::remove_all(data);
  if (fourth == "classify") ui.click("practise.family.cpu-algorithmic");
  if (fourth == "predict") {
    ui.click("practise.use_amdahl");
    ui.click("practise.go");
  }
  check_and_rate(ui, "good");
  CHECK(ui.wait_for("error.dismiss.0", 20));
  CHECK(app.running());
  CHECK_FALSE(fs::exists(data));
  // The card stays, so nothing is lost: its rating can be given again once the folder is back.
  CHECK(ui.has_prefix("practise.rate.good"));

  ui.key("ctrl+q");
  CHECK(app.wait_exit(20) == 0);
  fs::remove_all(work);
}
