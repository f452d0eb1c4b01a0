// The app's state, plain data the panels read and change, and the frame's
// draw: the rail of eight steps and the current step's panel.
#pragma once

#include <string>

#include "sim/loop_steps.h"
#include "ui/sim_worker.h"
#include "ui/widget_timeseries.h"

namespace perfloop::ui {

struct AppState {
  std::string scenario_id;
  std::string scenario_path;
  std::uint64_t seed = 1;
  LoopStep step = LoopStep::Observe;
  SimWorker worker;
  RunSnapshot run;  // this frame's copy of what the worker has produced
  ChartSelection selection;
  std::string error;  // shown in the error panel; the app keeps running
};

// One frame of the whole app, filling the window.
void draw_app(AppState& state);

// Steps whose panels exist so far; the rail shows the others as locked.
bool step_available(LoopStep step);

void draw_observe_step(AppState& state);

}  // namespace perfloop::ui
