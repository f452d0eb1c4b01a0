// A flame graph being zoomed is shown from the texture of an earlier view,
// stretched, and drawn anew once the view holds still: the stretch maths
// (layer_stretch), then the flame graph widget over a renderer that keeps
// textures the way GlLayers does, counting how each frame's layer was served.
#include <catch2/catch.hpp>
#include <imgui.h>

#include <cmath>
#include <cstdint>
#include <map>

#include "ui/core/flame_synthetic.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/layer_stretch.h"
#include "ui/platform/theme.h"
#include "ui/widgets/widget_flame.h"

#include "headless_imgui.h"

using namespace perfloop::ui;

TEST_CASE("a texture stands in for a nearby span, stretched and moved along the width", "[layers]") {
  Stretch s;
  // The same span: every column where it was.
  REQUIRE(stretch_for({0, 1000}, {0, 1000}, 1000, s));
  CHECK((s.to_x0 == 0 && s.to_x1 == 1000 && s.from_x0 == 0 && s.from_x1 == 1000));
  // Zoomed in 1.6x about the middle: the middle of the texture fills the width.
  REQUIRE(stretch_for({0, 1000}, {187.5, 812.5}, 1000, s));
  CHECK((s.to_x0 == 0 && s.to_x1 == 1000));
  CHECK(s.from_x0 == Approx(188).margin(1));
  CHECK(s.from_x1 == Approx(812).margin(1));
  // Zoomed out by a tenth: the texture shrinks into the middle, the background either side.
  REQUIRE(stretch_for({0, 900}, {-50, 950}, 1000, s));
  CHECK(s.to_x0 == Approx(50).margin(1));
  CHECK(s.to_x1 == Approx(950).margin(1));
  CHECK((s.from_x0 == 0 && s.from_x1 == 1000));
  // Panned a tenth to the right: what was at 10% is now at the left edge.
  REQUIRE(stretch_for({0, 1000}, {100, 1100}, 1000, s));
  CHECK((s.to_x0 == 0 && s.to_x1 == 900 && s.from_x0 == 100 && s.from_x1 == 1000));
}

TEST_CASE("a texture magnified too far, or covering too little of the width, is no stand-in", "[layers]") {
  Stretch s;
  CHECK_FALSE(stretch_for({0, 1000}, {0, 1000 / (kMaxStretch * 1.1)}, 1000, s));  // labels blown up past twice their size
  CHECK_FALSE(stretch_for({0, 1000}, {-500, 1500}, 1000, s));                      // zoomed out: half the width empty
  CHECK_FALSE(stretch_for({0, 1000}, {300, 1300}, 1000, s));                       // panned: 30% empty
  CHECK_FALSE(stretch_for({0, 0}, {0, 1000}, 1000, s));
  CHECK_FALSE(stretch_for({0, 1000}, {5, 5}, 1000, s));
}

namespace {

// Textures as GlLayers keeps them: one per layer id with the key it was
// rendered with; a key is stable when it was asked for in the previous frame.
class KeepingRenderer : public LayerRenderer {
 public:
  ImTextureID cached(ImGuiID id, std::uint64_t key, int width, int height, bool& stable) override {
    Layer& layer = layers_[id];
    stable = layer.asked_key == key && layer.asked_frame + 1 == frame_;
    layer.asked_key = key;
    layer.asked_frame = frame_;
    return layer.has_texture && layer.key == key && layer.width == width && layer.height == height ? id_of(id) : nullptr;
  }
  ImTextureID render(ImGuiID id, std::uint64_t key, const ImDrawList&, ImVec2, int width, int height) override {
    Layer& layer = layers_[id];
    layer = Layer{true, key, width, height, layer.asked_key, layer.asked_frame};
    return id_of(id);
  }
  ImTextureID texture(ImGuiID id, std::uint64_t key, int width, int height) override {
    const Layer& layer = layers_[id];
    return layer.has_texture && layer.key == key && layer.width == width && layer.height == height ? id_of(id) : nullptr;
  }
  bool present(ImDrawList*, ImGuiID, ImVec2, int, int) override { return true; }
  bool present_stretched(ImDrawList*, ImGuiID, ImVec2, int width, int, const Stretch& stretch) override {
    last_stretch = stretch;
    last_width = width;
    return true;
  }
  void end_frame() { ++frame_; }

