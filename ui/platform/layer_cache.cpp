#include "ui/platform/layer_cache.h"

#include <memory>
#include <unordered_map>

namespace perfloop::ui {

namespace {

LayerRenderer* g_renderer = nullptr;

struct OpenLayer {
  ImGuiID id = 0;
  std::uint64_t key = 0;
  ImVec2 min, max;
  int width = 0, height = 0;           // whole pixels from `min`
  bool drawing_into_own_list = false;  // a cache miss with a renderer
  bool direct = false;                 // no renderer: drawn into the window
  bool stretched = false;              // an earlier span's texture stands in
  Stretch stretch;
  ImTextureID texture = nullptr;
  // A zoom layer's content and span, remembered once its texture holds them.
  bool zoom = false;
  std::uint64_t content = 0;
  LayerSpan span;
};

// What a zoom layer asked for in its last frame, and what its texture holds.
struct ZoomRecord {
  std::uint64_t asked_content = 0;
  LayerSpan asked_span;
  int asked_frame = -1;
  bool drawn = false;
  std::uint64_t drawn_key = 0, drawn_content = 0;
  LayerSpan drawn_span;
};

OpenLayer g_open;
LayerCounts g_counts;
std::unordered_map<ImGuiID, ZoomRecord> g_zooms;  // by layer id: a handful of flame graphs
// One scratch list, reused: a layer is drawn and handed to the renderer before the next begins.
std::unique_ptr<ImDrawList> g_list;

// Starts g_open; false when the layer is drawn straight into the window
// (no renderer, or nothing on screen to keep).
bool open_layer(const char* id, std::uint64_t key, ImVec2 min, ImVec2 max) {
  g_open = OpenLayer{};
  g_open.id = ImGui::GetID(id);
  g_open.key = key;
  g_open.min = ImVec2(static_cast<float>(static_cast<int>(min.x)), static_cast<float>(static_cast<int>(min.y)));
  g_open.max = max;
  g_open.width = static_cast<int>(max.x - g_open.min.x + 0.999f);
  g_open.height = static_cast<int>(max.y - g_open.min.y + 0.999f);
  return g_renderer && g_open.width > 0 && g_open.height > 0;
}

ImDrawList* draw_directly() {
  g_open.direct = true;
  ++g_counts.direct;
  return ImGui::GetWindowDrawList();
}

// The scratch list the layer's content is drawn into, for the renderer's texture.
ImDrawList* draw_into_texture() {
  ++g_counts.rendered;
  if (!g_list) g_list = std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData());
  ImDrawList& list = *g_list;
  list._ResetForNewFrame();
  list.Flags = ImGui::GetWindowDrawList()->Flags;
  list.PushTextureID(ImGui::GetIO().Fonts->TexID);
  list.PushClipRect(g_open.min, ImVec2(g_open.min.x + static_cast<float>(g_open.width), g_open.min.y + static_cast<float>(g_open.height)));
  g_open.drawing_into_own_list = true;
  return &list;
}

}  // namespace

LayerKey& LayerKey::add(const void* data, std::size_t size) {
  value = fnv1a(value, std::string_view(static_cast<const char*>(data), size));
  return *this;
}

void set_layer_renderer(LayerRenderer* renderer) { g_renderer = renderer; }

void begin_opaque_fills(ImDrawList* list) {
  if (ImDrawCallback fills = g_renderer ? g_renderer->opaque_fills() : nullptr) list->AddCallback(fills, nullptr);
}

