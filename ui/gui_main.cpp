#include "ui/gui_main.h"

#include <imgui.h>

#include <iostream>

#include "sim/scenario_paths.h"
#include "ui/app.h"
#include "ui/gl_window.h"

namespace perfloop::ui {

int run_gui(const GuiOptions& options) {
  auto fail = [](const std::string& message) {
    std::cerr << "perfloop: " << message << "\n";
    return 2;
  };
  AppState state;
  state.scenario_id = options.scenario;
  state.scenario_path = find_scenario(options.scenario);
  if (state.scenario_path.empty()) return fail("scenario '" + options.scenario + "' not found");
  bool known = false;
  for (LoopStep step : kLoopSteps)
    if (step_name(step) == options.step) {
      known = true;
      state.step = step;
    }
  if (!known) return fail("unknown step '" + options.step + "' (steps: observe, profile, classify, predict, fix, verify, enforce, move_on)");
  if (!step_available(state.step)) return fail("the " + options.step + " panel is not built yet (issue #5)");

  GlWindow window;
  std::string error;
  if (!window.open({options.width, options.height, "perfloop: " + options.scenario, 1.0f}, error)) return fail(error);
  // A screenshot shows the app as it is, not wherever the virtual pointer happens to rest.
  if (!options.screenshot.empty()) ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NoMouse;
  state.seed = options.seed;
  state.worker.start(state.scenario_path, state.seed);

  // In screenshot mode: draw until the run is finished, then a few frames
  // more so every layout has settled, write the PNG and leave.
  int settled = 0;
  while (!window.should_close()) {
    window.begin_frame();
    draw_app(state);
    const bool shoot = !options.screenshot.empty() && state.run.finished && ++settled == 4;
    if (!window.end_frame(shoot ? options.screenshot : std::string(), error)) return fail(error);
    if (shoot) break;
  }
  state.worker.cancel();
  return 0;
}

}  // namespace perfloop::ui
