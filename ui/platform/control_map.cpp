#include "ui/platform/control_map.h"

#include <imgui.h>

#include <map>

#include <nlohmann/json.hpp>

#include "sim/io/atomic_file.h"
#include "sim/io/json_text.h"

namespace perfloop::ui {

namespace {

struct ControlMap {
  bool enabled = false;
  std::string path;
  std::map<std::string, ControlRect> frame, last, written;
};

ControlMap& map() {
  static ControlMap instance;
  return instance;
}

}  // namespace

void control_map_enable(const std::string& path) {
  map().enabled = true;
  map().path = path;
}

void control_map_disable() { map() = ControlMap{}; }

bool control_map_enabled() { return map().enabled; }

const std::map<std::string, ControlRect>& control_map_last_frame() { return map().last; }

void mark_control(const std::string& name) {
  ControlMap& m = map();
  if (!m.enabled || !ImGui::IsItemVisible()) return;
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  m.frame[name] = {static_cast<int>(min.x), static_cast<int>(min.y), static_cast<int>(max.x - min.x),
                   static_cast<int>(max.y - min.y)};
}

void mark_control_area(const std::string& name, float x0, float y0, float x1, float y1) {
  ControlMap& m = map();
  if (!m.enabled || !ImGui::IsItemVisible()) return;
  m.frame[name] = {static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0), static_cast<int>(y1 - y0)};
}

void control_map_end_frame() {
  ControlMap& m = map();
  if (!m.enabled) return;
  m.last = m.frame;
  if (!m.path.empty() && m.frame != m.written) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, r] : m.frame) out[name] = {{"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}};
    try {
      write_file_atomically(m.path, json_text(out, 1) + "\n");
      m.written = m.frame;
    } catch (const std::exception&) {
      // The driver waits for the control it needs; a failed write is retried next frame.
    }
  }
  m.frame.clear();
}

}  // namespace perfloop::ui
