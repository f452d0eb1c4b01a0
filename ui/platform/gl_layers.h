// The textures behind the widgets' cached layers (layer_cache.h): each layer
// a texture behind a framebuffer object, rendered with ImGui's own renderer
// just before the frame, copied onto the window as plain textured
// rectangles (gl_texture_copy) before the frame's draw lists, and given
// back when unused for a few seconds. A layer shown stretched (a zoom
// under way) is stretched into a second texture of its own, drawn whole,
// and copied like any other. GlWindow owns one.
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
#include "ui/platform/gl_texture_copy.h"
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
    Layer* layer = presentable(id);
    if (!layer) return false;
    queue_blit(window, layer->fbo, layer->texture, layer->key, min, width, height);
    return true;
  }

  ImTextureID texture(ImGuiID id, std::uint64_t key, int width, int height) override {
    const auto it = layers_.find(id);
    if (it == layers_.end()) return nullptr;
    Layer& layer = it->second;
    if (layer.texture == 0 || layer.key != key || layer.width != width || layer.height != height) return nullptr;
    layer.last_frame = frame_;
    return texture_id(layer);
  }

  // The stretch is drawn whole into the layer's second texture before the
  // frame (render_pending), and that texture copied one pixel per pixel
  // like any layer's. Stretched straight onto the window, only the part
  // being redrawn, a column could sample a different texel in a partial
  // redraw than in a whole one: the software renderer picks its path per
  // tile, by what else the tile holds, and its paths round differently.
  bool present_stretched(ImDrawList* window, ImGuiID id, ImVec2 min, int width, int height, const Stretch& stretch) override {
    Layer* layer = presentable(id);
    if (!layer || layer->width != width || layer->height != height) return false;
    if (layer->stretch_fbo == 0) make_target(layer->stretch_fbo, layer->stretch_texture, width, height);
    layer->stretch = stretch;
    layer->stretch_pending = true;
    LayerKey content;  // the layer's content, moved: what the damage compares
    content.add(layer->key).add(stretch.to_x0).add(stretch.to_x1).add(stretch.from_x0).add(stretch.from_x1);
    queue_blit(window, layer->stretch_fbo, layer->stretch_texture, content.value, min, width, height);
    return true;
  }

  ImDrawCallback opaque_fills() override { return opaque_fills_callback(); }

  // Copies this frame's layers onto the window's framebuffer, all at once,
  // before ImGui draws the rest over them. Nothing of the app lies under a
  // layer (the widgets that use them draw no fills there), and what lies
  // over one (hover outlines, tooltips, popups) is drawn after, as before.
  // Only the part inside `area` (the pixels being redrawn) is copied.
  void copy_all(int framebuffer_width, int framebuffer_height, PixelRect area) {
    bool blitted = false;
    for (std::size_t i = 0; i < blits_used_; ++i) {
      PixelRect r = visible(blits_[i]);
      r.x0 = std::max(r.x0, area.x0);
      r.y0 = std::max(r.y0, area.y0);
      r.x1 = std::min(r.x1, area.x1);
      r.y1 = std::min(r.y1, area.y1);
      if (r.empty()) continue;
      if (draw_pixels(blits_[i], r, framebuffer_width, framebuffer_height)) continue;
      copy_pixels(blits_[i], r, framebuffer_height);
      blitted = true;
    }
    glDisable(GL_SCISSOR_TEST);
    if (blitted) glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
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

  // Renders the layers queued this frame into their textures, and stretches
  // the ones shown stretched.
  void render_pending() {
    for (auto& [id, layer] : layers_) {
      if (layer.stretch_pending) stretch(layer);
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
    GLuint stretch_fbo = 0, stretch_texture = 0;  // made on the first stretch
    Stretch stretch;                              // this frame's, when stretch_pending
    bool stretch_pending = false;
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
    make_target(layer.fbo, layer.texture, width, height);
    layer.width = width;
    layer.height = height;
  }

  // A texture to render into, behind its framebuffer object.
  static void make_target(GLuint& fbo, GLuint& texture, int width, int height) {
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    // Unsized, described as BGRA: Mesa then keeps the texture in the window's
    // own byte order, and its software renderer samples it on its fast
    // linear path (as RGBA8, stretching a flame graph took four times as long).
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_BGRA, GL_UNSIGNED_BYTE, nullptr);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
  }

  static void release(Layer& layer) {
    for (GLuint* fbo : {&layer.fbo, &layer.stretch_fbo})
      if (*fbo) glDeleteFramebuffers(1, fbo);
    for (GLuint* texture : {&layer.texture, &layer.stretch_texture})
      if (*texture) glDeleteTextures(1, texture);
    layer.fbo = layer.texture = layer.stretch_fbo = layer.stretch_texture = 0;
    layer.stretch_pending = false;
    layer.width = layer.height = 0;
  }

  // A layer that can be copied onto the window this frame, or nullptr.
  Layer* presentable(ImGuiID id) {
    const ImGuiIO& io = ImGui::GetIO();
    // A HiDPI framebuffer would need the layer scaled: leave it to the textured quad.
    if (io.DisplayFramebufferScale.x != 1.0f || io.DisplayFramebufferScale.y != 1.0f) return nullptr;
    if (blits_used_ == blits_.size()) return nullptr;
    const auto it = layers_.find(id);
    return it == layers_.end() || it->second.fbo == 0 ? nullptr : &it->second;
  }

  void queue_blit(ImDrawList* window, GLuint fbo, GLuint texture, std::uint64_t key, ImVec2 min, int width, int height) {
    // Only what the window shows of it: a chart scrolled half out of its child stays half out.
    const ImVec2 clip_min = window->GetClipRectMin(), clip_max = window->GetClipRectMax();
    blits_[blits_used_++] = Blit{fbo, texture, key, min, width, height, clip_min, clip_max};
  }

  // Draws the layer's texture, stretched, into its second one: all of it,
  // on the window's background where the first does not reach.
  static void stretch(Layer& layer) {
    layer.stretch_pending = false;
    const Stretch& s = layer.stretch;
    glBindFramebuffer(GL_FRAMEBUFFER, layer.stretch_fbo);
    glViewport(0, 0, layer.width, layer.height);
    glDisable(GL_SCISSOR_TEST);
    if (s.to_x0 > 0 || s.to_x1 < layer.width) {  // a zoom out or a pan: the background beside it
      const ImVec4 bg = background_colour();
      glClearColor(bg.x, bg.y, bg.z, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
    }
    TextureCopy copy{layer.texture, layer.width, s.from_x0, s.from_x1, s.to_x0, s.to_x1, 0, layer.height, layer.width, layer.height};
    if (!draw_texture_copy(copy)) {
      glBindFramebuffer(GL_READ_FRAMEBUFFER, layer.fbo);
      glBlitFramebuffer(s.from_x0, 0, s.from_x1, layer.height, s.to_x0, 0, s.to_x1, layer.height, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    }
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
  }

  // A layer to copy onto the window this frame, and the window's clip rectangle around it.
  struct Blit {
    GLuint fbo = 0, texture = 0;
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

  // Draws the layer's pixels under `r` (window pixels, top-left origin) in
  // the same place on the window, one pixel per pixel, as the app draws at
  // 1x (see present()): the whole layer, cut to `r` by the scissor. False
  // when there is no program to draw with.
  static bool draw_pixels(const Blit& b, PixelRect r, int framebuffer_width, int framebuffer_height) {
    glEnable(GL_SCISSOR_TEST);
    glScissor(r.x0, framebuffer_height - r.y1, r.x1 - r.x0, r.y1 - r.y0);
    const int left = static_cast<int>(b.min.x), top = static_cast<int>(b.min.y);
    // The texture's first row is the layer's bottom, as OpenGL counts the window's rows.
    const TextureCopy copy{b.texture, b.width, 0, b.width, left, left + b.width, framebuffer_height - (top + b.height),
                           framebuffer_height - top, framebuffer_width, framebuffer_height};
    return draw_texture_copy(copy);
  }

  // The same with a framebuffer blit, where there is no program.
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
