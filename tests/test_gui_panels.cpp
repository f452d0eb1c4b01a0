// Every panel of the app, for every catalogue scenario, drawn in a Dear
// ImGui context with no window and no renderer: the panels run their real
// code on the real session (the expert's answers replayed up to each step),
// must not trip an ImGui assertion, must put geometry on screen, and must
// draw the controls a learner needs to answer the step.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "sim/catalogue.h"
#include "ui/app.h"
#include "ui/control_map.h"
#include "ui/play_state.h"
#include "ui/theme.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

class HeadlessImGui {
 public:
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 900);
    apply_theme(1.0f);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas, as a renderer would
    control_map_enable("");
  }
  ~HeadlessImGui() {
    control_map_disable();
    ImGui::DestroyContext();
  }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  // One frame of the app; returns the vertices it produced.
  int frame(AppState& state) {
    ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    draw_app(state);
    ImGui::Render();
    control_map_end_frame();
    return ImGui::GetDrawData()->TotalVtxCount;
  }

  // Frames until the session has answered what the panel asked for.
  int settle(AppState& state) {
    for (int i = 0; i < 4; ++i) {
      frame(state);
      state.session.wait_idle();
    }
    return frame(state);
  }
};

bool has_control(const std::string& name) { return control_map_last_frame().count(name) > 0; }

// The control that proves the step's panel is there to be answered.
std::string key_control(const PlayState& play, LoopStep step) {
  if (step == LoopStep::MoveOn && play.finished) return "scorecard.total";
  if (step == LoopStep::Enforce && play.answers.enforce) return "enforce.gate.";  // prefix: the replay view
  return std::string(step_name(step)) + ".commit";
}

bool has_prefix(const std::string& prefix) {
  const auto& m = control_map_last_frame();
  const auto it = m.lower_bound(prefix);
  return it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("every panel draws for every catalogue scenario, headless", "[panels]") {
  const Catalogue catalogue = load_catalogue(std::string(PERFLOOP_SOURCE_DIR) + "/scenarios");
  REQUIRE(catalogue.entries.size() >= 10);
  REQUIRE(catalogue.problems.empty());
  const std::string saves = (std::filesystem::temp_directory_path() / ("perfloop-panels-" + std::to_string(::getpid()))).string();
  HeadlessImGui imgui;
  for (const CatalogueEntry& entry : catalogue.entries) {
    DYNAMIC_SECTION(entry.id) {
      AppState state;
      state.catalogue = catalogue;
      state.save_dir = saves;
      open_scenario(state, entry.id);
      REQUIRE(state.error.empty());
      state.session.wait_idle();
      state.session.request_expert(entry.id);
      state.session.wait_idle();
      const SessionView view = state.session.view();
      REQUIRE(view.error.empty());
      REQUIRE(view.build);
      REQUIRE(view.expert);

      for (LoopStep step : kLoopSteps) {
        INFO("step " << step_name(step));
        start_play(state.play, entry.id, view.build->bottlenecks.size());
        replay_answers(state.play, *view.expert, step);
        if (step == LoopStep::Enforce && state.play.reached == LoopStep::Enforce) {
          // Both faces of Enforce: the gate builder, then the replay once committed.
          state.step = LoopStep::Enforce;
          CHECK(imgui.settle(state) > 500);
          CHECK(has_control("enforce.commit"));
          commit_step(state.play, LoopStep::Enforce, -1.0);
        }
        state.step = step_open(state.play, step) ? step : state.play.reached;
        if (state.play.finished) state.step = step;
        const int vertices = imgui.settle(state);
        CHECK(vertices > 500);
        const std::string control = key_control(state.play, state.step);
        CHECK((has_control(control) || has_prefix(control)));
        CHECK(has_prefix("rail."));
      }
      // The scorecard was graded and saved.
      const SessionView graded = state.session.view();
      REQUIRE(graded.grade);
      CHECK(graded.grade->result.total >= 75.0);
      CHECK(std::filesystem::exists(graded.grade->saved_path));
      CHECK(graded.error.empty());

      // The picker, with a card per scenario.
      state.picking = true;
      state.picker.scores_loaded = false;
      CHECK(imgui.settle(state) > 500);
      CHECK(has_control("picker.card." + entry.id));
      CHECK(has_control("picker.play"));
      CHECK(state.picker.best.count(entry.id) == 1);
    }
  }
  std::filesystem::remove_all(saves);
}

TEST_CASE("a broken scenario opens into the error panel, not a crash", "[panels]") {
  const std::string dir = (std::filesystem::temp_directory_path() / ("perfloop-broken-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/broken.lua";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    std::fputs("return { id = 'broken', title = 'Broken', build = function(p) return p.nothing.here end }\n", f);
    std::fclose(f);
  }
  HeadlessImGui imgui;
  AppState state;
  open_scenario(state, file);
  CHECK(imgui.settle(state) > 100);
  state.session.wait_idle();
  const std::string shown = !state.run.error.empty() ? state.run.error : state.view.error;
  CHECK(shown.find("broken.lua") != std::string::npos);
  CHECK(has_control("rail.observe"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the picker's parameters reach the dashboards' run and the graded session", "[panels]") {
  HeadlessImGui imgui;
  AppState state;
  state.catalogue = load_catalogue(std::string(PERFLOOP_SOURCE_DIR) + "/scenarios");
  state.picking = true;
  state.picker.selected = "orders-n-plus-1";
  state.picker.params["rps"] = 40;  // as a slider would set it
  imgui.frame(state);
  REQUIRE(has_control("picker.play"));
  // "Play" copies the picker's values and opens the scenario; here without the mouse.
  state.params = state.picker.params;
  state.picking = false;
  open_scenario(state, "orders-n-plus-1");
  state.session.wait_idle();
  const SessionView view = state.session.view();
  REQUIRE(view.build);
  CHECK(view.build->model.load.rps == 40.0);
  // The streamed run: throughput near the chosen rate, not the default.
  for (int i = 0; i < 600 && !state.run.finished; ++i) {
    imgui.frame(state);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(state.run.finished);
  // Over the first minute, all endpoints together: 40 req/s, where the default is 30.
  double total_rps = 0.0;
  for (const auto& series : state.run.series)
    for (std::size_t w = 0; w < 6 && w < series.size(); ++w) total_rps += series[w].rps / 6.0;
  INFO("throughput " << total_rps << " req/s");
  CHECK(total_rps == Approx(40.0).epsilon(0.08));
}
