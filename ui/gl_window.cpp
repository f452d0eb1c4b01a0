#include "ui/gl_window.h"

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

#include "ui/frame_damage.h"
#include "ui/layer_cache.h"
#include "ui/theme.h"

namespace perfloop::ui {

// The colour-only program behind LayerRenderer::opaque_fills(): ImGui's own
// vertex shader with a fragment shader that neither samples the font
// texture nor blends. A draw callback is a plain function, so its state is
// the file's; there is one OpenGL context per process.
struct OpaqueFills {
  GLuint program = 0;
  GLint projection = -1;
  bool failed = false;        // the program did not build: ImGui's own draws the fills, as before
  GLuint imgui_program = 0;   // whose projection is copied, and where
  GLint imgui_projection = -1;

  // Builds the program with the attribute locations of ImGui's, so the
  // vertex layout ImGui set up serves both (the UV attribute goes unread).
  bool build(GLuint imgui) {
    const char* vertex =
        "#version 130\n"
        "uniform mat4 ProjMtx;\n"
        "in vec2 Position;\nin vec4 Color;\n"
        "out vec4 Frag_Color;\n"
        "void main() { Frag_Color = Color; gl_Position = ProjMtx * vec4(Position.xy, 0, 1); }\n";
    const char* fragment =
        "#version 130\n"
        "in vec4 Frag_Color;\nout vec4 Out_Color;\n"
        "void main() { Out_Color = Frag_Color; }\n";
    const GLuint vs = compile(GL_VERTEX_SHADER, vertex), fs = compile(GL_FRAGMENT_SHADER, fragment);
    if (!vs || !fs) {
      if (vs) glDeleteShader(vs);
      if (fs) glDeleteShader(fs);
      return false;
    }
    program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    for (const char* name : {"Position", "Color"}) {
      const GLint at = glGetAttribLocation(imgui, name);
      if (at >= 0) glBindAttribLocation(program, static_cast<GLuint>(at), name);
    }
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint linked = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &linked);
    if (!linked) return false;
    projection = glGetUniformLocation(program, "ProjMtx");
    return projection >= 0;
  }

  static GLuint compile(GLenum type, const char* source) {
    const GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    GLint ok = 0;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (ok) return shader;
    glDeleteShader(shader);
    return 0;
  }

  void release() {
    if (program) glDeleteProgram(program);
    *this = OpaqueFills{};
  }
};

OpaqueFills g_fills;

// Called by ImGui's renderer in place of a draw: ImGui's program is bound,
// with this pass's projection (the window's, or a layer's) set on it.
void use_opaque_fills(const ImDrawList*, const ImDrawCmd*) {
  GLint current = 0;
  glGetIntegerv(GL_CURRENT_PROGRAM, &current);
  const auto imgui = static_cast<GLuint>(current);
  if (g_fills.failed || imgui == 0) return;
  if (!g_fills.program && !g_fills.build(imgui)) {
    g_fills.release();
    g_fills.failed = true;
    return;
  }
  if (g_fills.imgui_program != imgui) {
    g_fills.imgui_program = imgui;
    g_fills.imgui_projection = glGetUniformLocation(imgui, "ProjMtx");
  }
  if (g_fills.imgui_projection < 0) return;
  GLfloat projection[16];
  glGetUniformfv(imgui, g_fills.imgui_projection, projection);
  glUseProgram(g_fills.program);
  glUniformMatrix4fv(g_fills.projection, 1, GL_FALSE, projection);
  glDisable(GL_BLEND);
}

// Each cached layer is a texture behind a framebuffer object. Layers drawn
// this frame are rendered into theirs just before the frame itself, with the
// same ImGui renderer; a layer unused for a few seconds gives its texture back.
class GlWindow::Layers : public LayerRenderer {
 public:
  ~Layers() override {
    for (auto& [id, layer] : layers_) release(layer);
  }

  ImTextureID cached(ImGuiID id, std::uint64_t key, int width, int height, bool& stable) override {
    Layer& layer = layers_[id];
    stable = layer.asked_key == key && layer.asked_frame + 1 == frame_;
    layer.asked_key = key;
    layer.asked_frame = frame_;
    layer.last_frame = frame_;
    if (layer.texture == 0 || layer.key != key || layer.width != width || layer.height != height) return nullptr;
    return texture_id(layer);
  }

