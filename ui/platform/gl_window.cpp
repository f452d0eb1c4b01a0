#include "ui/platform/gl_window.h"

#define GL_GLEXT_PROTOTYPES 1  // the framebuffer objects of OpenGL 3, exported by libGL
#include <GLFW/glfw3.h>
#include <GL/glext.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdlib>
#include <array>
#include <map>
#include <vector>

#include "ui/platform/frame_damage.h"
#include "ui/platform/gl_layers.h"
#include "ui/platform/gl_opaque_fills.h"
#include "ui/platform/gl_texture_copy.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

GlWindow::GlWindow() = default;

GlWindow::~GlWindow() {
  set_layer_renderer(nullptr);
  layers_.reset();
  if (imgui_ready_) {
    release_opaque_fills();
    release_texture_copy();
    reset_layers();
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
  // No depth or stencil buffer: the app draws flat and uses neither, and
  // Mesa's software renderer keeps its fast linear path (rectangles: most of
  // ImGui's geometry and every layer copied in) for framebuffers without
  // them. That path rounds a clear's colour differently from the other, so
  // the background is in whole 8-bit steps (theme.cpp).
  glfwWindowHint(GLFW_DEPTH_BITS, 0);
  glfwWindowHint(GLFW_STENCIL_BITS, 0);
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
  layers_ = std::make_unique<GlLayers>();
  set_layer_renderer(layers_.get());
  choose_presentation();
  return true;
}

// A software renderer pays for every pixel it draws, and GLX's swap sends
// the whole back buffer to the X server each frame. Where Mesa offers
// GLX_MESA_copy_sub_buffer, the back buffer is never swapped: it keeps the
// last frame, each frame redraws only what changed (FrameDamage) and copies
// just that rectangle to the window. A hardware driver keeps the ordinary
// swap (and vsync): whole frames cost it little.
void GlWindow::choose_presentation() {
  partial_ = false;
  const char* renderer = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const std::string name = renderer ? renderer : "";
  const bool software = name.find("llvmpipe") != std::string::npos || name.find("softpipe") != std::string::npos ||
                        name.find("Software Rasterizer") != std::string::npos;
  if (!software || std::getenv("PERFLOOP_FULL_REDRAW") || !glfwExtensionSupported("GLX_MESA_copy_sub_buffer")) return;
  using CurrentDisplay = void* (*)();
  using CurrentDrawable = unsigned long (*)();
  const auto current_display = reinterpret_cast<CurrentDisplay>(glfwGetProcAddress("glXGetCurrentDisplay"));
  const auto current_drawable = reinterpret_cast<CurrentDrawable>(glfwGetProcAddress("glXGetCurrentDrawable"));
  copy_sub_buffer_ = reinterpret_cast<CopySubBuffer>(glfwGetProcAddress("glXCopySubBufferMESA"));
  if (!current_display || !current_drawable || !copy_sub_buffer_) return;
  display_ = current_display();
  drawable_ = current_drawable();
  if (!display_ || drawable_ == 0) return;
  partial_ = true;
  // Covered and uncovered again, the window lost pixels the damage does not know about.
  glfwSetWindowUserPointer(window_, this);
  glfwSetWindowRefreshCallback(window_, [](GLFWwindow* w) {
    if (auto* self = static_cast<GlWindow*>(glfwGetWindowUserPointer(w))) self->redraw_all();
  });
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
  if (pointer_set_) ImGui::GetIO().MousePos = pointer_;
  ImGui::NewFrame();
}

namespace {

// Writes the bottom-up RGB `pixels` as a PNG.
bool write_png(const std::string& path, int width, int height, const std::vector<unsigned char>& pixels) {
  stbi_flip_vertically_on_write(1);  // OpenGL's rows run bottom-up; PNG's top-down
  return stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3) != 0;
}

std::vector<unsigned char> read_pixels(int width, int height) {
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  return pixels;
}

std::uint64_t colour_identity(const ImVec4& c) {
  LayerKey key;
  key.add(c.x).add(c.y).add(c.z).add(c.w);
  return key.value;
}

}  // namespace

