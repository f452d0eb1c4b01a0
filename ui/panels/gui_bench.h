// The app's own benchmarks, run by `perfloop gui --bench-*` (and by
// `perfloop bench`, which launches them): frame times on a panel, the time
// from launch to the first useful frame, and from "Apply" to the Verify
// figures. They report figures; nothing here passes or fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <imgui.h>

#include "sim/engine/histogram.h"
#include "sim/loop/loop_steps.h"
#include "ui/platform/layer_cache.h"

namespace perfloop::ui {

struct AppState;
struct GuiOptions;
class GlWindow;

struct FrameStats {
  LogHistogram all, simulating;
  LogHistogram build;  // building the frame's geometry (the app's own CPU work), within `all`
  LogHistogram bare;   // the baseline: an empty frame, cleared, rendered and swapped
  int over_33ms = 0;
  // What the last measured frame asked the renderer for: each command is one
  // draw call, which a software renderer pays for apart from its pixels.
  int draw_calls = 0;
  int vertices = 0;
  LayerCounts layers;  // over the measured frames
  // Partial redraws: how many measured frames redrew anything, and what share of the window.
  int redrawn = 0;
  double redrawn_share = 0.0;  // summed over the measured frames
};

void count_damage(FrameStats& stats, const GlWindow& window, int width, int height);
void count_draw_calls(FrameStats& stats);
std::int64_t ns_since(std::chrono::steady_clock::time_point start);
// The floor under every whole frame on this machine: the display's clear,
// the renderer's submit and the swap, with nothing drawn.
void measure_bare_frames(GlWindow& window, int frames, LogHistogram& out);
// The benchmark's pointer for frame `n`, sweeping the panel's main picture.
ImVec2 sweep_pointer(LoopStep step, int n, int width, int height);
// The fix the Fix benchmarks apply: the answers' choice, else the first right one.
std::string fix_to_apply(const AppState& state);
void print_bench(const GuiOptions& options, const AppState& state, const FrameStats& s, const GlWindow& window, int width,
                 int height);

// Moments of a launch on the steady clock (CLOCK_MONOTONIC, shared by every
// process on the machine, so `perfloop bench` can subtract its own spawn
// time): 0 until they happen.
struct LaunchTimes {
  std::int64_t entered_ns = 0;      // main() began
  std::int64_t window_ns = 0;       // the window is open, fonts built
  std::int64_t first_frame_ns = 0;  // the first frame is on screen
  std::int64_t useful_ns = 0;       // the first frame with the panel's own data (Observe: the chart has a window)
  std::int64_t complete_ns = 0;     // everything the panel asked for is computed and drawn
};
// Notes this frame's moments; true once the launch is complete.
bool note_launch_frame(LaunchTimes& t, const AppState& state, bool settled);
void print_launch(const GuiOptions& options, const AppState& state, const LaunchTimes& t);

// "Apply" pressed at Fix, the fixed run finishing, then Verify's figures drawn.
struct ApplyTimes {
  std::int64_t applied_ns = 0;
  std::int64_t run_done_ns = 0;
  std::int64_t verify_ns = 0;
  std::string fix;
  int frames = 0;  // drawn meanwhile: the UI never waits for the engine
  LogHistogram frame_ns;
};
// One frame of that benchmark, once the Fix panel has settled; true when done.
bool advance_apply_bench(AppState& state, ApplyTimes& t, std::int64_t frame_ns);
void print_apply(const GuiOptions& options, const AppState& state, const ApplyTimes& t);

std::int64_t steady_ns();

}  // namespace perfloop::ui
