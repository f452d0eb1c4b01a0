// FrameDamage: which pixels a frame changes, from the frame's own geometry.
// Frames are built as the app builds them (ImDrawLists in a real ImGui
// context) and compared tile by tile (32 px) with the frame before.
#include <catch2/catch.hpp>
#include <imgui.h>

#include <vector>

#include "ui/platform/frame_damage.h"

using perfloop::ui::FrameDamage;
using perfloop::ui::PixelRect;

namespace {

struct Box {
  float x0, y0, x1, y1;
  ImU32 colour = IM_COL32(200, 80, 40, 255);
  ImVec4 clip = ImVec4(0, 0, 10000, 10000);
};

struct Context {
  Context() {
    ImGui::CreateContext();
    ImGui::GetIO().Fonts->Build();
  }
  ~Context() { ImGui::DestroyContext(); }
};

struct Frame {
  int width = 640, height = 480;
  std::uint64_t background = 1;
  ImVec2 scale = ImVec2(1, 1);
  std::vector<Box> boxes;
  std::vector<std::pair<PixelRect, std::uint64_t>> layers;
  bool callback = false;  // a draw callback (code that draws) before the boxes
};

PixelRect damage_of(FrameDamage& damage, const Frame& f) {
  ImDrawList list(ImGui::GetDrawListSharedData());
  list._ResetForNewFrame();
  list.PushTextureID(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(1)));
  list.PushClipRect(ImVec2(0, 0), ImVec2(static_cast<float>(f.width), static_cast<float>(f.height)));
  if (f.callback) list.AddCallback([](const ImDrawList*, const ImDrawCmd*) {}, nullptr);
  for (const Box& b : f.boxes) {
    list.PushClipRect(ImVec2(b.clip.x, b.clip.y), ImVec2(b.clip.z, b.clip.w));
    list.AddRectFilled(ImVec2(b.x0, b.y0), ImVec2(b.x1, b.y1), b.colour);
    list.PopClipRect();
  }
  ImDrawList* lists[] = {&list};
  ImDrawData data;
  data.Valid = true;
  data.CmdLists = lists;
  data.CmdListsCount = 1;
  data.DisplayPos = ImVec2(0, 0);
  data.DisplaySize = ImVec2(static_cast<float>(f.width) / f.scale.x, static_cast<float>(f.height) / f.scale.y);
  data.FramebufferScale = f.scale;
  damage.begin(f.width, f.height, f.background);
  for (const auto& [rect, identity] : f.layers) damage.add_rect(rect, identity);
  damage.add_draw_data(data);
  return damage.finish();
}

bool same(PixelRect a, PixelRect b) { return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1; }

bool covers(PixelRect outer, PixelRect inner) {
  return outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1;
}

}  // namespace

TEST_CASE("the first frame is damaged everywhere, an identical one nowhere", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.boxes = {{100, 100, 150, 150}, {400, 300, 500, 420}};
  CHECK(same(damage_of(damage, f), PixelRect{0, 0, 640, 480}));
  CHECK(damage.tiles_changed() == 20 * 15);
  CHECK(damage_of(damage, f).empty());
  CHECK(damage.tiles_changed() == 0);
  CHECK(damage_of(damage, f).empty());
}

TEST_CASE("a moved box damages the tiles it left and the tiles it reached, and nothing else", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.boxes = {{100, 100, 150, 150}, {400, 300, 500, 420}};
  damage_of(damage, f);
  f.boxes[0] = {300, 100, 350, 150};
  // Old box with its 1 px margin: x 99..151 -> tiles 3-4; new: 299..351 -> tiles 9-10; y 99..151 -> tiles 3-4.
  CHECK(same(damage_of(damage, f), PixelRect{96, 96, 352, 160}));
  CHECK(damage.tiles_changed() == 8);  // 2x2 left, 2x2 reached
}

TEST_CASE("a new colour, a new clip rectangle or a new order is a change; the same drawing is not", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.boxes = {{100, 100, 200, 200, IM_COL32(255, 0, 0, 255)}, {150, 150, 250, 250, IM_COL32(0, 0, 255, 255)}};
  damage_of(damage, f);

  Frame recoloured = f;
  recoloured.boxes[1].colour = IM_COL32(0, 255, 0, 255);
  const PixelRect d = damage_of(damage, recoloured);
  CHECK(covers(d, PixelRect{150, 150, 250, 250}));
  CHECK(d.x0 >= 128);  // the red box's own tiles left of the blue one stay
  damage_of(damage, f);

  // Same vertices, drawn in the other order: the overlap's pixels change.
  Frame swapped = f;
  std::swap(swapped.boxes[0], swapped.boxes[1]);
  CHECK(covers(damage_of(damage, swapped), PixelRect{150, 150, 200, 200}));
  damage_of(damage, f);

  // Same vertices, clipped differently (a scrolled child window).
  Frame clipped = f;
  clipped.boxes[0].clip = ImVec4(0, 0, 180, 480);
  CHECK_FALSE(damage_of(damage, clipped).empty());
  CHECK(damage_of(damage, clipped).empty());
}

TEST_CASE("a layer copied under the frame is a change when its content or place changes", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.layers = {{PixelRect{320, 0, 640, 240}, 42}};
  damage_of(damage, f);
  CHECK(damage_of(damage, f).empty());
  f.layers[0].second = 43;  // rendered anew with other content
  CHECK(same(damage_of(damage, f), PixelRect{320, 0, 640, 256}));
  f.layers[0].first = PixelRect{288, 0, 608, 240};  // moved
  CHECK(same(damage_of(damage, f), PixelRect{288, 0, 640, 256}));
}

TEST_CASE("a new size, a new background or invalidate() damage the whole window", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.boxes = {{10, 10, 20, 20}};
  damage_of(damage, f);
  f.width = 800;
  CHECK(same(damage_of(damage, f), PixelRect{0, 0, 800, 480}));
  f.background = 2;
  CHECK(same(damage_of(damage, f), PixelRect{0, 0, 800, 480}));
  CHECK(damage_of(damage, f).empty());
  damage.invalidate();
  CHECK(same(damage_of(damage, f), PixelRect{0, 0, 800, 480}));
}

TEST_CASE("geometry off the window damages nothing; a HiDPI framebuffer is damaged in its own pixels", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  damage_of(damage, f);
  f.boxes = {{-300, -300, -100, -100}, {700, 500, 900, 900}};
  CHECK(damage_of(damage, f).empty());

  Frame hidpi;
  hidpi.scale = ImVec2(2, 2);
  hidpi.boxes = {{10, 10, 20, 20}};
  damage_of(damage, hidpi);
  hidpi.boxes[0] = {100, 10, 110, 20};
  // Screen 10..20 is framebuffer 20..40 (tiles 0-1 with the margin); 100..110 is 200..220 (tiles 6).
  CHECK(same(damage_of(damage, hidpi), PixelRect{0, 0, 224, 64}));
}

TEST_CASE("a draw callback's clip rectangle is damaged in every frame", "[damage]") {
  Context context;
  FrameDamage damage;
  Frame f;
  f.callback = true;
  damage_of(damage, f);
  CHECK(same(damage_of(damage, f), PixelRect{0, 0, 640, 480}));  // the callback's clip: the whole window
  f.callback = false;
  damage_of(damage, f);
  CHECK(damage_of(damage, f).empty());
}