  ImTextureID render(ImGuiID id, std::uint64_t key, const ImDrawList& list, ImVec2 min, int width, int height) override {
    Layer& layer = layers_[id];
    if (layer.width != width || layer.height != height) allocate(layer, width, height);
    layer.key = key;
    layer.last_frame = frame_;
    layer.pending = true;
    layer.min = min;
    // Copy the geometry: the widget's scratch list is reused by the next layer.
    layer.list = std::make_unique<ImDrawList>(list._Data);
    layer.list->CmdBuffer = list.CmdBuffer;
    layer.list->IdxBuffer = list.IdxBuffer;
    layer.list->VtxBuffer = list.VtxBuffer;
    layer.list->Flags = list.Flags;
    return texture_id(layer);
  }

  bool present(ImDrawList* window, ImGuiID id, ImVec2 min, int width, int height) override {
    const ImGuiIO& io = ImGui::GetIO();
    // A HiDPI framebuffer would need the layer scaled: leave it to the textured quad.
    if (io.DisplayFramebufferScale.x != 1.0f || io.DisplayFramebufferScale.y != 1.0f) return false;
    if (blits_used_ == blits_.size()) return false;
    const auto it = layers_.find(id);
    if (it == layers_.end() || it->second.fbo == 0) return false;
    // Only what the window shows of it: a chart scrolled half out of its child stays half out.
    const ImVec2 clip_min = window->GetClipRectMin(), clip_max = window->GetClipRectMax();
    blits_[blits_used_++] = Blit{it->second.fbo, it->second.key, min, width, height, clip_min, clip_max};
    return true;
  }

  ImDrawCallback opaque_fills() override { return g_fills.failed ? nullptr : &use_opaque_fills; }

  // Copies this frame's layers onto the window's framebuffer, all at once,
  // before ImGui draws the rest over them: a copy reads a texture the frame
  // may have rendered, which makes a software renderer finish what it has
  // binned so far, so one batch costs one such pause instead of one per
  // layer. Nothing of the app lies under a layer (the widgets that use them
  // draw no fills there), and what lies over one (hover outlines, tooltips,
  // popups) is drawn after, as before. Only the part inside `area` (the
  // pixels being redrawn) is copied.
  void copy_all(int framebuffer_height, PixelRect area) {
    glDisable(GL_SCISSOR_TEST);  // a blit is cut by the scissor too
    bool copied = false;
    for (std::size_t i = 0; i < blits_used_; ++i) {
      PixelRect r = visible(blits_[i]);
      r.x0 = std::max(r.x0, area.x0);
      r.y0 = std::max(r.y0, area.y0);
      r.x1 = std::min(r.x1, area.x1);
      r.y1 = std::min(r.y1, area.y1);
      if (r.empty()) continue;
      copy_pixels(blits_[i], r, framebuffer_height);
      copied = true;
    }
    if (copied) glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  }

  // Tells `damage` where this frame's layers go and what they hold.
  void add_damage(FrameDamage& damage) const {
    for (std::size_t i = 0; i < blits_used_; ++i) {
      const Blit& b = blits_[i];
      LayerKey identity;
      identity.add(b.key).add(b.width).add(b.height).add(b.min.x).add(b.min.y);
      damage.add_rect(visible(b), identity.value);
    }
  }

