// The flame graph's boxes go to the renderer as opaque fills: between the
// renderer's colour-only callback and ImGui's state reset come only the
// boxes (alpha 255, the font atlas's white pixel), and the labels follow.
// Without a renderer (the headless panels) the draw list has no callbacks.
#include <catch2/catch.hpp>
#include <imgui.h>
#include <imgui_internal.h>  // the shared data's white pixel

#include <cstddef>

#include "ui/core/flame_synthetic.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"
#include "ui/widgets/widget_flame.h"

using namespace perfloop::ui;

namespace {

void marker(const ImDrawList*, const ImDrawCmd*) {}

// Draws everything straight into the window (no textures), offering the marker as its fill callback.
class DirectRenderer : public LayerRenderer {
 public:
  ImTextureID cached(ImGuiID, std::uint64_t, int, int, bool& stable) override {
    stable = false;  // as if the content changed every frame: drawn directly
    return nullptr;
  }
  ImTextureID render(ImGuiID, std::uint64_t, const ImDrawList&, ImVec2, int, int) override { return nullptr; }
  bool present(ImDrawList*, ImGuiID, ImVec2, int, int) override { return false; }
  ImDrawCallback opaque_fills() override { return &marker; }
};

struct Context {
  Context() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 900);
    apply_theme(1.0f);  // the app's fonts: the flame graph labels in its monospace one
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~Context() {
    reset_layers();
    ImGui::DestroyContext();
  }
};

// One frame with the flame graph of `tree` in a window; returns that window's draw list.
const ImDrawList& draw_frame(const FlameTree& tree, FlameWidgetState& state) {
  ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  ImGui::NewFrame();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(1600, 900));
  ImGui::Begin("flame test");
  draw_flame_graph("flame", tree, state, "samples", 700.0f);
  ImGui::End();
  ImGui::Render();
  const ImDrawData* data = ImGui::GetDrawData();
  const ImDrawList* flame = nullptr;  // the flame graph's child window has the most vertices
  for (int i = 0; i < data->CmdListsCount; ++i)
    if (!flame || data->CmdLists[i]->VtxBuffer.Size > flame->VtxBuffer.Size) flame = data->CmdLists[i];
  REQUIRE(flame);
  return *flame;
}

int callbacks(const ImDrawList& list) {
  int n = 0;
  for (const ImDrawCmd& cmd : list.CmdBuffer) n += cmd.UserCallback != nullptr;
  return n;
}

}  // namespace

TEST_CASE("the flame graph's boxes are opaque fills between the renderer's callback and a reset", "[fills]") {
  Context context;
  const FlameTree tree = synthetic_flame_tree(5000, 7);
  FlameWidgetState state;

  DirectRenderer renderer;
  set_layer_renderer(&renderer);
  draw_frame(tree, state);  // the first frame sets the view
  const ImDrawList& list = draw_frame(tree, state);
  set_layer_renderer(nullptr);

  const ImVec2 white = ImGui::GetDrawListSharedData()->TexUvWhitePixel;
  std::size_t begin = list.CmdBuffer.Size, end = list.CmdBuffer.Size;
  for (int i = 0; i < list.CmdBuffer.Size; ++i) {
    if (list.CmdBuffer[i].UserCallback == &marker && begin == static_cast<std::size_t>(list.CmdBuffer.Size)) begin = static_cast<std::size_t>(i);
    if (list.CmdBuffer[i].UserCallback == ImDrawCallback_ResetRenderState && begin < static_cast<std::size_t>(i)) {
      end = static_cast<std::size_t>(i);
      break;
    }
  }
  REQUIRE(begin < end);
  REQUIRE(end < static_cast<std::size_t>(list.CmdBuffer.Size));
  int boxes = 0;
  for (std::size_t c = begin + 1; c < end; ++c) {
    const ImDrawCmd& cmd = list.CmdBuffer[static_cast<int>(c)];
    REQUIRE(cmd.UserCallback == nullptr);
    CHECK(cmd.ElemCount % 6 == 0);  // rectangles: two triangles each
    boxes += static_cast<int>(cmd.ElemCount / 6);
    for (unsigned int e = 0; e < cmd.ElemCount; ++e) {
      const ImDrawVert& v = list.VtxBuffer[static_cast<int>(list.IdxBuffer[static_cast<int>(cmd.IdxOffset + e)] + cmd.VtxOffset)];
      REQUIRE((v.col >> IM_COL32_A_SHIFT) == 255u);
      REQUIRE(v.uv.x == white.x);
      REQUIRE(v.uv.y == white.y);
    }
  }
  CHECK(boxes > 200);  // a 5,000-node tree shows hundreds of frames (narrow ones folded)
  // The labels come after the reset: textured glyphs.
  int glyph_vertices = 0;
  for (int c = static_cast<int>(end) + 1; c < list.CmdBuffer.Size; ++c) {
    const ImDrawCmd& cmd = list.CmdBuffer[c];
    for (unsigned int e = 0; e < cmd.ElemCount; ++e) {
      const ImDrawVert& v = list.VtxBuffer[static_cast<int>(list.IdxBuffer[static_cast<int>(cmd.IdxOffset + e)] + cmd.VtxOffset)];
      glyph_vertices += v.uv.x != white.x || v.uv.y != white.y;
    }
  }
  CHECK(glyph_vertices > 100);

  // No renderer: the same graph, no callbacks.
  FlameWidgetState plain;
  draw_frame(tree, plain);
  CHECK(callbacks(draw_frame(tree, plain)) == 0);
}
