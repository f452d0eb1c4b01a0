// How the app behaves around its edges, drawn headless with real input:
// starting over from the scorecard, work that outlives the scenario it was
// for, the bottleneck count arriving late, the error list, Esc spent by a
// flame graph before it steps back, cancelling a run without waiting for it,
// and a scenario opened by its path.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <imgui_internal.h>  // the context's stacks, to check what recovery left
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "headless_imgui.h"
#include "sim/engine/capture.h"
#include "sim/loop/loop_session.h"
#include "sim/engine/profile_query.h"
#include "sim/scenarios/scenario_paths.h"
#include "ui/core/play_state.h"

using namespace perfloop;
using namespace perfloop::ui;

namespace {

// Opens `id` and replays the expert's answers up to `step` (the scorecard for MoveOn).
SessionView open_with_expert(AppState& state, const std::string& id, LoopStep step) {
  open_scenario(state, id);
  state.session.wait_idle();
  state.session.request_expert(id);
  state.session.wait_idle();
  SessionView view = state.session.view();
  REQUIRE(view.build);
  REQUIRE(view.expert);
  start_play(state.play, id, view.build->bottlenecks.size());
  replay_answers(state.play, *view.expert, step);
  return view;
}

std::string temp_dir(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

template <class Done>
bool wait_for(Done done, int max_ms = 60000) {
  for (int waited = 0; waited < max_ms; waited += 5) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace

TEST_CASE("Play again on the scorecard starts a fresh attempt", "[panels][behaviour]") {
  HeadlessImGui imgui;
  AppState state;
  open_with_expert(state, "orders-n-plus-1", LoopStep::MoveOn);
  REQUIRE(state.play.finished);
  state.step = LoopStep::MoveOn;
  imgui.settle(state);
  REQUIRE(has_control("scorecard.total"));
  REQUIRE(state.view.grade);
  const std::uint64_t revision = state.play.revision;
  // The click replaces the session's view while the scorecard is still drawing from its grade.
  imgui.click(state, "scorecard.again");
  CHECK_FALSE(state.play.finished);
  CHECK(state.step == LoopStep::Observe);
  CHECK(state.play.answers.bottlenecks.empty());
  CHECK(state.play.revision != revision);
  imgui.settle(state);
  CHECK(has_control("observe.commit"));
  CHECK_FALSE(state.view.grade);
  CHECK(state.errors.empty());
}

TEST_CASE("work running when another scenario opens does not land in it", "[panels][behaviour]") {
  SessionWorker session;
  session.open(find_scenario("checkout-inventory-payload"), 1);
  session.wait_idle();
  const SessionView first = session.view();
  REQUIRE(first.build);
  REQUIRE(first.scenario_id == "checkout-inventory-payload");
  std::vector<GateChoice> gates;
  for (const GateSpec& g : first.build->enforce.gates) gates.push_back({g.id, std::nullopt});
  REQUIRE_FALSE(gates.empty());
  // Open the next scenario while the replay of the first one is running.
  session.request_replay(gates, 42);
  REQUIRE(wait_for([&] { return session.view().busy == "replaying the next months"; }, 10000));
  session.open(find_scenario("orders-n-plus-1"), 1);
  session.wait_idle();
  const SessionView second = session.view();
  CHECK(second.scenario_id == "orders-n-plus-1");
  CHECK_FALSE(second.replay);  // the first scenario's replay finished into nothing
  CHECK(second.error.empty());
  REQUIRE(second.build);
  CHECK(second.build->bottlenecks.size() == 1);
}

TEST_CASE("a step committed before the scenario is built still gets every bottleneck", "[panels][behaviour]") {
  HeadlessImGui imgui;
  AppState state;
  open_scenario(state, "bea-sven-quarter");
  // Before the session has built it: the play can only guess one bottleneck.
  state.play.observe.endpoint = "/orders";
  commit_step(state.play, LoopStep::Observe, 1.0);
  REQUIRE(state.play.answers.bottlenecks.size() == 1);
  imgui.settle(state);
  REQUIRE(state.view.build);
  CHECK(state.view.build->bottlenecks.size() == 3);
  CHECK(state.play.bottlenecks == 3);
}

TEST_CASE("errors are listed newest first and dismissed one by one", "[panels][behaviour][errors]") {
  HeadlessImGui imgui;
  AppState state;
  open_scenario(state, "orders-n-plus-1");
  report_error(state, "first problem");
  report_error(state, "second problem");
  report_error(state, "second problem");  // the same message twice in a row is listed once
  REQUIRE(state.errors.size() == 2);
  imgui.settle(state);
  CHECK(has_control("error.dismiss.0"));
  CHECK(has_control("error.dismiss.1"));
  imgui.click(state, "error.dismiss.0");  // the newest
  REQUIRE(state.errors.size() == 1);
  CHECK(state.errors.front() == "first problem");
  imgui.click(state, "error.dismiss.0");
  CHECK(state.errors.empty());
  imgui.frame(state);
  CHECK_FALSE(has_control("error.dismiss.0"));
}

TEST_CASE("Esc first closes a flame graph's zoom, then steps back", "[panels][behaviour]") {
  HeadlessImGui imgui;
  AppState state;
  open_with_expert(state, "cpu-quadratic-loop", LoopStep::Classify);
  state.step = LoopStep::Profile;  // the capture and its tree
  imgui.settle(state);
  state.step = LoopStep::Classify;
  imgui.settle(state);
  REQUIRE(has_control("classify.flame"));
  const FlameTree& tree = state.profile.shown_tree();
  int narrow = -1;  // a frame narrower than the whole, to zoom to
  for (std::size_t i = 1; i < tree.nodes.size() && narrow < 0; ++i)
    if (tree.nodes[i].total < 0.9 * tree.total() && tree.nodes[i].total > 0) narrow = static_cast<int>(i);
  REQUIRE(narrow > 0);
  state.profile.flame.view = zoom_to(tree, narrow);
  REQUIRE(state.profile.flame.view.to - state.profile.flame.view.from < tree.total());
  // The pointer rests on the graph, as it would after zooming with the wheel.
  const ControlRect r = control_map_last_frame().at("classify.flame");
  ImGui::GetIO().MousePos = ImVec2(static_cast<float>(r.x + r.w / 2), static_cast<float>(r.y + r.h / 2));
  imgui.frame(state);
  imgui.press_escape(state);
  CHECK(state.step == LoopStep::Classify);
  CHECK(state.profile.flame.view.from == 0.0);
  CHECK(state.profile.flame.view.to == Approx(tree.total()));
  imgui.press_escape(state);
  CHECK(state.step == LoopStep::Profile);
}

TEST_CASE("cancelling a run shows at once and does not wait for the engine", "[panels][behaviour]") {
  SimWorker worker;
  const std::string checkout = find_scenario("checkout-inventory-payload");
  // Ten times the traffic: a simulated minute takes a few hundred milliseconds,
  // so the checks below fall well inside the one being simulated.
  worker.start(checkout, 1, {}, ParamValues{{"rps", 2220.0}});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  worker.cancel();
  RunSnapshot run;
  worker.refresh(run);
  CHECK(run.cancelled);
  CHECK_FALSE(run.finished);
  // A new run starts while the old thread is still finishing its minute.
  worker.start(find_scenario("orders-n-plus-1"), 1);
  CHECK(worker.stopping() == 1);
  REQUIRE(wait_for([&] {
    worker.refresh(run);
    return run.finished;
  }));
  CHECK_FALSE(run.cancelled);
  CHECK(run.error.empty());
  REQUIRE(run.series.size() >= 1);
  CHECK(run.series.front().size() >= 60);  // windows of the whole run
  CHECK(wait_for([&] { return worker.stopping() == 0; }, 10000));
}

namespace {

RunSnapshot finished_run(SimWorker& worker, const std::string& path, std::vector<std::string> fixes) {
  worker.start(path, 1, std::move(fixes));
  RunSnapshot run;
  REQUIRE(wait_for([&] {
    worker.refresh(run);
    return run.finished;
  }, 120000));
  REQUIRE(run.error.empty());
  return run;
}

void require_same_run(const RunSnapshot& a, const RunSnapshot& b) {
  REQUIRE(a.series.size() == b.series.size());
  for (std::size_t e = 0; e < a.series.size(); ++e) {
    REQUIRE(a.series[e].size() == b.series[e].size());
    for (std::size_t i = 0; i < a.series[e].size(); ++i) {
      const SeriesPoint &p = a.series[e][i], &q = b.series[e][i];
      INFO("endpoint " << e << ", window " << i);
      REQUIRE(p.t_s == q.t_s);
      REQUIRE(p.p50_ms == q.p50_ms);
      REQUIRE(p.p99_ms == q.p99_ms);
      REQUIRE(p.rps == q.rps);
      REQUIRE(p.error_pct == q.error_pct);
      REQUIRE(p.lcp_p75_ms == q.lcp_p75_ms);
      REQUIRE(p.inp_p75_ms == q.inp_p75_ms);
      REQUIRE(p.cpu_utilisation == q.cpu_utilisation);
      REQUIRE(p.cores == q.cores);
    }
  }
  REQUIRE(a.burn == b.burn);
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    REQUIRE(a.events[i].t == b.events[i].t);
    REQUIRE(a.events[i].text == b.events[i].text);
  }
  REQUIRE(a.fixes == b.fixes);
}

}  // namespace

TEST_CASE("applying a fix forks from the run paused before it lands and draws what a fresh run draws", "[panels][behaviour]") {
  // Three fixes landing 400 s apart: each run pauses before the next one lands.
  const std::string path = find_scenario("bea-sven-quarter");
  const std::vector<std::string> all = {"logger_fields", "batch_stock", "split_dashboard"};
  SimWorker playing;
  (void)finished_run(playing, path, {});
  for (std::size_t n = 1; n <= all.size(); ++n) {
    const std::vector<std::string> fixes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    INFO(n << " fixes");
    const RunSnapshot resumed = finished_run(playing, path, fixes);
    CHECK(playing.resumed() == n);  // each from the last run's checkpoint
    SimWorker fresh;
    const RunSnapshot whole = finished_run(fresh, path, fixes);
    CHECK(fresh.resumed() == 0);
    require_same_run(resumed, whole);
    CHECK(resumed.series.front().size() == 360);  // an hour of 10 s windows
  }
  // Another first fix after those: from the no-fix run's checkpoint, still kept.
  const RunSnapshot other = finished_run(playing, path, {"batch_stock"});
  CHECK(playing.resumed() == all.size() + 1);
  SimWorker fresh;
  require_same_run(other, finished_run(fresh, path, {"batch_stock"}));
}

TEST_CASE("a frame that threw is closed cleanly, fonts included", "[panels][behaviour][errors]") {
  HeadlessImGui imgui;
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  const int fonts = ImGui::GetCurrentContext()->FontStack.Size;
  // What a panel may have open when something throws deep inside it.
  ImGui::Begin("outer");
  ImGui::BeginChild("inner");
  ImGui::PushFont(mono_font());
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 0, 0, 255));
  ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.5f);
  ImGui::BeginDisabled();
  ImGui::PushID("row");
  ImGui::BeginGroup();
  recover_frame(fonts);
  ImGui::Render();
  CHECK(ImGui::GetCurrentContext()->FontStack.Size == fonts);
  CHECK(ImGui::GetCurrentContext()->ColorStack.Size == 0);
  CHECK(ImGui::GetCurrentContext()->StyleVarStack.Size == 0);
  // And the next frame is an ordinary one.
  AppState state;
  open_scenario(state, "orders-n-plus-1");
  CHECK(imgui.settle(state) > 500);
  CHECK(has_control("observe.commit"));
}