  // Renders the layers queued this frame into their textures.
  void render_pending() {
    for (auto& [id, layer] : layers_) {
      if (!layer.pending) continue;
      layer.pending = false;
      ImDrawList* lists[] = {layer.list.get()};
      ImDrawData data;
      data.Valid = true;
      data.CmdLists = lists;
      data.CmdListsCount = 1;
      data.TotalVtxCount = layer.list->VtxBuffer.Size;
      data.TotalIdxCount = layer.list->IdxBuffer.Size;
      data.DisplayPos = layer.min;
      data.DisplaySize = ImVec2(static_cast<float>(layer.width), static_cast<float>(layer.height));
      data.FramebufferScale = ImVec2(1, 1);
      glBindFramebuffer(GL_FRAMEBUFFER, layer.fbo);
      glViewport(0, 0, layer.width, layer.height);
      glDisable(GL_SCISSOR_TEST);
      // Opaque, on the window's own background: the widgets that use layers
      // draw straight on it (no fills under them), so the texture can then
      // replace those pixels without blending, which a software renderer
      // does at a fraction of the cost of a blended quad.
      const ImVec4 bg = background_colour();
      glClearColor(bg.x, bg.y, bg.z, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(&data);
      glBindFramebuffer(GL_FRAMEBUFFER, 0);
      layer.list.reset();
    }
  }

  // After a frame: forget layers no widget has drawn for ~5 s at 60 frames a second.
  void end_frame() {
    ++frame_;
    blits_used_ = 0;
    for (auto it = layers_.begin(); it != layers_.end();) {
      if (frame_ - it->second.last_frame > 300) {
        release(it->second);
        it = layers_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  struct Layer {
    GLuint fbo = 0, texture = 0;
    int width = 0, height = 0;
    std::uint64_t key = 0;
    std::uint64_t last_frame = 0;
    std::uint64_t asked_key = 0, asked_frame = ~0ull;  // what the widget wanted, and when
    bool pending = false;
    ImVec2 min;
    std::unique_ptr<ImDrawList> list;
  };

  static ImTextureID texture_id(const Layer& layer) {
    return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(layer.texture));
  }

  static void allocate(Layer& layer, int width, int height) {
    release(layer);
    glGenTextures(1, &layer.texture);
    glBindTexture(GL_TEXTURE_2D, layer.texture);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glGenFramebuffers(1, &layer.fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, layer.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, layer.texture, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    layer.width = width;
    layer.height = height;
  }

  static void release(Layer& layer) {
    if (layer.fbo) glDeleteFramebuffers(1, &layer.fbo);
    if (layer.texture) glDeleteTextures(1, &layer.texture);
    layer.fbo = layer.texture = 0;
    layer.width = layer.height = 0;
  }

  // A layer to copy onto the window this frame, and the window's clip rectangle around it.
  struct Blit {
    GLuint fbo = 0;
    std::uint64_t key = 0;  // the layer's content
    ImVec2 min;
    int width = 0, height = 0;
    ImVec2 clip_min, clip_max;
  };

  // The window pixels a layer covers: its rectangle within its clip rectangle.
  static PixelRect visible(const Blit& b) {
    return PixelRect{static_cast<int>(std::max(b.clip_min.x, b.min.x)), static_cast<int>(std::max(b.clip_min.y, b.min.y)),
                     static_cast<int>(std::min(b.clip_max.x, b.min.x + static_cast<float>(b.width))),
                     static_cast<int>(std::min(b.clip_max.y, b.min.y + static_cast<float>(b.height)))};
  }

  // Copies the layer's pixels under `r` (window pixels, top-left origin) to
  // the same place on the window: one pixel per pixel, as the app draws at 1x
  // (see present()).
  static void copy_pixels(const Blit& b, PixelRect r, int framebuffer_height) {
    const int left = static_cast<int>(b.min.x), top = static_cast<int>(b.min.y);
    // Both framebuffers count rows from the bottom; the layer's bottom row is its last screen row.
    glBindFramebuffer(GL_READ_FRAMEBUFFER, b.fbo);
    glBlitFramebuffer(r.x0 - left, b.height - (r.y1 - top), r.x1 - left, b.height - (r.y0 - top),  //
                      r.x0, framebuffer_height - r.y1, r.x1, framebuffer_height - r.y0, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  }

  std::map<ImGuiID, Layer> layers_;
  std::uint64_t frame_ = 0;
  std::array<Blit, 64> blits_;
  std::size_t blits_used_ = 0;
};

GlWindow::GlWindow() = default;

GlWindow::~GlWindow() {
  set_layer_renderer(nullptr);
  layers_.reset();
  if (imgui_ready_) {
    g_fills.release();
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
  layers_ = std::make_unique<Layers>();
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
  layers_->copy_all(height, area);
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
