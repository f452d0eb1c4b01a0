// The one place that knows GLFW and OpenGL: a window with Dear ImGui on it,
// the frame loop's two halves, and a screenshot of what was drawn.
#pragma once

#include <string>

struct GLFWwindow;

namespace perfloop::ui {

struct WindowOptions {
  int width = 1600, height = 900;
  std::string title = "perfloop";
  float ui_scale = 1.0f;
};

class GlWindow {
 public:
  GlWindow() = default;
  GlWindow(const GlWindow&) = delete;
  GlWindow& operator=(const GlWindow&) = delete;
  ~GlWindow();

  // False with `error` set when there is no display or no OpenGL 3.
  bool open(const WindowOptions& options, std::string& error);
  bool should_close() const;
  void begin_frame();
  // Renders; when `screenshot_path` is non-empty, writes the frame as PNG
  // first (false with `error` set if that fails). Then swaps.
  bool end_frame(const std::string& screenshot_path, std::string& error);

 private:
  GLFWwindow* window_ = nullptr;
  bool imgui_ready_ = false;
};

}  // namespace perfloop::ui
