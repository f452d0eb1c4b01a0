#include "ui/panels/gui_main.h"

#include <imgui.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sim/engine/histogram.h"
#include "sim/io/bounded_file.h"
#include "sim/io/json_text.h"
#include "sim/loop/attempt_store.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_paths.h"
#include "ui/panels/app.h"
#include "ui/panels/gui_bench.h"
#include "ui/platform/control_map.h"
#include "ui/core/flame_synthetic.h"
#include "ui/platform/gl_window.h"
#include "ui/platform/layer_cache.h"

namespace perfloop::ui {


namespace {

constexpr const char* kFlagship = "checkout-inventory-payload";
constexpr int kLeadInFrames = 4;  // drawn, kept, zoomed in, zoomed out

int fail(const std::string& message) {
  std::cerr << "perfloop: " << terminal_line(message) << "\n";
  return 2;
}

// The track, the coach and the glossary: small files read once; one that
// cannot be read leaves its part of the app out and says why on the home screen.
void load_learning_assets(AppState& state) {
  try {
    state.learn.track = load_track();
  } catch (const std::exception& e) {
    state.learn.problems.push_back(std::string("The track is unavailable: ") + e.what());
  }
  try {
    state.learn.coach = load_coach();
  } catch (const std::exception& e) {
    state.learn.problems.push_back(std::string("The coach is unavailable: ") + e.what());
  }
  try {
    state.learn.glossary = load_glossary();
  } catch (const std::exception& e) {
    state.learn.problems.push_back(std::string("The glossary is unavailable: ") + e.what());
  }
  for (const auto& problem : state.learn.problems) report_error(state, problem);
}

// Where attempts are read and written: --save, else the data folder's
// attempts/ (written only if this perfloop may write to the folder).
void choose_data_folder(AppState& state, const GuiOptions& options) {
  const std::string data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  if (!data_dir.empty()) state.data = open_data_folder(data_dir);
  if (options.save_dir == "none") return;
  if (!options.save_dir.empty()) {
    state.save_dir = options.save_dir;
    state.data_prepared = true;  // a folder of its own: no data folder to mark
    return;
  }
  state.save_dir = data_dir.empty() ? "perfloop-attempts" : state.data.attempts_dir();
  state.data_prepared = data_dir.empty();
  if (!state.data.writable()) {
    state.saving = false;
    report_error(state, state.data.problem + ". Attempts are graded but not saved.");
  }
}

// Everything the panel on screen asked for is computed: the dashboards' run,
// the session's captures, outcomes and grading.
bool settled(const AppState& state) {
  if (state.game.active)
    return state.game.view.ready && (state.game.view.speed == 0.0 || !state.game.settle_paused) &&
           (state.game.ack_s || !state.game.settle_acked) && (state.view.ready || !state.view.error.empty()) &&
           background_idle(state);
  const bool playing = !state.scenario_path.empty();
  return (!playing || ((state.run.finished || !state.run.error.empty()) && (state.view.ready || !state.view.error.empty()))) &&
         background_idle(state);
}

// Replays an answers file (or the expert's) up to the step asked for, and
// points the dashboards' run at the fixes landed by then.
std::string replay_to_step(AppState& state, const GuiOptions& options, LoopStep step) {
  state.session.wait_idle();
  state.view = state.session.view();
  if (!state.view.build) return state.view.error.empty() ? "the scenario did not build" : state.view.error;
  state.scenario_id = state.view.scenario_id;
  set_scenario(state.play, state.scenario_id);
  state.play.bottlenecks = std::max<std::size_t>(1, state.view.build->bottlenecks.size());
  Answers answers;
  if (options.answers == "expert") {
    state.session.request_expert(state.scenario_id);
    state.session.wait_idle();
    state.view = state.session.view();
    if (!state.view.expert) return "the expert could not solve " + state.scenario_id + ": " + state.view.error;
    answers = *state.view.expert;
  } else {
    try {
      answers = read_answers_file(options.answers, state.scenario_id, *state.view.build);
    } catch (const std::exception& e) {
      return e.what();
    }
  }
  replay_answers(state.play, answers, step);
  // Enforce's replay shows once its answer is committed: commit it, so the
  // panel opens on the replay as a learner sees it after pressing Done.
  if (step == LoopStep::Enforce && answers.enforce && state.play.reached == LoopStep::Enforce)
    commit_step(state.play, LoopStep::Enforce, -1.0);
  state.step = step_open(state.play, step) ? step : state.play.reached;
  if (state.play.finished) state.step = step == LoopStep::MoveOn ? LoopStep::MoveOn : step;
  // From Verify on, the dashboards show the run with the current bottleneck's fix.
  std::vector<std::string> fixes = fixes_before(state.play, state.view.build.get());
  const auto& b = state.play.answers.bottlenecks;
  if (state.play.bottleneck < b.size() && b[state.play.bottleneck].fix) fixes.push_back(b[state.play.bottleneck].fix->id);
  state.worker.start(state.scenario_path, state.seed, fixes, state.params);
  return "";
}

}  // namespace

int run_gui(const GuiOptions& options) {
  AppState state;
  // Settings first: a broken file is reported in the app, never fatal.
  state.settings_path = options.settings_path.empty() ? default_settings_path() : options.settings_path;
  const SettingsLoad settings_load = load_settings(state.settings_path, state.settings);
  if (!settings_load.problem.empty()) report_error(state, settings_load.problem);
  choose_data_folder(state, options);
  load_learning_assets(state);
  state.seed = options.seed;
  const std::string catalogue = catalogue_dir();
  start_reading_catalogue(state, catalogue.empty() ? "scenarios" : catalogue);

  // With nothing asked for, the app opens on the home screen; a scenario, a
  // step or answers open a play (a demonstration, a screenshot, a benchmark).
  const bool home = options.step == "home" || (options.scenario.empty() && options.step.empty() && options.answers.empty());
  const bool track = options.step == "track";
  const bool practise = options.step == "practise";
  const bool game_screen = options.step == "gameday" || options.step == "scoreboard" || options.step == "debrief";
  const bool game = !options.game.empty();
  SignalSet signals;
  try {
    signals = parse_signal_set(options.signals);
  } catch (const std::exception& e) {
    return fail(std::string("--signals: ") + e.what());
  }
  int speed_index = -1;
  for (int i = 0; i < 5; ++i)
    if (kGameSpeeds[i] == options.game_speed) speed_index = i;
  if (game && speed_index < 0) return fail("--game-speed: one of 1, 2, 5, 10, 30");
  std::shared_ptr<const nlohmann::json> attempt;
  if (options.step == "debrief") {
    if (options.attempt.empty()) return fail("--step debrief needs --attempt FILE (a game day's attempt)");
    const FileRead file = read_bounded_file(options.attempt, kMaxAttemptBytes, "an attempt");
    if (!file.ok()) return fail(options.attempt + ": " + file.problem);
    try {
      attempt = std::make_shared<const nlohmann::json>(parse_attempt(file.text));
      (void)read_game_record(*attempt);
    } catch (const std::exception& e) {
      return fail(options.attempt + ": " + e.what());
    }
  }
  std::string scenario = options.scenario;
  if (scenario.empty() && !state.settings.last_scenario.empty() && !find_scenario(state.settings.last_scenario).empty())
    scenario = state.settings.last_scenario;
  if (scenario.empty()) scenario = kFlagship;
  if (find_scenario(scenario).empty()) return fail("scenario '" + scenario + "' not found");
  LoopStep step = LoopStep::Observe;
  const bool picker = options.step == "scenarios";  // the scenario picker
  bool known = picker || home || track || practise || game_screen || options.step.empty();
  for (LoopStep s : kLoopSteps)
    if (step_name(s) == options.step) {
      known = true;
      step = s;
    }
  if (!known)
    return fail("unknown step '" + options.step +
                "' (steps: observe, profile, classify, predict, fix, verify, enforce, move_on; or scenarios, the picker; "
                "home; track; practise; gameday, scoreboard, debrief)");
  if (step != LoopStep::Observe && options.answers.empty())
    return fail("--step " + options.step + " is locked until the earlier steps are answered: add --answers FILE (or --answers expert)");

  const bool bench = options.bench_frames > 0;
  if (options.bench_apply && step != LoopStep::Fix) return fail("--bench-apply needs --step fix (and --answers)");
  LaunchTimes launch;
  launch.entered_ns = options.launch_ns > 0 ? options.launch_ns : steady_ns();
  ApplyTimes apply;
  const int width = options.width > 0 ? options.width : state.settings.width;
  const int height = options.height > 0 ? options.height : state.settings.height;
  GlWindow window;
  std::string error;
  // Fonts are built at 1x; the UI scale setting scales them as the app draws.
  if (!window.open({width, height, "perfloop", 1.0f, !bench}, error)) return fail(error);
  launch.window_ns = steady_ns();
  // A screenshot or a benchmark shows the app as it is, not wherever the
  // virtual pointer happens to rest; only the benchmark's own sweep moves it.
  if ((!options.screenshot.empty() || bench) && !options.bench_pointer) ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NoMouse;
  if (!options.control_map.empty()) control_map_enable(options.control_map);

  if (!options.profile.empty()) {
    if (const std::string problem = open_profile_file(state, options.profile, options.against); !problem.empty())
      return fail(problem);
  } else if (game) {
    state.game.scenario = options.game;
    state.game.team = options.team;
    state.game.signals = signals;
    state.game.speed_index = speed_index;
    state.game.facilitator_open = options.facilitator;
    state.game.settle_paused = options.game_until_s > 0;
    state.game.settle_acked = options.game_ack;
    start_game(state);
    if (!state.game.active) return fail(state.errors.empty() ? "the game did not start" : state.errors.back());
  } else if (options.step == "gameday") {
    state.screen = Screen::GameSetup;
  } else if (options.step == "scoreboard") {
    open_scoreboard(state);
  } else if (options.step == "debrief") {
    open_debrief(state, attempt);
  } else if (home || track) {
    state.screen = track ? Screen::Track : Screen::Home;
  } else if (practise) {
    open_practise_screen(state);
  } else if (picker && options.scenario.empty()) {
    state.picking = true;  // free play from the home screen: no attempt behind it
  } else {
    open_scenario(state, scenario);
    state.picking = picker;
  }
  if (!options.answers.empty()) {
    const std::string problem = replay_to_step(state, options, step);
    if (!problem.empty()) return fail(problem);
    if (game) state.worker.cancel();  // the game's worker feeds the dashboards
  }

  // Screenshot and benchmark modes first let every computation the panel
  // asks for finish, plus a few frames so layouts settle.
  int settled_frames = 0;
  int measured = 0;
  int lead_in = 0;  // frames after the benchmark's change that are drawn but not measured
  bool applied = false;
  FrameStats stats;
  const bool waits = bench || options.bench_apply || !options.screenshot.empty();
  const bool scripted = waits || options.bench_launch;
  int shots = 0;
  while (!window.should_close() && !state.quit) {
    const auto frame_start = std::chrono::steady_clock::now();
    window.begin_frame();
    if (state.game.active) {
      // Scripted games: acknowledge at the page, stop the clock at the moment asked for.
      if (options.game_ack && state.game.view.page_s) acknowledge_page(state);
      if (options.game_until_s > 0 && state.game.view.clock_s >= options.game_until_s && state.game.view.speed > 0)
        state.game.worker.set_speed(0.0);
    }
    draw_app(state);
    control_map_end_frame();
    const std::int64_t build_ns = ns_since(frame_start);
    settled_frames = settled(state) ? settled_frames + 1 : 0;
    const bool ready = !waits || settled_frames >= 6 || measured > 0;
    // With a benchmark, the screenshot is of the frame after the measured ones.
    const bool shoot = !options.screenshot.empty() && ready && (!bench || measured > options.bench_frames);
    std::string shot = shoot ? options.screenshot : std::string();
    if (shot.empty() && window.screenshot_key()) {
      const std::string screen = state.screen == Screen::Practise ? (state.practise.show_stats ? "practise-stats" : "practise")
                                 : state.screen == Screen::Home   ? "home"
                                 : state.screen == Screen::Track  ? "track"
                                 : state.screen == Screen::GameSetup  ? "gameday"
                                 : state.screen == Screen::Scoreboard ? "scoreboard"
                                 : state.screen == Screen::Debrief    ? "debrief"
                                 : state.screen == Screen::ProfileFile ? "profile-file"
                                 : state.game.active                  ? "game-" + std::string(step_name(state.step))
                                                                  : std::string(step_name(state.step));
      shot = options.shot_dir + "/perfloop-" + screen + "-" + std::to_string(++shots) + ".png";
    }
    if (!window.end_frame(shot, error)) {
      if (shoot) return fail(error);
      report_error(state, error);  // an F12 that could not write: say so, keep running
    }
    if (shoot) break;
    if (options.bench_launch && note_launch_frame(launch, state, settled_frames > 0)) break;
    if (options.bench_apply && (ready || apply.applied_ns > 0) && advance_apply_bench(state, apply, ns_since(frame_start))) break;
    if (bench && ready) {
      if (measured == 0) {
        measure_bare_frames(window, std::max(30, options.bench_frames / 4), stats.bare);
        // The busiest cases: a flame graph of thousands of frames on Profile,
        // and a fix simulating behind the Fix panel.
        if (state.step == LoopStep::Profile &&
            state.profile.shown_tree().nodes.size() < static_cast<std::size_t>(options.bench_flame_nodes)) {
          state.profile.tree = std::make_shared<const FlameTree>(synthetic_flame_tree(options.bench_flame_nodes, options.seed));
          state.profile.pinned = true;
          state.profile.flame.has_view = false;
          state.profile.flame.picked = -1;  // an index into the capture's tree, not this one
        }
        if (state.step == LoopStep::Fix && !applied) {
          state.play.fix.id = fix_to_apply(state);
          apply_fix(state, state.play.fix.id);
          applied = true;
        }
        // Profile's graph, new, is first drawn, kept and zoomed a step in and
        // out, unmeasured: a learner's graph has been on screen before they
        // zoom it, and the renderer compiles each path's shaders on first use.
        if (state.step == LoopStep::Profile) lead_in = kLeadInFrames;
        ++measured;
        take_layer_counts();  // from here on, the measured frames' alone
        continue;  // the first frame after the change is not measured
      }
      if (lead_in > 0) {
        --lead_in;
        if (options.bench_zoom && lead_in < 2 && !state.profile.shown_tree().nodes.empty())
          state.profile.flame.view = zoom_at(state.profile.shown_tree(), state.profile.flame.view, 0.5, lead_in == 1 ? 0.97 : 1.0 / 0.97);
        take_layer_counts();
        continue;
      }
      // The last measured frame leaves the view where it is, so a screenshot after them shows the zoom
      // settled: drawn anew, crisp, and checked against a whole redraw like any other frame.
      if (options.bench_zoom && state.step == LoopStep::Profile && !state.profile.shown_tree().nodes.empty() &&
          measured < options.bench_frames) {
        // In and out around the middle, as a wheel would: every frame shows another view.
        const double factor = (measured / 20) % 2 == 0 ? 0.97 : 1.0 / 0.97;
        state.profile.flame.view = zoom_at(state.profile.shown_tree(), state.profile.flame.view, 0.5, factor);
        state.profile.flame.has_view = true;
      }
      if (options.bench_pointer) window.set_pointer(sweep_pointer(state.step, measured, width, height));
      const std::int64_t ns = ns_since(frame_start);
      stats.all.add(ns);
      stats.build.add(build_ns);
      count_draw_calls(stats);
      count_damage(stats, window, width, height);
      if ((applied && !state.run.finished) || (state.game.active && state.game.view.speed > 0 && !state.game.view.out_of_time))
        stats.simulating.add(ns);
      if (ns > 33'000'000) ++stats.over_33ms;
      if (++measured > options.bench_frames && options.screenshot.empty()) break;
    }
  }
  state.session.wait_idle();
  if (bench) print_bench(options, state, stats, window, width, height);
  if (options.bench_launch) print_launch(options, state, launch);
  if (options.bench_apply) print_apply(options, state, apply);
  if (window.stale_pixels() > 0) {
    // A screenshot found the window out of date: a bug in the damage tracking, never silent.
    std::cerr << "perfloop: partial redraws left " << window.stale_pixels()
              << " pixels out of date (a change the damage tracking missed)\n";
    if (!options.screenshot.empty()) return 2;
  }
  // Remember the window and the scenario, unless this was a scripted run or
  // the file there is one this perfloop could not read (it stays as it was).
  if (!scripted && !settings_load.keep_file) {
    window.size(state.settings.width, state.settings.height);
    try {
      save_settings(state.settings_path, state.settings);
    } catch (const std::exception& e) {
      std::cerr << "perfloop: " << terminal_line(e.what()) << "\n";
    }
  }
  state.worker.cancel();
  return 0;
}

}  // namespace perfloop::ui
