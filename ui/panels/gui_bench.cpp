#include "ui/panels/gui_bench.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sim/io/json_text.h"
#include "ui/panels/app.h"
#include "ui/panels/gui_main.h"
#include "ui/platform/gl_window.h"

namespace perfloop::ui {

namespace {

double ms(double ns) { return ns / 1e6; }

// Seconds from `from` to `to`, or -1 when either never happened.
double span_s(std::int64_t from, std::int64_t to) {
  return from > 0 && to > 0 ? static_cast<double>(to - from) / 1e9 : -1.0;
}

}  // namespace

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The fix the Fix benchmark applies: the answers' choice, else the first right one.
std::string fix_to_apply(const AppState& state) {
  if (!state.play.fix.id.empty()) return state.play.fix.id;
  const BottleneckSpec* b = current_bottleneck(state);
  if (b && !b->right_fixes.empty()) return b->right_fixes.front();
  return state.view.build && !state.view.build->fixes.empty() ? state.view.build->fixes.front().id : "";
}

void count_damage(FrameStats& stats, const GlWindow& window, int width, int height) {
  const PixelRect d = window.last_damage();
  if (d.empty()) return;
  ++stats.redrawn;
  stats.redrawn_share += static_cast<double>(d.area()) / (static_cast<double>(width) * static_cast<double>(height));
}

void count_draw_calls(FrameStats& stats) {
  const ImDrawData* data = ImGui::GetDrawData();
  if (!data) return;
  stats.draw_calls = 0;
  for (int i = 0; i < data->CmdListsCount; ++i) stats.draw_calls += data->CmdLists[i]->CmdBuffer.Size;
  stats.vertices = data->TotalVtxCount;
  const LayerCounts layers = take_layer_counts();
  stats.layers.cached += layers.cached;
  stats.layers.rendered += layers.rendered;
  stats.layers.direct += layers.direct;
  stats.layers.stretched += layers.stretched;
}

std::int64_t ns_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
}