TEST_CASE("a scenario opened by its path is named by its own id, and its attempt saved under it", "[panels][behaviour]") {
  const std::string dir = temp_dir("perfloop-by-path");
  const std::string copy = dir + "/my copy.lua";
  std::filesystem::copy_file(find_scenario("orders-n-plus-1"), copy, std::filesystem::copy_options::overwrite_existing);
  HeadlessImGui imgui;
  AppState state;
  state.save_dir = dir + "/attempts";
  open_scenario(state, copy);
  CHECK(state.scenario_id == "my copy");  // until the script says otherwise
  CHECK(state.settings.last_scenario == copy);  // found again by its path, whatever its id
  imgui.settle(state);
  CHECK(state.scenario_id == "orders-n-plus-1");
  CHECK(state.play.answers.scenario == "orders-n-plus-1");
  CHECK(state.settings.last_scenario == copy);
  state.session.request_expert(state.scenario_id);
  state.session.wait_idle();
  const SessionView view = state.session.view();
  REQUIRE(view.expert);
  start_play(state.play, state.scenario_id, view.build->bottlenecks.size());
  replay_answers(state.play, *view.expert, LoopStep::MoveOn);
  REQUIRE(state.play.finished);
  state.step = LoopStep::MoveOn;
  imgui.settle(state);
  REQUIRE(state.view.grade);
  CHECK(state.view.grade->save_error.empty());
  CHECK(std::filesystem::path(state.view.grade->saved_path).filename() == "attempt-orders-n-plus-1-1.json");
  // Playing again plays the same file, not the catalogue's scenario of that id.
  imgui.click(state, "scorecard.again");
  CHECK(state.scenario_path == copy);
  CHECK(state.settings.last_scenario == copy);
  CHECK_FALSE(state.play.finished);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a script stopped at its limit costs the app no frame, and its refusal reaches the error panel",
          "[panels][behaviour][errors]") {
  const std::string dir = temp_dir("perfloop-spinning");
  const std::string file = dir + "/spinning.lua";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    // Runs until the instruction limit stops it, inside the script's own process.
    std::fputs("while true do end\n", f);
    std::fclose(f);
  }
  HeadlessImGui imgui;
  AppState state;
  open_scenario(state, file);
  // The first frame comes back while the script still runs: the app does not wait for it.
  imgui.frame(state);
  CHECK_FALSE(state.session.idle());
  int frames = 1;
  while (state.errors.empty() && frames < 100000) {
    imgui.frame(state);
    ++frames;
    if (state.errors.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  INFO(frames << " frames drawn while the script ran");
  REQUIRE_FALSE(state.errors.empty());
  CHECK(frames > 1);
  CHECK_THAT(state.errors.back(), Catch::Contains("spinning.lua:1: ") && Catch::Contains("limit"));
  CHECK(has_control("error.dismiss.0"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("the Profile panel shows the capture play grades: the same figures for the same window", "[panels][behaviour]") {
  // One CPU bottleneck and one read from traces, each at its expert's window.
  for (const char* id : {"checkout-inventory-payload", "orders-n-plus-1"}) {
    DYNAMIC_SECTION(id) {
      HeadlessImGui imgui;
      AppState state;
      const SessionView view = open_with_expert(state, id, LoopStep::Profile);
      REQUIRE(step_open(state.play, LoopStep::Profile));
      state.step = LoopStep::Profile;
      const BottleneckSpec& truth = view.build->bottlenecks.front();
      state.profile.stream = truth.stream;
      imgui.settle(state);
      const std::shared_ptr<const ProfileData> shown = state.view.profile;
      REQUIRE(shown);
      const ProfileAnswer& window = state.play.profile;
      CHECK(shown->request.window.from_s == window.from_s);
      CHECK(shown->request.window.to_s == window.to_s);

      // The command line's session, as `play` builds it, asked for the same window.
      ScenarioScript script = ScenarioScript::load(find_scenario(id));
      LoopSession session(script, {}, 1);
      const double onset = state.play.answers.bottlenecks.front().observe->onset_s;
      const StreamReading graded = session.capture({}, 0, truth.stream, window.from_s, window.to_s, onset, window.hot_frame);
      const StreamReading panel = read_stream(shown->capture, truth.stream, window.hot_frame);
      REQUIRE_FALSE(graded.empty);
      REQUIRE(graded.top.size() == panel.top.size());
      for (std::size_t i = 0; i < graded.top.size(); ++i) {
        CHECK(panel.top[i].first == graded.top[i].first);
        CHECK(panel.top[i].second == graded.top[i].second);
      }
      CHECK(panel.share_pct == graded.share_pct);
      CHECK(panel.unit == graded.unit);
      // And the panel's own figures are those of the capture: its request count and, for traces, its ghosts.
      CHECK(shown->capture.requests == range_requests(session.runs().run({}), static_cast<std::size_t>(shown->capture.endpoint),
                                                      s_to_ns(window.from_s), s_to_ns(window.to_s)));
    }
  }
}
