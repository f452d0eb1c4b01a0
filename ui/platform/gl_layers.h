// The textures behind the widgets' cached layers (layer_cache.h): each layer
// a texture behind a framebuffer object, rendered with ImGui's own renderer
// just before the frame, copied onto the window in one batch of blits, and
// given back when unused for a few seconds. GlWindow owns one.
#pragma once

#define GL_GLEXT_PROTOTYPES 1  // the framebuffer objects of OpenGL 3, exported by libGL
#include <GLFW/glfw3.h>
#include <GL/glext.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>

#include "ui/platform/frame_damage.h"
#include "ui/platform/gl_opaque_fills.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

// Each cached layer is a texture behind a framebuffer object. Layers drawn
// this frame are rendered into theirs just before the frame itself, with the
// same ImGui renderer; a layer unused for a few seconds gives its texture back.
class GlLayers : public LayerRenderer {
 public:
  ~GlLayers() override {
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

  ImDrawCallback opaque_fills() override { return opaque_fills_callback(); }

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

}  // namespace perfloop::ui
