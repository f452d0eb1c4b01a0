#include "ui/gl_window.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <vector>

#include "ui/theme.h"

namespace perfloop::ui {

GlWindow::~GlWindow() {
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
  if (window_ || imgui_ready_) glfwTerminate();
}

bool GlWindow::open(const WindowOptions& options, std::string& error) {
  if (!glfwInit()) {
    error = "cannot start GLFW (no display? run under xvfb-run, or use the command line)";
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  window_ = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
  if (!window_) {
    error = "cannot open an OpenGL 3 window";
    glfwTerminate();
    return false;
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(options.vsync ? 1 : 0);
  paced_ = options.vsync;
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is ours; settings live in our own versioned file
  apply_theme(options.ui_scale);
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  imgui_ready_ = true;
  return true;
}

bool GlWindow::should_close() const { return glfwWindowShouldClose(window_); }

void GlWindow::size(int& width, int& height) const { glfwGetWindowSize(window_, &width, &height); }

bool GlWindow::screenshot_key() {
  const bool down = glfwGetKey(window_, GLFW_KEY_F12) == GLFW_PRESS;
  const bool pressed = down && !f12_down_;
  f12_down_ = down;
  return pressed;
}

void GlWindow::begin_frame() {
  if (paced_) {
    // glfwGetTime is the display's clock, not the simulation's: it only paces drawing.
    const double remaining = 1.0 / 60.0 - (glfwGetTime() - frame_start_s_);
    if (remaining > 0.0) glfwWaitEventsTimeout(remaining);
    else glfwPollEvents();
    frame_start_s_ = glfwGetTime();
  } else {
    glfwPollEvents();
  }
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

bool GlWindow::end_frame(const std::string& screenshot_path, std::string& error) {
  ImGui::Render();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  glViewport(0, 0, width, height);
  const ImVec4 bg = background_colour();
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  bool ok = true;
  if (!screenshot_path.empty()) {
    std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows run bottom-up; PNG's top-down.
    stbi_flip_vertically_on_write(1);
    if (!stbi_write_png(screenshot_path.c_str(), width, height, 3, pixels.data(), width * 3)) {
      error = screenshot_path + ": cannot write the screenshot";
      ok = false;
    }
  }
  glfwSwapBuffers(window_);
  return ok;
}

}  // namespace perfloop::ui