// The floor under every whole frame on this machine: the display's clear,
// the renderer's submit and the swap (or the copy of every pixel to the
// window), with nothing drawn.
void measure_bare_frames(GlWindow& window, int frames, LogHistogram& out) {
  std::string error;
  for (int i = 0; i < frames && !window.should_close(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    window.redraw_all();
    window.begin_frame();
    window.end_frame("", error);
    out.add(ns_since(start));
  }
}

// The benchmark's pointer for frame `n`: left to right and back across the
// panel's main picture (Observe's latency chart, Profile's flame graph, the
// upper part of any other panel) in 4 s at 60 frames a second.
ImVec2 sweep_pointer(LoopStep step, int n, int width, int height) {
  const int period = 240, phase = n % period;
  const float t = static_cast<float>(phase < period / 2 ? phase : period - phase) / static_cast<float>(period / 2);
  const float y = step == LoopStep::Observe ? 0.22f : step == LoopStep::Profile ? 0.27f : 0.3f;
  return ImVec2((0.17f + 0.8f * t) * static_cast<float>(width), y * static_cast<float>(height));
}

void print_bench(const GuiOptions& options, const AppState& state, const FrameStats& s, const GlWindow& window, int width,
                 int height) {
  const std::uint64_t frames = s.all.count();
  const double redrawn_share = frames > 0 ? s.redrawn_share / static_cast<double>(frames) : 0.0;
  const std::size_t flame_nodes = state.profile.shown_tree().nodes.size();
  const int e = state.run.endpoint_index(state.play.observe.endpoint);
  const std::size_t points = e >= 0 ? state.run.series[static_cast<std::size_t>(e)].size() : 0;
  if (options.json) {
    nlohmann::json out = {{"scenario", state.scenario_id},
                          {"step", std::string(step_name(state.step))},
                          {"size", std::to_string(width) + "x" + std::to_string(height)},
                          {"frames", s.all.count()},
                          {"p50_ms", ms(s.all.quantile(0.5))},
                          {"p99_ms", ms(s.all.quantile(0.99))},
                          {"max_ms", ms(static_cast<double>(s.all.max()))},
                          {"frames_over_33_ms", s.over_33ms},
                          {"build_p50_ms", ms(s.build.quantile(0.5))},
                          {"build_p99_ms", ms(s.build.quantile(0.99))},
                          {"bare_frame_p50_ms", ms(s.bare.quantile(0.5))},
                          {"bare_frame_p99_ms", ms(s.bare.quantile(0.99))},
                          {"p50_over_bare", s.bare.quantile(0.5) > 0 ? s.all.quantile(0.5) / s.bare.quantile(0.5) : 0.0},
                          {"draw_calls", s.draw_calls},
                          {"layers",
                           {{"cached", s.layers.cached},
                            {"rendered", s.layers.rendered},
                            {"direct", s.layers.direct},
                            {"stretched", s.layers.stretched}}},
                          {"vertices", s.vertices},
                          {"redraw", window.partial() ? "partial" : "whole"},
                          {"frames_redrawn", s.redrawn},
                          {"redrawn_share_of_pixels", redrawn_share},
                          {"stale_pixels", window.stale_pixels()},
                          {"flame_nodes", flame_nodes},
                          {"dashboard_s", state.run.duration_s},
                          {"dashboard_windows", points}};
    if (s.simulating.count() > 0)
      out["while_simulating"] = {{"frames", s.simulating.count()},
                                 {"p99_ms", ms(s.simulating.quantile(0.99))},
                                 {"max_ms", ms(static_cast<double>(s.simulating.max()))}};
    std::cout << json_text(out) << "\n";
    return;
  }
  std::printf("%s, %s panel at %dx%d: %llu frames, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d over 33 ms\n",
              state.scenario_id.c_str(), std::string(step_name(state.step)).c_str(), width, height,
              static_cast<unsigned long long>(s.all.count()), ms(s.all.quantile(0.5)), ms(s.all.quantile(0.99)),
              ms(static_cast<double>(s.all.max())), s.over_33ms);
  std::printf("building the frame: p50 %.2f ms, p99 %.2f ms; a bare frame: p50 %.2f ms, p99 %.2f ms (%.1fx at p50)\n",
              ms(s.build.quantile(0.5)), ms(s.build.quantile(0.99)), ms(s.bare.quantile(0.5)), ms(s.bare.quantile(0.99)),
              s.bare.quantile(0.5) > 0 ? s.all.quantile(0.5) / s.bare.quantile(0.5) : 0.0);
  std::printf("the last frame: %d draw calls, %d vertices; layers over all frames: %d from texture, %d rendered, %d drawn "
              "directly, %d stretched from an earlier zoom\nflame graph: %zu nodes; dashboard: %.0f s in %zu windows\n",
              s.draw_calls, s.vertices, s.layers.cached, s.layers.rendered, s.layers.direct, s.layers.stretched, flame_nodes,
              state.run.duration_s, points);
  std::printf("redraws: %s; %d of %llu frames redrew pixels, %.1f%% of the window's pixels per frame on average\n",
              window.partial() ? "only what changed" : "whole frames", s.redrawn, static_cast<unsigned long long>(frames),
              100.0 * redrawn_share);
  if (s.simulating.count() > 0)
    std::printf("while a fix simulated: %llu frames, p99 %.2f ms, max %.2f ms\n",
                static_cast<unsigned long long>(s.simulating.count()), ms(s.simulating.quantile(0.99)),
                ms(static_cast<double>(s.simulating.max())));
}


bool note_launch_frame(LaunchTimes& t, const AppState& state, bool settled) {
  const std::int64_t now = steady_ns();
  if (t.first_frame_ns == 0) t.first_frame_ns = now;
  // Useful: the panel shows the scenario's own figures, not a placeholder.
  // On Observe that is the headline chart (the endpoint chosen, else the
  // first) with at least one closed window.
  if (t.useful_ns == 0) {
    const int e = std::max(0, state.run.endpoint_index(state.play.observe.endpoint));
    const bool chart = static_cast<std::size_t>(e) < state.run.series.size() && !state.run.series[static_cast<std::size_t>(e)].empty();
    if (state.view.ready && chart) t.useful_ns = now;
  }
  if (settled && t.useful_ns != 0) t.complete_ns = now;
  return t.complete_ns != 0;
}

void print_launch(const GuiOptions& options, const AppState& state, const LaunchTimes& t) {
  const double first = span_s(t.entered_ns, t.first_frame_ns), useful = span_s(t.entered_ns, t.useful_ns);
  if (options.json) {
    // Absolute steady-clock stamps too: a caller that spawned this process
    // subtracts its own spawn time from them, counting the loader as well.
    nlohmann::json out = {{"scenario", state.scenario_id},
                          {"step", std::string(step_name(state.step))},
                          {"entered_ns", t.entered_ns},
                          {"window_ns", t.window_ns},
                          {"first_frame_ns", t.first_frame_ns},
                          {"useful_frame_ns", t.useful_ns},
                          {"complete_ns", t.complete_ns},
                          {"window_s", span_s(t.entered_ns, t.window_ns)},
                          {"first_frame_s", first},
                          {"useful_frame_s", useful},
                          {"complete_s", span_s(t.entered_ns, t.complete_ns)},
                          {"useful_over_first_frame", first > 0 ? useful / first : 0.0}};
    std::cout << json_text(out) << "\n";
    return;
  }
  std::printf("%s, %s panel, from main(): window open %.3f s, first frame %.3f s, first useful frame %.3f s (%.2fx the "
              "first frame), everything computed %.3f s\n",
              state.scenario_id.c_str(), std::string(step_name(state.step)).c_str(), span_s(t.entered_ns, t.window_ns), first,
              useful, first > 0 ? useful / first : 0.0, span_s(t.entered_ns, t.complete_ns));
}

bool advance_apply_bench(AppState& state, ApplyTimes& t, std::int64_t frame_ns) {
  if (t.applied_ns == 0) {
    // As a learner would: the fix selected in the playbook, then Apply.
    t.fix = fix_to_apply(state);
    state.play.fix.id = t.fix;
    apply_fix(state, t.fix);
    t.applied_ns = steady_ns();
    return false;
  }
  ++t.frames;
  t.frame_ns.add(frame_ns);
  if (t.run_done_ns == 0) {
    if (state.run.finished && !state.run.fixes.empty() && state.run.fixes.back() == t.fix) {
      t.run_done_ns = steady_ns();
      commit_and_advance(state, LoopStep::Fix);  // "Done: go to Verify", enabled from this frame on
    }
    return false;
  }
  // This frame's Verify panel drew the figures when the session's outcome
  // for the run's fixes was in the view it drew from.
  const auto& outcome = state.view.outcome;
  if (state.step == LoopStep::Verify && outcome && outcome->fixes == state.run.fixes) {
    t.verify_ns = steady_ns();
    return true;
  }
  return false;
}

void print_apply(const GuiOptions& options, const AppState& state, const ApplyTimes& t) {
  const double run_s = span_s(t.applied_ns, t.run_done_ns), verify_s = span_s(t.applied_ns, t.verify_ns);
  if (options.json) {
    nlohmann::json out = {{"scenario", state.scenario_id},
                          {"fix", t.fix},
                          {"apply_to_fixed_run_s", run_s},
                          {"apply_to_verify_s", verify_s},
                          {"frames", t.frames},
                          {"frame_p99_ms", ms(t.frame_ns.quantile(0.99))},
                          {"frame_max_ms", ms(static_cast<double>(t.frame_ns.max()))}};
    std::cout << json_text(out) << "\n";
    return;
  }
  std::printf("%s: Apply '%s' -> the fixed run simulated %.3f s -> Verify's figures drawn %.3f s; %d frames meanwhile, "
              "p99 %.2f ms, max %.2f ms\n",
              state.scenario_id.c_str(), t.fix.c_str(), run_s, verify_s, t.frames, ms(t.frame_ns.quantile(0.99)),
              ms(static_cast<double>(t.frame_ns.max())));
}

}  // namespace perfloop::ui
