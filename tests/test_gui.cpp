// The real app under Xvfb: `perfloop gui --screenshot` renders the Observe
// panel with GLFW and OpenGL (Mesa's software renderer) and writes a PNG,
// which is read back and checked for what a learner should see.
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "test_image.h"

using perfloop::test::count_near;
using perfloop::test::Image;
using perfloop::test::load_png;

namespace {

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("gui --screenshot draws the Observe dashboard of the /checkout incident", "[gui][xvfb]") {
  const std::string png = "/tmp/perfloop-gui-test-" + std::to_string(::getpid()) + ".png";
  std::filesystem::remove(png);
  const std::string command = "xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(PERFLOOP_BINARY) +
                              " gui --scenario checkout-inventory-payload --step observe --size 1280x720 --screenshot " +
                              png + " > /dev/null 2>&1";
  REQUIRE(run(command) == 0);
  const Image img = load_png(png);
  CHECK(img.width == 1280);
  CHECK(img.height == 720);
  // Not blank: a real dashboard has many colours.
  std::set<int> colours;
  for (int y = 0; y < img.height; y += 3)
    for (int x = 0; x < img.width; x += 3) {
      const unsigned char* p = img.at(x, y);
      colours.insert((p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3));
    }
  CHECK(colours.size() > 60);
  // The p99 line (orange) in the latency chart, mostly right of the deploy at 30:00 (a quarter across).
  const int left = count_near(img, 180, 40, 180 + (1280 - 180) / 4, 260, 240, 150, 80);
  const int right = count_near(img, 180 + (1280 - 180) / 4, 40, 1280, 260, 240, 150, 80);
  CHECK(right > 500);
  CHECK(right > 3 * left);
  // The burn-rate page: a red banner across the top.
  CHECK(count_near(img, 300, 30, 1280, 80, 102, 33, 38, 30) > 5000);
  std::filesystem::remove(png);
}

TEST_CASE("gui refuses what it cannot show, with status 2", "[gui]") {
  const std::string bin = PERFLOOP_BINARY;
  CHECK(run(bin + " gui --step fix > /dev/null 2>&1") == 2);            // locked: nothing answered before it
  CHECK(run(bin + " gui --step fix --answers /nonexistent.json > /dev/null 2>&1") == 2);
  CHECK(run(bin + " gui --step sideways > /dev/null 2>&1") == 2);
  CHECK(run(bin + " gui --scenario nope > /dev/null 2>&1") == 2);
  CHECK(run(bin + " gui --size 10x10 > /dev/null 2>&1") == 2);
  CHECK(run("env -u DISPLAY -u WAYLAND_DISPLAY " + bin + " gui --screenshot /tmp/never.png > /dev/null 2>&1") == 2);
}

TEST_CASE("gui --answers opens a later panel as a learner reaches it: Verify's before and after", "[gui][xvfb]") {
  const std::string png = "/tmp/perfloop-gui-verify-" + std::to_string(::getpid()) + ".png";
  std::filesystem::remove(png);
  const std::string command = "xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(PERFLOOP_BINARY) +
                              " gui --scenario checkout-inventory-payload --step verify --answers expert --save none"
                              " --settings /tmp/perfloop-gui-test-settings.json --size 1280x720 --screenshot " + png +
                              " > /dev/null 2>&1";
  REQUIRE(run(command) == 0);
  const Image img = load_png(png);
  REQUIRE(img.width == 1280);
  // The headline chart: p99 (orange) before the fix at 1:30:00 (three quarters across), the prediction's
  // blue line only after it.
  const int chart_top = 150, chart_bottom = 340, plot_left = 230, plot_right = 1270;
  const int fix_x = plot_left + (plot_right - plot_left) * 3 / 4;
  const int orange_before = count_near(img, plot_left + 10, chart_top, fix_x - 10, chart_bottom, 240, 150, 80);
  const int blue_before = count_near(img, plot_left + 10, chart_top, fix_x - 10, chart_bottom, 110, 170, 240, 70);
  const int blue_after = count_near(img, fix_x + 10, chart_top, plot_right - 60, chart_bottom, 110, 170, 240, 70);
  CHECK(orange_before > 400);
  CHECK(blue_after > 2 * blue_before + 40);
  // The diff tables: green "shrank" percentages for the frames the rollback relieved.
  CHECK(count_near(img, 600, 440, 730, 660, 100, 200, 130, 70) > 60);
  std::filesystem::remove(png);
}

// Under Mesa's software renderer the app redraws only what changed (FrameDamage)
// and keeps the rest of the window. A pointer sweeping the latency chart
// changes its hover line and tooltip every frame; at the screenshot after
// the sweep the app draws the frame whole and compares: a change the damage
// tracking missed would leave pixels out of date (and fail with status 2).
TEST_CASE("gui redraws only what a moving pointer changes, and the window matches a whole redraw", "[gui][xvfb]") {
  const std::string base = "/tmp/perfloop-gui-damage-" + std::to_string(::getpid());
  const std::string png = base + ".png", json = base + ".json";
  const std::string command = "xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(PERFLOOP_BINARY) +
                              " gui --scenario checkout-inventory-payload --step observe --size 1280x720 --save none"
                              " --settings " + base + "-settings.json --bench-frames 120 --bench-pointer --json --screenshot " +
                              png + " > " + json + " 2>/dev/null";
  REQUIRE(run(command) == 0);
  std::ifstream in(json);
  const nlohmann::json bench = nlohmann::json::parse(in);
  INFO(bench.dump());
  CHECK(bench["redraw"] == "partial");
  CHECK(bench["stale_pixels"] == 0);
  CHECK(bench["frames_redrawn"].get<int>() > 100);  // the hover moved in nearly every frame...
  CHECK(bench["redrawn_share_of_pixels"].get<double>() < 0.25);  // ...over a small part of the window
  const Image img = load_png(png);
  CHECK(img.width == 1280);
  CHECK(count_near(img, 180, 40, 1280, 260, 240, 150, 80) > 500);  // the p99 line, as in the whole screenshot
  for (const auto& f : {png, json, base + "-settings.json"}) std::filesystem::remove(f);
}

// A flame graph zoomed in and out every frame is shown from a texture of an
// earlier view, stretched, and drawn anew when the zoom stops: the
// screenshot after the zoom (the frame that settles it) must match a whole
// redraw, and show the graph.
TEST_CASE("gui zooms a flame graph from a stretched texture and settles on a redraw that matches a whole one", "[gui][xvfb]") {
  const std::string base = "/tmp/perfloop-gui-zoom-" + std::to_string(::getpid());
  const std::string png = base + ".png", json = base + ".json";
  const std::string command = "xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(PERFLOOP_BINARY) +
                              " gui --scenario checkout-inventory-payload --step profile --answers expert --size 1280x720"
                              " --save none --settings " + base + "-settings.json --bench-frames 100 --bench-zoom --json"
                              " --screenshot " + png + " > " + json + " 2>/dev/null";
  REQUIRE(run(command) == 0);
  std::ifstream in(json);
  const nlohmann::json bench = nlohmann::json::parse(in);
  INFO(bench.dump());
  CHECK(bench["redraw"] == "partial");
  CHECK(bench["stale_pixels"] == 0);
  CHECK(bench["flame_nodes"] == 5000);
  // The graph was drawn and kept before measuring: every zooming frame stretches that texture (the view
  // back at the whole is that texture itself), and none draws the 5,000 frames anew.
  CHECK(bench["layers"]["stretched"].get<int>() >= 90);
  CHECK(bench["layers"]["rendered"] == 0);
  CHECK(bench["layers"]["direct"] == 0);
  const Image img = load_png(png);
  CHECK(img.width == 1280);
  // The flame graph's warm boxes, drawn in the settled frame.
  CHECK(count_near(img, 180, 150, 1280, 600, 235, 150, 40, 90) > 20000);
  for (const auto& f : {png, json, base + "-settings.json"}) std::filesystem::remove(f);
}