void GlWindow::draw(PixelRect area, int width, int height) {
  glViewport(0, 0, width, height);
  const ImVec4 bg = background_colour();
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  const bool whole = area.x0 <= 0 && area.y0 <= 0 && area.x1 >= width && area.y1 >= height;
  if (!whole) {
    glEnable(GL_SCISSOR_TEST);
    glScissor(area.x0, height - area.y1, area.x1 - area.x0, area.y1 - area.y0);
  }
  glClear(GL_COLOR_BUFFER_BIT);
  glDisable(GL_SCISSOR_TEST);
  layers_->copy_all(width, height, area);
  ImDrawData* data = ImGui::GetDrawData();
  if (whole) {
    ImGui_ImplOpenGL3_RenderDrawData(data);
    return;
  }
  // The backend scissors each command to its clip rectangle: narrow those
  // to the area for this pass, then put them back (a later full pass, for a
  // screenshot, needs them as they were).
  const ImVec2 offset = data->DisplayPos, scale = data->FramebufferScale;
  const ImVec4 limit(offset.x + static_cast<float>(area.x0) / scale.x, offset.y + static_cast<float>(area.y0) / scale.y,
                     offset.x + static_cast<float>(area.x1) / scale.x, offset.y + static_cast<float>(area.y1) / scale.y);
  saved_clips_.clear();
  for (int l = 0; l < data->CmdListsCount; ++l)
    for (ImDrawCmd& cmd : data->CmdLists[l]->CmdBuffer) {
      saved_clips_.push_back(cmd.ClipRect);
      cmd.ClipRect = ImVec4(std::max(cmd.ClipRect.x, limit.x), std::max(cmd.ClipRect.y, limit.y),
                            std::min(cmd.ClipRect.z, limit.z), std::min(cmd.ClipRect.w, limit.w));
    }
  ImGui_ImplOpenGL3_RenderDrawData(data);
  std::size_t i = 0;
  for (int l = 0; l < data->CmdListsCount; ++l)
    for (ImDrawCmd& cmd : data->CmdLists[l]->CmdBuffer) cmd.ClipRect = saved_clips_[i++];
}

void GlWindow::present(PixelRect area, int height) {
  if (!partial_) {
    glfwSwapBuffers(window_);
    return;
  }
  if (area.empty()) return;
  glFlush();
  copy_sub_buffer_(display_, drawable_, area.x0, height - area.y1, area.x1 - area.x0, area.y1 - area.y0);
}

bool GlWindow::end_frame(const std::string& screenshot_path, std::string& error) {
  ImGui::Render();
  layers_->render_pending();
  int width = 0, height = 0;
  glfwGetFramebufferSize(window_, &width, &height);
  const PixelRect whole{0, 0, width, height};
  PixelRect area = whole;
  if (partial_) {
    damage_.begin(width, height, colour_identity(background_colour()));
    layers_->add_damage(damage_);
    damage_.add_draw_data(*ImGui::GetDrawData());
    area = damage_.finish();
  }
  last_damage_ = area;
  bool ok = true;
  if (!screenshot_path.empty()) {
    std::vector<unsigned char> pixels;
    if (partial_) {
      // What the window would show after this frame's partial redraw, then
      // the frame drawn whole: the two must match pixel for pixel, or the
      // damage tracking missed a change (counted, and the picture is the whole one).
      draw(area, width, height);
      const std::vector<unsigned char> kept = read_pixels(width, height);
      draw(whole, width, height);
      pixels = read_pixels(width, height);
      long long differing = 0;
      for (std::size_t i = 0; i + 2 < pixels.size(); i += 3)
        differing += pixels[i] != kept[i] || pixels[i + 1] != kept[i + 1] || pixels[i + 2] != kept[i + 2];
      stale_pixels_ += differing;
      area = whole;
    } else {
      draw(whole, width, height);
      pixels = read_pixels(width, height);
    }
    if (!write_png(screenshot_path, width, height, pixels)) {
      error = screenshot_path + ": cannot write the screenshot";
      ok = false;
    }
  } else if (!area.empty()) {
    draw(area, width, height);
  }
  present(area, height);
  layers_->end_frame();
  return ok;
}

}  // namespace perfloop::ui
