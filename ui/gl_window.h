// The one place that knows GLFW and OpenGL: a window with Dear ImGui on it,
// the frame loop's two halves, and a screenshot of what was drawn.
#pragma once

#include <memory>
#include <string>

struct GLFWwindow;

namespace perfloop::ui {

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

 private:
  class Layers;
  std::unique_ptr<Layers> layers_;  // textures of the widgets' cached layers
  GLFWwindow* window_ = nullptr;
  bool paced_ = true;
  bool f12_down_ = false;
  double frame_start_s_ = 0.0;
  bool imgui_ready_ = false;
};

}  // namespace perfloop::ui