  Stretch last_stretch;
  int last_width = 0;

 private:
  struct Layer {
    bool has_texture = false;
    std::uint64_t key = 0;
    int width = 0, height = 0;
    std::uint64_t asked_key = 0;
    long asked_frame = -2;
  };
  static ImTextureID id_of(ImGuiID id) { return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(id)); }
  std::map<ImGuiID, Layer> layers_;
  long frame_ = 0;
};

struct Context {
  Context() { set_layer_renderer(&renderer); }
  ~Context() {
    set_layer_renderer(nullptr);
    reset_layers();
  }

  // One frame with the flame graph; how its layer was served.
  LayerCounts frame(const FlameTree& tree, FlameWidgetState& state) {
    take_layer_counts();
    ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1600, 900));
    ImGui::Begin("zoom test");
    draw_flame_graph("flame", tree, state, "samples", 700.0f);
    ImGui::End();
    ImGui::Render();
    renderer.end_frame();
    return take_layer_counts();
  }

  HeadlessImGui imgui;  // first made, last gone: the renderer is let go before the context
  KeepingRenderer renderer;
};

}  // namespace

TEST_CASE("a zooming flame graph stretches its last texture and is drawn anew when the zoom stops", "[layers]") {
  Context context;
  const FlameTree tree = synthetic_flame_tree(5000, 7);
  FlameWidgetState state;

  // A new graph is drawn straight away, into a texture once it has held still for a frame, and then reused.
  CHECK(context.frame(tree, state).direct == 1);
  CHECK(context.frame(tree, state).rendered == 1);
  CHECK(context.frame(tree, state).cached == 1);

  // Zooming in, a little each frame, as the wheel does: every frame stretches that texture.
  for (int i = 0; i < 10; ++i) {
    state.view = zoom_at(tree, state.view, 0.5, 0.97);
    const LayerCounts counts = context.frame(tree, state);
    CHECK(counts.stretched == 1);
    CHECK(counts.rendered + counts.direct + counts.cached == 0);
  }
  // The middle of the texture, magnified, fills the width.
  const Stretch s = context.renderer.last_stretch;
  CHECK((s.to_x0 == 0 && s.to_x1 == context.renderer.last_width));
  CHECK(s.from_x0 > 0);
  CHECK(s.from_x1 < context.renderer.last_width);
  CHECK(static_cast<double>(s.to_x1 - s.to_x0) / (s.from_x1 - s.from_x0) == Approx(1 / std::pow(0.97, 10)).epsilon(0.01));

  // The zoom stops: the next frame is drawn anew, crisp, and kept.
  CHECK(context.frame(tree, state).rendered == 1);
  CHECK(context.frame(tree, state).cached == 1);

  // A jump further than a stretch can stand in for (a click on a narrow frame): drawn anew at once.
  int narrow = 1;
  for (std::size_t i = 1; i < tree.nodes.size(); ++i)
    if (tree.share(static_cast<int>(i)) < 0.05 && tree.share(static_cast<int>(i)) > 0.001) narrow = static_cast<int>(i);
  state.view = zoom_to(tree, narrow);
  CHECK(context.frame(tree, state).rendered == 1);
  // Zooming on from there stretches the new texture.
  state.view = zoom_at(tree, state.view, 0.5, 1 / 0.97);
  CHECK(context.frame(tree, state).stretched == 1);

  // What the frames show changes with the view (a new pick): no texture holds it, so it is drawn directly.
  state.view = zoom_at(tree, state.view, 0.5, 1 / 0.97);
  state.picked = narrow;
  const LayerCounts changed = context.frame(tree, state);
  CHECK(changed.direct == 1);
  CHECK(changed.stretched == 0);
}
