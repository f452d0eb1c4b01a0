// Drawings that rarely change (a chart of a finished run, a flame graph
// nobody is zooming) kept as textures: a widget draws its static part once
// into a layer, and every later frame with the same content key costs one
// textured quad instead of thousands of triangles. Under a software
// renderer (Mesa's llvmpipe on a CI machine) that is most of a frame.
//
// The renderer that turns layers into textures is registered by the one
// place that knows OpenGL (GlWindow); without one (the headless panel
// tests) layers draw straight into the window, so widgets work the same.
#pragma once

#include <imgui.h>

#include <cstdint>

#include "sim/engine/rng.h"

namespace perfloop::ui {

// Starts the layer `id` (unique within the window's ID stack) covering
// [min, max) in screen pixels, whose static content is fully described by
// `key`. Returns the draw list to draw that content into, in screen
// coordinates, or nullptr when the texture from an earlier frame is current.
// Always pair with end_layer().
ImDrawList* begin_layer(const char* id, std::uint64_t key, ImVec2 min, ImVec2 max);
// Puts the layer (texture, or what was drawn) into the window's draw list.
void end_layer();

// Key building: the engine's FNV-1a (sim/rng.h) over the bytes of values.
struct LayerKey {
  std::uint64_t value = kFnvOffset;
  LayerKey& add(const void* data, std::size_t size);
  template <class T>
  LayerKey& add(const T& v) { return add(&v, sizeof v); }
};

// The renderer's side: GlWindow implements it.
class LayerRenderer {
 public:
  virtual ~LayerRenderer() = default;
  // Returns the texture holding `id`'s content if it was rendered with `key`
  // at this size; 0 otherwise, with `stable` set when the same key was asked
  // for in the previous frame too. Content that changes every frame (a zoom
  // in progress) is drawn directly: a texture would only add its fill.
  virtual ImTextureID cached(ImGuiID id, std::uint64_t key, int width, int height, bool& stable) = 0;
  // Queues `list` (screen coordinates, with `min` the layer's top-left) to be
  // rendered into `id`'s texture before this frame is drawn; returns that texture.
  virtual ImTextureID render(ImGuiID id, std::uint64_t key, const ImDrawList& list, ImVec2 min, int width, int height) = 0;
  // Puts the layer `id` (just returned by cached() or render()) on screen at
  // `min` this frame, within `window`'s current clip rectangle. GlWindow
  // copies the pixels before the frame's draw lists (a framebuffer blit: no
  // shading, no blending); false: the caller draws the texture as an image.
  virtual bool present(ImDrawList* window, ImGuiID id, ImVec2 min, int width, int height) = 0;
  // A draw callback after which the renderer fills triangles with their
  // vertex colour alone, unblended (until ImDrawCallback_ResetRenderState);
  // nullptr when it has none.
  virtual ImDrawCallback opaque_fills() { return nullptr; }
};

void set_layer_renderer(LayerRenderer* renderer);

// Between these two, `list` gets only opaque (alpha 255), untextured fills:
// a flame graph's boxes. A software renderer pays per pixel for sampling the
// font texture and blending, which such fills do not need; the renderer
// draws them with a colour-only shader instead. Without one, nothing changes.
void begin_opaque_fills(ImDrawList* list);
void end_opaque_fills(ImDrawList* list);

// How the layers begun since the last call were served (the benchmark's
// check that a still panel really is drawn from its textures).
struct LayerCounts {
  int cached = 0;    // from the texture of an earlier frame
  int rendered = 0;  // into a new texture
  int direct = 0;    // straight into the window (changing every frame, or no renderer)
};
LayerCounts take_layer_counts();
// Frees the scratch list (before the ImGui context it belongs to goes).
void reset_layers();

}  // namespace perfloop::ui
