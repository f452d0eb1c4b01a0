// Where the app's named controls are on screen, for tools that drive the
// real window from outside (the xdotool end-to-end test): after each frame
// the map of name -> rectangle (window pixels) is written to a file, only
// when it changed, atomically, so a reader never sees half of it.
#pragma once

#include <map>
#include <string>

namespace perfloop::ui {

struct ControlRect {
  int x = 0, y = 0, w = 0, h = 0;
  bool operator==(const ControlRect&) const = default;
};

// Off until enabled: then every mark_control costs a map insert. An empty
// path records the map without writing it (the panel tests read it back).
void control_map_enable(const std::string& path);
void control_map_disable();
bool control_map_enabled();
// Names the last ImGui item drawn ("fix.apply", "rail.profile").
void mark_control(const std::string& name);
// Names part of the last item: the plotting area of a chart, where a
// drag's pixels map to times.
void mark_control_area(const std::string& name, float x0, float y0, float x1, float y1);
// Writes the file if the map changed since the last write; clears it for the next frame.
void control_map_end_frame();
// The controls marked in the last finished frame.
const std::map<std::string, ControlRect>& control_map_last_frame();

}  // namespace perfloop::ui