void end_opaque_fills(ImDrawList* list) {
  if (g_renderer && g_renderer->opaque_fills()) list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

LayerCounts take_layer_counts() {
  const LayerCounts counts = g_counts;
  g_counts = LayerCounts{};
  return counts;
}

void reset_layers() {
  g_list.reset();
  g_open = OpenLayer{};
  g_zooms.clear();
}

ImDrawList* begin_layer(const char* id, std::uint64_t key, ImVec2 min, ImVec2 max) {
  if (!open_layer(id, key, min, max)) return draw_directly();
  bool stable = false;
  g_open.texture = g_renderer->cached(g_open.id, key, g_open.width, g_open.height, stable);
  if (g_open.texture) {
    ++g_counts.cached;
    return nullptr;
  }
  // Content that changes every frame: a texture would only add its fill.
  return stable ? draw_into_texture() : draw_directly();
}

ImDrawList* begin_zoom_layer(const char* id, std::uint64_t content, LayerSpan span, ImVec2 min, ImVec2 max) {
  LayerKey key;
  key.add(content).add(span.from).add(span.to);
  if (!open_layer(id, key.value, min, max)) return draw_directly();
  g_open.zoom = true;
  g_open.content = content;
  g_open.span = span;
  ZoomRecord& record = g_zooms[g_open.id];
  const int frame = ImGui::GetFrameCount();
  const bool only_view_moved = record.asked_frame + 1 == frame && record.asked_content == content &&
                               (record.asked_span.from != span.from || record.asked_span.to != span.to);
  record.asked_content = content;
  record.asked_span = span;
  record.asked_frame = frame;

  bool stable = false;
  g_open.texture = g_renderer->cached(g_open.id, g_open.key, g_open.width, g_open.height, stable);
  if (g_open.texture) {
    ++g_counts.cached;
    return nullptr;
  }
  if (stable) return draw_into_texture();  // the view held still: crisp again
  // The view is moving: stretch what the texture holds, if it is close enough.
  if (record.drawn && record.drawn_content == content &&
      stretch_for(record.drawn_span, span, g_open.width, g_open.stretch)) {
    g_open.texture = g_renderer->texture(g_open.id, record.drawn_key, g_open.width, g_open.height);
    if (g_open.texture) {
      g_open.stretched = true;
      ++g_counts.stretched;
      return nullptr;
    }
  }
  // Only the view moved, but no texture stands in for it: draw this one
  // into a texture, which the next frames of the zoom will stretch. Content
  // that changes too (a tree rebuilt every frame) would gain nothing from it.
  return only_view_moved ? draw_into_texture() : draw_directly();
}

void end_layer() {
  if (g_open.direct) return;
  const int width = g_open.width, height = g_open.height;
  if (g_open.drawing_into_own_list) {
    g_open.texture = g_renderer->render(g_open.id, g_open.key, *g_list, g_open.min, width, height);
    if (g_open.zoom && g_open.texture) {
      ZoomRecord& record = g_zooms[g_open.id];
      record.drawn = true;
      record.drawn_key = g_open.key;
      record.drawn_content = g_open.content;
      record.drawn_span = g_open.span;
    }
  }
  if (!g_open.texture) return;
  ImDrawList* window = ImGui::GetWindowDrawList();
  const float top = g_open.min.y, bottom = g_open.min.y + static_cast<float>(height);
  // The texture's first row is the layer's bottom (OpenGL's origin): flip.
  if (g_open.stretched) {
    const Stretch& s = g_open.stretch;
    if (!g_renderer->present_stretched(window, g_open.id, g_open.min, width, height, s))
      window->AddImage(g_open.texture, ImVec2(g_open.min.x + static_cast<float>(s.to_x0), top),
                       ImVec2(g_open.min.x + static_cast<float>(s.to_x1), bottom),
                       ImVec2(static_cast<float>(s.from_x0) / static_cast<float>(width), 1),
                       ImVec2(static_cast<float>(s.from_x1) / static_cast<float>(width), 0));
  } else if (!g_renderer->present(window, g_open.id, g_open.min, width, height)) {
    window->AddImage(g_open.texture, g_open.min, ImVec2(g_open.min.x + static_cast<float>(width), bottom), ImVec2(0, 1),
                     ImVec2(1, 0));
  }
  g_open = OpenLayer{};
}

}  // namespace perfloop::ui
