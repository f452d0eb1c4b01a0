#include "ui/platform/layer_cache.h"

#include <memory>

namespace perfloop::ui {

namespace {

LayerRenderer* g_renderer = nullptr;

struct OpenLayer {
  ImGuiID id = 0;
  std::uint64_t key = 0;
  ImVec2 min, max;
  bool drawing_into_own_list = false;  // a cache miss with a renderer
  bool direct = false;                 // no renderer: drawn into the window
  ImTextureID texture = nullptr;
};

OpenLayer g_open;
LayerCounts g_counts;
// One scratch list, reused: a layer is drawn and handed to the renderer before the next begins.
std::unique_ptr<ImDrawList> g_list;

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
}

ImDrawList* begin_layer(const char* id, std::uint64_t key, ImVec2 min, ImVec2 max) {
  g_open = OpenLayer{};
  g_open.id = ImGui::GetID(id);
  g_open.key = key;
  g_open.min = ImVec2(static_cast<float>(static_cast<int>(min.x)), static_cast<float>(static_cast<int>(min.y)));
  g_open.max = max;
  const int width = static_cast<int>(max.x - g_open.min.x + 0.999f), height = static_cast<int>(max.y - g_open.min.y + 0.999f);
  // Off screen or empty: nothing to keep.
  if (!g_renderer || width <= 0 || height <= 0) {
    g_open.direct = true;
    ++g_counts.direct;
    return ImGui::GetWindowDrawList();
  }
  bool stable = false;
  g_open.texture = g_renderer->cached(g_open.id, key, width, height, stable);
  if (g_open.texture) {
    ++g_counts.cached;
    return nullptr;
  }
  if (!stable) {
    g_open.direct = true;
    ++g_counts.direct;
    return ImGui::GetWindowDrawList();
  }
  ++g_counts.rendered;
  if (!g_list) g_list = std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData());
  ImDrawList& list = *g_list;
  list._ResetForNewFrame();
  list.Flags = ImGui::GetWindowDrawList()->Flags;
  list.PushTextureID(ImGui::GetIO().Fonts->TexID);
  list.PushClipRect(g_open.min, ImVec2(g_open.min.x + static_cast<float>(width), g_open.min.y + static_cast<float>(height)));
  g_open.drawing_into_own_list = true;
  return &list;
}

void end_layer() {
  if (g_open.direct) return;
  const int width = static_cast<int>(g_open.max.x - g_open.min.x + 0.999f), height = static_cast<int>(g_open.max.y - g_open.min.y + 0.999f);
  if (g_open.drawing_into_own_list)
    g_open.texture = g_renderer->render(g_open.id, g_open.key, *g_list, g_open.min, width, height);
  if (!g_open.texture) return;
  ImDrawList* window = ImGui::GetWindowDrawList();
  if (!g_renderer->present(window, g_open.id, g_open.min, width, height)) {
    // The texture's first row is the layer's bottom (OpenGL's origin): flip.
    window->AddImage(g_open.texture, g_open.min,
                     ImVec2(g_open.min.x + static_cast<float>(width), g_open.min.y + static_cast<float>(height)),
                     ImVec2(0, 1), ImVec2(1, 0));
  }
  g_open = OpenLayer{};
}

}  // namespace perfloop::ui
