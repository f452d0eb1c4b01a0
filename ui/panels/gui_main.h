// `perfloop gui`: the app's entry point, its screenshot mode for the
// README's pictures and the tests, and its frame-time benchmark.
#pragma once

#include <cstdint>
#include <string>

namespace perfloop::ui {

struct GuiOptions {
  std::string scenario;    // empty: the last one played (settings), else the flagship
  std::string step;  // empty: observe when a scenario or answers are given, else the home screen
  std::string screenshot;  // write this PNG once everything the panel needs is computed, then exit
  int width = 0, height = 0;  // 0: the remembered window size
  std::uint64_t seed = 1;
  // An answers file (or "expert" for the expert's) replayed up to `step`, so
  // a later panel opens as a learner would have reached it.
  std::string answers;
  std::string save_dir;       // attempts folder; empty: the data folder's attempts/; "none": not saved
  std::string data_dir;       // the learner's data folder; empty: the default
  std::string settings_path;  // empty: the default
  std::string control_map;    // write the named controls' rectangles here (end-to-end tests)
  std::string shot_dir = "."; // F12 writes perfloop-<step>-<n>.png here
  int bench_frames = 0;       // >0: measure this many frames and print their times
  int bench_flame_nodes = 5000;  // the Profile benchmark's flame graph has at least this many nodes
  bool bench_zoom = false;    // on Profile: zoom the flame graph every frame (no frame reuses a cached layer)
  bool bench_pointer = false; // sweep the pointer over the panel's main chart or flame graph (hover changes each frame)
  bool json = false;          // with a benchmark: JSON output
  // Time the launch: from main() to the first frame, the first useful frame
  // and everything computed; then exit.
  bool bench_launch = false;
  std::int64_t launch_ns = 0;  // the steady clock when main() began (0: when run_gui did)
  // On Fix (with --answers): press Apply, commit when the run is done, and
  // time until Verify's figures are drawn; then exit.
  bool bench_apply = false;
  // A game day started at once (demonstrations, screenshots, the e2e test,
  // the 30x benchmark): the scenario, the team, the signals shown, the speed.
  std::string game;
  std::string team = "Team 1";
  std::string signals = "all";
  double game_speed = 10.0;
  bool game_ack = false;        // acknowledge the page as soon as it fires
  double game_until_s = 0.0;    // >0: pause the clock once it gets there (a screenshot of that moment)
  bool facilitator = false;     // open the facilitator's panel
  std::string attempt;          // --step debrief: the attempt file shown
  std::string profile;          // a profile file (folded, speedscope, pprof) shown in the flame graph alone
  std::string against;          // with `profile`: the file its diff compares against
};

// Exit status: 0, or 2 with one line on stderr (no display, bad scenario,
// step or answers file).
int run_gui(const GuiOptions& options);

}  // namespace perfloop::ui
