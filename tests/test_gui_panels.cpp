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
#include <cfloat>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "sim/scenarios/catalogue.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/core/play_state.h"
#include "headless_imgui.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

// The controls a learner needs to answer the step on screen, each drawn by
// the step's own panel (none of them by the rail).
std::vector<std::string> step_controls(const PlayState& play, LoopStep step, const ScenarioBuild& build) {
  std::vector<std::string> names;
  switch (step) {
    case LoopStep::Observe: return {"observe.endpoint", "observe.metric", "observe.onset", "observe.commit"};
    case LoopStep::Profile:
      return {"profile.stream.cpu", "profile.stream.trace", "profile.from", "profile.to", "profile.hot_frame", "profile.commit"};
    case LoopStep::Classify:
      for (const char* family : kFamilies) names.push_back(std::string("classify.") + family);
      names.push_back("classify.commit");
      return names;
    case LoopStep::Predict:
      return {"predict.share", "predict.speedup", "predict.use_calculator", "predict.headline", "predict.go", "predict.nogo",
              "predict.commit"};
    case LoopStep::Fix:
      for (const FixSpec& f : build.fixes) names.push_back("fix.option." + f.id);
      names.push_back("fix.apply");
      names.push_back("fix.commit");
      return names;
    case LoopStep::Verify: return {"verify.hotspot", "verify.headline", "verify.target", "verify.commit"};
    case LoopStep::Enforce:
      if (play.answers.enforce) return {"enforce.replay"};  // the replay, drawn once it has arrived
      for (const GateSpec& g : build.enforce.gates) names.push_back("enforce.gate." + g.id);
      names.push_back("enforce.commit");
      return names;
    case LoopStep::MoveOn:
      if (play.finished) return {"scorecard.total", "scorecard.again", "scorecard.scenarios"};
      return {"move_on.flame", "move_on.next_frame", "move_on.resolved", "move_on.not_resolved", "move_on.commit"};
  }
  return names;
}

void check_controls(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    INFO("control " << name);
    CHECK(has_control(name));
  }
}

// Every stream of the Profile step on the learner's capture: the four flame
// graphs (then diff mode and a search on the CPU one), the waterfall of the
// slowest trace and the bundle analyzer. Counts what was drawn in `seen`.
void check_profile_streams(HeadlessImGui& imgui, AppState& state, std::map<std::string, int>& seen) {
  const std::string before = state.profile.stream;
  for (const char* stream : {"alloc", "offcpu", "mutex", "cpu"}) {
    INFO("stream " << stream);
    state.profile.stream = stream;
    CHECK(imgui.settle(state) > 500);
    REQUIRE(state.view.profile);
    CHECK(has_control("profile.flame"));
    CHECK(state.profile.built_stream == stream);
    CHECK(state.profile.tree == state.view.profile->trees[static_cast<std::size_t>(
                                    std::string(stream) == "cpu"      ? FlameMeasure::CpuSamples
                                    : std::string(stream) == "alloc"  ? FlameMeasure::AllocBytes
                                    : std::string(stream) == "offcpu" ? FlameMeasure::OffCpuNs
                                                                      : FlameMeasure::MutexNs)]);
    if (!state.profile.shown_tree().nodes.empty()) ++seen[std::string("flame.") + stream];
  }
  // CPU: diff against the baseline window, and a search for the widest child of the root.
  const FlameTree& tree = state.profile.shown_tree();
  if (tree.nodes.size() > 1 && !tree.nodes[0].children.empty()) {
    const std::string name = tree.nodes[static_cast<std::size_t>(tree.nodes[0].children.front())].name;
    state.profile.flame.diff = true;
    state.profile.flame.search_open = true;
    std::snprintf(state.profile.flame.search, sizeof state.profile.flame.search, "%s", name.c_str());
    CHECK(imgui.settle(state) > 500);
    INFO("searched " << name);
    CHECK_FALSE(state.profile.flame.cached_found.matches.empty());
    CHECK(state.profile.flame.cached_found.share > 0.0);
    CHECK(state.profile.flame.cached_found.share <= 1.0 + 1e-9);
    CHECK(state.profile.flame.cached_has_baseline == state.view.profile->capture.has_baseline);
    state.profile.flame.diff = false;
    state.profile.flame.search_open = false;
    state.profile.flame.search[0] = '\0';
    ++seen["search"];
  }
  state.profile.stream = "trace";
  CHECK(imgui.settle(state) > 200);
  if (!state.view.profile->capture.slow_traces.empty()) {
    CHECK(has_control("profile.waterfall"));
    CHECK(has_control("profile.trace"));
    CHECK(state.profile.waterfall.rows.size() >= 1);
    ++seen["waterfall"];
  } else {
    CHECK(has_control("profile.no_traces"));
  }
  state.profile.stream = "bundle";
  CHECK(imgui.settle(state) > 200);
  if (state.view.profile->capture.client.enabled && state.view.profile->capture.client.bundle_kb > 0) {
    CHECK(has_control("profile.bundle"));
    ++seen["bundle"];
  } else {
    CHECK(has_control("profile.no_bundle"));
  }
  state.profile.stream = before;
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
      std::map<std::string, int> streams_seen;
      AppState state;
      state.catalogue = catalogue;
      state.save_dir = saves;
      open_scenario(state, entry.id);
      REQUIRE(state.errors.empty());
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
          check_controls(step_controls(state.play, LoopStep::Enforce, *view.build));
          commit_step(state.play, LoopStep::Enforce, -1.0);
        }
        state.step = step_open(state.play, step) ? step : state.play.reached;
        if (state.play.finished) state.step = step;
        REQUIRE(state.step == step);  // the expert's answers open every step
        const int vertices = imgui.settle(state);
        CHECK(vertices > 500);
        check_controls(step_controls(state.play, step, *view.build));
        for (LoopStep s : kLoopSteps)
          if (step_open(state.play, s)) CHECK(has_control("rail." + std::string(step_name(s))));
        if (step == LoopStep::Profile) check_profile_streams(imgui, state, streams_seen);
      }
      // The scorecard was graded and saved.
      const SessionView graded = state.session.view();
      REQUIRE(graded.grade);
      CHECK(graded.grade->result.total >= 75.0);
      CHECK(std::filesystem::exists(graded.grade->saved_path));
      CHECK(graded.error.empty());

      // Every scenario has CPU samples to search; the flagship's slow traces
      // make a waterfall and the third-party scenario's page a bundle.
      CHECK(streams_seen["flame.cpu"] >= 1);
      CHECK(streams_seen["search"] >= 1);
      if (entry.id == "checkout-inventory-payload") CHECK(streams_seen["waterfall"] >= 1);
      if (entry.id == "third-party-bundle") CHECK(streams_seen["bundle"] >= 1);

      // The picker, with a card per scenario.
      state.picking = true;
      refresh_progress(state);
      CHECK(imgui.settle(state) > 500);
      CHECK(has_control("picker.card." + entry.id));
      CHECK(has_control("picker.play"));
      CHECK(state.progress.progress.best.count(entry.id) == 1);
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
  imgui.frame(state);
  // Both the dashboards' run and the session fail on it; the panel lists the message.
  REQUIRE_FALSE(state.errors.empty());
  CHECK(state.errors.back().find("broken.lua") != std::string::npos);
  CHECK(has_control("error.dismiss.0"));
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
