// The one place that knows GLFW and OpenGL: a window with Dear ImGui on it,
// the frame loop's two halves, and a screenshot of what was drawn.
#pragma once

#include <imgui.h>

#include <memory>
#include <string>
#include <vector>

#include "ui/platform/frame_damage.h"

struct GLFWwindow;

namespace perfloop::ui {

class GlLayers;

struct WindowOptions {
  int width = 1600, height = 900;
  std::string title = "perfloop";
  float ui_scale = 1.0f;
  // Off for the frame-time benchmark, which measures work, not the display's
  // rate. On, frames are also paced to 60 per second where the display does
  // not block (Xvfb), waking early for input, so an idle app does not spin.
  bool vsync = true;
};

class GlWindow {
 public:
  GlWindow();
  GlWindow(const GlWindow&) = delete;
  GlWindow& operator=(const GlWindow&) = delete;
  ~GlWindow();

  // False with `error` set when there is no display or no OpenGL 3.
  bool open(const WindowOptions& options, std::string& error);
  bool should_close() const;
  // The window's size in screen coordinates, for the settings file.
  void size(int& width, int& height) const;
  // F12 went down since the last call (a screenshot of the app as it is).
  bool screenshot_key();
  void begin_frame();
  // Renders; when `screenshot_path` is non-empty, writes the frame as PNG
  // first (false with `error` set if that fails). Then swaps.
  bool end_frame(const std::string& screenshot_path, std::string& error);

  // From the next frame on, ImGui sees the pointer at `at` (screen
  // coordinates) wherever the real one is: the benchmark's moving pointer.
  void set_pointer(ImVec2 at) {
    pointer_ = at;
    pointer_set_ = true;
  }
  // The next frame redraws and presents every pixel.
  void redraw_all() { damage_.invalidate(); }
  // True when frames redraw only what changed (a software renderer; see choose_presentation()).
  bool partial() const { return partial_; }
  // The pixels the last frame redrew (all of them without partial redraws).
  PixelRect last_damage() const { return last_damage_; }
  // Pixels where a screenshot's whole redraw differed from what the partial
  // redraws had left: 0 unless the damage tracking missed a change.
  long long stale_pixels() const { return stale_pixels_; }

 private:
  using CopySubBuffer = void (*)(void* display, unsigned long drawable, int x, int y, int width, int height);
  void choose_presentation();
  void draw(PixelRect area, int width, int height);
  void present(PixelRect area, int height);

  std::unique_ptr<GlLayers> layers_;  // textures of the widgets' cached layers
  GLFWwindow* window_ = nullptr;
  bool paced_ = true;
  bool f12_down_ = false;
  bool pointer_set_ = false;
  ImVec2 pointer_;
  double frame_start_s_ = 0.0;
  bool imgui_ready_ = false;
  // Partial redraws: GLX_MESA_copy_sub_buffer and what it needs.
  bool partial_ = false;
  CopySubBuffer copy_sub_buffer_ = nullptr;
  void* display_ = nullptr;
  unsigned long drawable_ = 0;
  FrameDamage damage_;
  PixelRect last_damage_;
  long long stale_pixels_ = 0;
  std::vector<ImVec4> saved_clips_;  // the commands' own clip rectangles during a partial pass
};

}  // namespace perfloop::ui
