// Drawings that rarely change (a chart of a finished run, a flame graph
// nobody is zooming) kept as textures: a widget draws its static part once
// into a layer, and every later frame with the same content key costs one
// textured quad instead of thousands of triangles. Under a software
// renderer (Mesa's llvmpipe on a CI machine) that is most of a frame.
//
// A layer that zooms (begin_zoom_layer) goes further: while its view moves
// every frame, the texture of an earlier view is shown stretched to the new
// one, and the content is drawn anew, crisp, once the view holds still.
//
// The renderer that turns layers into textures is registered by the one
// place that knows OpenGL (GlWindow); without one (the headless panel
// tests) layers draw straight into the window, so widgets work the same.
#pragma once

#include <imgui.h>

#include <cstdint>

#include "sim/engine/rng.h"
#include "ui/platform/layer_stretch.h"

namespace perfloop::ui {

// Starts the layer `id` (unique within the window's ID stack) covering
// [min, max) in screen pixels, whose static content is fully described by
// `key`. Returns the draw list to draw that content into, in screen
// coordinates, or nullptr when the texture from an earlier frame is current.
// Always pair with end_layer().
ImDrawList* begin_layer(const char* id, std::uint64_t key, ImVec2 min, ImVec2 max);
// Like begin_layer, for content that moves only along its width while a
// zoom or a pan is under way (a flame graph): `content` describes all of it
// but `span`, the part of its horizontal axis the width stands for. A frame
// whose span differs from the last frame's (the view is moving) gets the
// texture of an earlier span stretched to this one, when that is a fair
// stand-in (layer_stretch.h), and nullptr; a span that held still since the
// last frame is drawn anew, crisp, as with begin_layer. Pair with end_layer().
ImDrawList* begin_zoom_layer(const char* id, std::uint64_t content, LayerSpan span, ImVec2 min, ImVec2 max);
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
  // for in the previous frame too. Content that changes every frame (a chart
  // streaming) is drawn directly: a texture would only add its fill.
  virtual ImTextureID cached(ImGuiID id, std::uint64_t key, int width, int height, bool& stable) = 0;
  // Queues `list` (screen coordinates, with `min` the layer's top-left) to be
  // rendered into `id`'s texture before this frame is drawn; returns that texture.
  virtual ImTextureID render(ImGuiID id, std::uint64_t key, const ImDrawList& list, ImVec2 min, int width, int height) = 0;
  // Puts the layer `id` (just returned by cached() or render()) on screen at
  // `min` this frame, within `window`'s current clip rectangle. GlWindow
  // copies the pixels before the frame's draw lists (a plain textured
  // rectangle: no blending); false: the caller draws the texture as an image.
  virtual bool present(ImDrawList* window, ImGuiID id, ImVec2 min, int width, int height) = 0;
  // The texture holding `id`'s content if it was rendered with `key` at
  // this size; 0 otherwise. Unlike cached(), not a request for this frame's
  // content: it leaves what counts as stable alone.
  virtual ImTextureID texture(ImGuiID, std::uint64_t, int, int) { return nullptr; }
  // Like present(), with the texture's columns [from_x0, from_x1) stretched
  // over the layer's [to_x0, to_x1); false: the caller draws it as an image.
  virtual bool present_stretched(ImDrawList*, ImGuiID, ImVec2, int, int, const Stretch&) { return false; }
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
  int stretched = 0; // from the texture of an earlier span, stretched (a zoom under way)
};
LayerCounts take_layer_counts();
// Frees the scratch list (before the ImGui context it belongs to goes).
void reset_layers();

}  // namespace perfloop::ui
