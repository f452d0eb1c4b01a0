// A Dear ImGui context with no window and no renderer, for drawing the
// app's real panels in tests: frames, real mouse clicks on named controls
// (from the control map), and Esc as the GLFW backend reports it.
#pragma once

#include <catch2/catch.hpp>
#include <imgui.h>

#include <cfloat>
#include <map>
#include <string>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

class HeadlessImGui {
 public:
  HeadlessImGui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 900);
    apply_theme(1.0f);
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the atlas, as a renderer would
    control_map_enable("");
  }
  ~HeadlessImGui() {
    control_map_disable();
    ImGui::DestroyContext();
  }
  HeadlessImGui(const HeadlessImGui&) = delete;
  HeadlessImGui& operator=(const HeadlessImGui&) = delete;

  // One frame of the app; returns the vertices it produced.
  int frame(AppState& state) {
    ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    draw_app(state);
    ImGui::Render();
    control_map_end_frame();
    return ImGui::GetDrawData()->TotalVtxCount;
  }

  // Frames until the session has answered what the panel asked for.
  int settle(AppState& state) {
    for (int i = 0; i < 4; ++i) {
      frame(state);
      wait_for_background(state);
    }
    return frame(state);
  }

  // A real left click on a control the last frame drew: hover, press, release.
  void click(AppState& state, const std::string& control) {
    const auto& map = control_map_last_frame();
    const auto it = map.find(control);
    REQUIRE(it != map.end());
    const ControlRect r = it->second;
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(static_cast<float>(r.x) + static_cast<float>(r.w) / 2, static_cast<float>(r.y) + static_cast<float>(r.h) / 2);
    frame(state);
    io.MouseDown[0] = true;
    frame(state);
    io.MouseDown[0] = false;
    frame(state);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }

  // Esc, as the GLFW backend reports it: a key index mapped to ImGuiKey_Escape.
  void press_escape(AppState& state) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeyMap[ImGuiKey_Escape] = kEscapeIndex;
    io.KeysDown[kEscapeIndex] = true;
    frame(state);
    io.KeysDown[kEscapeIndex] = false;
    frame(state);
  }

 private:
  static constexpr int kEscapeIndex = 256;
};

inline bool has_control(const std::string& name) { return control_map_last_frame().count(name) > 0; }

inline bool has_prefix(const std::string& prefix) {
  const auto& m = control_map_last_frame();
  const auto it = m.lower_bound(prefix);
  return it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace perfloop::ui
