// The flame graph widget: the maths (tree, zoom, folding, search, growth) is
// in flame_layout; this file turns it into pixels and turns the mouse and
// keyboard back into views and picks.
#include "ui/widgets/widget_flame.h"

#include <imgui.h>
#include <imgui_internal.h>  // SetItemUsingMouseWheel: the wheel zooms the graph instead of scrolling the page

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

constexpr float kFoldPx = 3.0f;           // frames narrower than this fold into one grey block
constexpr float kDragThresholdPx = 4.0f;  // a press that moves less than this is a click, not a pan
constexpr float kTruncateFromPx = 30.0f;  // a frame at least this wide gets a shortened label when its name does not fit
constexpr float kLabelPadPx = 4.0f;
constexpr float kRowGapPx = 4.0f;         // row height is the label's font height plus this
constexpr float kSearchWidthPx = 220.0f;
constexpr double kWheelInFactor = 0.8;    // per wheel notch towards you; a notch away is 1 / 0.8 = 1.25
constexpr double kDiffFullAt = 0.10;      // growth of 10 percentage points of the whole is full red (or blue)

constexpr ImU32 kFolded = IM_COL32(92, 96, 106, 255);
constexpr ImU32 kLabel = IM_COL32(28, 24, 22, 255);  // dark: the frames are bright
constexpr ImU32 kLabelDimmed = IM_COL32(120, 124, 134, 255);
constexpr ImU32 kDimTowards = IM_COL32(34, 36, 43, 255);  // the child background: non-matches fade into it
constexpr ImU32 kDiffNeutral = IM_COL32(150, 152, 158, 255);
constexpr ImU32 kDiffGrew = IM_COL32(228, 72, 64, 255);
constexpr ImU32 kDiffShrank = IM_COL32(72, 128, 228, 255);
constexpr ImU32 kHoverOutline = IM_COL32(255, 255, 255, 150);
constexpr ImU32 kPickedOutline = IM_COL32(255, 255, 255, 255);

ImU32 mix(ImU32 from, ImU32 to, float t) {
  auto channel = [&](int shift) {
    const float a = static_cast<float>((from >> shift) & 0xff), b = static_cast<float>((to >> shift) & 0xff);
    return static_cast<ImU32>(std::lround(a + (b - a) * t)) << shift;
  };
  return channel(IM_COL32_R_SHIFT) | channel(IM_COL32_G_SHIFT) | channel(IM_COL32_B_SHIFT) | channel(IM_COL32_A_SHIFT);
}

// FNV-1a: the same name gets the same colour on every run and every
// platform (std::hash promises neither), so a frame is recognisable by colour.
std::uint32_t name_hash(const std::string& name) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return h;
}

// The classic "hot" palette: reds through oranges to yellows, green kept
// above 80 so the dark label stays readable on every frame.
ImU32 warm_colour(const std::string& name) {
  const std::uint32_t h = name_hash(name);
  const float red = static_cast<float>(h & 0xff) / 255.0f;
  const float green = static_cast<float>((h >> 8) & 0xff) / 255.0f;
  const float blue = static_cast<float>((h >> 16) & 0xff) / 255.0f;
  return IM_COL32(205 + static_cast<int>(50 * red), 80 + static_cast<int>(140 * green), static_cast<int>(55 * blue), 255);
}

// Growth is a change of share of the whole (0.05 = 5 percentage points).
ImU32 diff_colour(double growth) {
  const float t = static_cast<float>(std::clamp(growth / kDiffFullAt, -1.0, 1.0));
  return t >= 0 ? mix(kDiffNeutral, kDiffGrew, t) : mix(kDiffNeutral, kDiffShrank, -t);
}

// "1 234 567" for whole numbers (samples, bytes, ns), one decimal otherwise.
std::string amount(double value) {
  char buf[64];
  if (std::fabs(value) >= 1e15 || value != std::floor(value)) {
    std::snprintf(buf, sizeof buf, "%.1f", value);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::fabs(value)));
  std::string grouped = value < 0 ? "-" : "";
  const std::size_t n = std::char_traits<char>::length(buf);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) grouped += ' ';
    grouped += buf[i];
  }
  return grouped;
}

// The name when it fits; on a frame wide enough, as much of it as fits
// followed by ".."; otherwise nothing. Draws a prefix of the name in place,
// so no string is built per frame.
void draw_label(ImDrawList* draw, ImFont* font, ImVec2 at, float frame_width, const std::string& name, ImU32 colour) {
  const float room = frame_width - 2 * kLabelPadPx;
  if (room <= 0 || name.empty()) return;
  const float size = font->FontSize;
  const char* begin = name.c_str();
  const char* end = begin + name.size();
  const float full = font->CalcTextSizeA(size, FLT_MAX, 0.0f, begin, end).x;
  if (full <= room) {
    draw->AddText(font, size, at, colour, begin, end);
    return;
  }
  if (frame_width < kTruncateFromPx) return;
  const char* dots = "..";
  const float dots_width = font->CalcTextSizeA(size, FLT_MAX, 0.0f, dots).x;
  // Start from the average character width, then step back until it fits.
  std::size_t keep = static_cast<std::size_t>(std::max(0.0f, (room - dots_width) / (full / static_cast<float>(name.size()))));
  keep = std::min(keep, name.size());
  auto width_of = [&](std::size_t n) { return font->CalcTextSizeA(size, FLT_MAX, 0.0f, begin, begin + n).x; };
  while (keep > 0 && ((static_cast<unsigned char>(begin[keep]) & 0xC0) == 0x80 || width_of(keep) + dots_width > room))
    --keep;  // the first test keeps a UTF-8 sequence whole
  if (keep == 0) return;
  draw->AddText(font, size, at, colour, begin, begin + keep);
  draw->AddText(font, size, ImVec2(at.x + width_of(keep), at.y), colour, dots);
}

void frame_tooltip(const FlameTree& tree, const FlameRect& rect, const char* unit, bool diff) {
  const double total = tree.total();
  ImGui::BeginTooltip();
  if (rect.node < 0) {
    ImGui::Text("%d frame%s narrower than %.0f px, %.1f%% of total", rect.folded, rect.folded == 1 ? "" : "s", kFoldPx,
                100.0 * rect.folded_total / total);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Click to zoom in on them");
    ImGui::EndTooltip();
    return;
  }
  const FlameNode& n = tree.nodes[static_cast<std::size_t>(rect.node)];
  ImGui::TextUnformatted(n.name.c_str());
  ImGui::PushFont(mono_font());
  ImGui::Text("total %5.1f%% of all  %s %s", 100.0 * n.total / total, amount(n.total).c_str(), unit);
  ImGui::Text("self  %5.1f%% of all  %s %s", 100.0 * n.self / total, amount(n.self).c_str(), unit);
  if (diff && n.baseline >= 0)
    ImGui::Text("baseline %.1f%% of all, now %.1f%%: %+.1f pp", 100.0 * n.baseline, 100.0 * tree.share(rect.node),
                100.0 * tree.growth(rect.node));
  ImGui::PopFont();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s",
                     rect.node == 0 ? "Click to show the whole profile" : "Click to zoom in and pick it as the hot frame");
  ImGui::EndTooltip();
}

}  // namespace

bool draw_flame_graph(const char* id, const FlameTree& tree, FlameWidgetState& state, const char* unit, float height) {
  ImGui::PushID(id);
  if (tree.nodes.size() <= 1 || !(tree.total() > 0)) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No samples in this window");
    // Keep the space the graph would take, so what is below does not jump when samples arrive.
    const float rest = height - ImGui::GetTextLineHeightWithSpacing();
    if (rest > 0) ImGui::Dummy(ImVec2(std::max(1.0f, ImGui::GetContentRegionAvail().x), rest));
    ImGui::PopID();
    return false;
  }
  const ImGuiIO& io = ImGui::GetIO();
  // A view past the whole belongs to an older, larger tree (the slack absorbs rounding in zoom_at's clamp).
  if (!state.has_view || !(state.view.to > state.view.from) || state.view.to > tree.total() * (1 + 1e-9)) {
    state.view = full_view(tree);
    state.has_view = true;
  }

  // Keys belong to the graph while its window is focused, or hovered while nobody is typing elsewhere.
  const bool keys_for_us = ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) ||
                           (ImGui::IsWindowHovered(ImGuiHoveredFlags_RootAndChildWindows) && !io.WantTextInput);
  // ImGui 1.86 names no ImGuiKey for letters; its GLFW backend indexes KeysDown by GLFW key code, and GLFW_KEY_F is
  // 'F' (70), so this is Ctrl+F without including GLFW here.
  if (keys_for_us && io.KeyCtrl && ImGui::IsKeyPressed('F', false)) {
    state.search_open = true;
    state.focus_search = true;
  }
  if (keys_for_us && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
    const FlameView whole = full_view(tree);
    const double slack = 1e-9 * whole.to;  // zoom_at's clamping rounds
    const bool zoomed = state.view.from > whole.from + slack || state.view.to < whole.to - slack;
    if (state.search_open) {
      state.search_open = false;
      state.search[0] = '\0';
      state.escape_frame = ImGui::GetFrameCount();
    } else if (zoomed) {
      state.view = whole;
      state.escape_frame = ImGui::GetFrameCount();
    }
  }

  // Toolbar.
  if (ImGui::Button("Reset zoom")) state.view = full_view(tree);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show the whole profile (Esc)");
  ImGui::SameLine();
  // Per-tree facts, worked out once per tree rather than every frame.
  const bool known_tree = tree.id != 0 && tree.id == state.cached_tree;
  if (!known_tree) {
    state.cached_tree = tree.id;
    state.cached_has_baseline =
        std::any_of(tree.nodes.begin(), tree.nodes.end(), [](const FlameNode& n) { return n.baseline >= 0; });
    state.cached_search.clear();
    state.cached_found = FlameSearch{};
  }
  const bool has_baseline = state.cached_has_baseline;
  ImGui::BeginDisabled(!has_baseline);
  ImGui::Checkbox("Diff", &state.diff);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", has_baseline ? "Colour by change of share against the baseline: red grew, blue shrank (full at 10 pp)"
                                         : "No baseline to compare against");
  const bool diff = state.diff && has_baseline;
  ImGui::SameLine();
  if (!state.search_open) {
    if (ImGui::Button("Search")) {
      state.search_open = true;
      state.focus_search = true;
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Find frames by name (Ctrl+F)");
  } else {
    ImGui::SetNextItemWidth(kSearchWidthPx);
    if (state.focus_search) {
      ImGui::SetKeyboardFocusHere();
      state.focus_search = false;
    }
    ImGui::InputTextWithHint("##search", "frame name (Esc closes)", state.search, sizeof state.search);
  }
  const bool searching = state.search_open && state.search[0] != '\0';
  if (searching && (!known_tree || tree.id == 0 || state.cached_search != state.search)) {
    state.cached_found = search_flame(tree, state.search);
    state.cached_search = state.search;
  }
  const FlameSearch& found = state.cached_found;
  if (searching) {
    ImGui::SameLine();
    ImGui::PushFont(mono_font());
    ImGui::Text("%zu match%s, %.1f%% of total", found.matches.size(), found.matches.size() == 1 ? "" : "es",
                100.0 * found.share);
    ImGui::PopFont();
  }

  // The graph, in a child so that a tree deeper than the height scrolls (by its scrollbar: the wheel zooms).
  const float graph_height = std::max(ImGui::GetFrameHeight() * 2, height - ImGui::GetFrameHeightWithSpacing());
  ImGui::BeginChild("graph", ImVec2(0, graph_height), false, ImGuiWindowFlags_NoScrollWithMouse);
  ImFont* font = mono_font();
  const float row_px = std::floor(font->FontSize + kRowGapPx);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
  const float rows_px = static_cast<float>(tree.max_depth + 1) * row_px;
  ImGui::InvisibleButton("canvas", ImVec2(width, std::max({rows_px, ImGui::GetContentRegionAvail().y, 1.0f})));
  ImGui::SetItemUsingMouseWheel();
  const bool hovered = ImGui::IsItemHovered();
  const ImVec2 mouse = io.MousePos;

  if (hovered && io.MouseWheel != 0.0f) {
    state.view = zoom_at(tree, state.view, (mouse.x - origin.x) / width, std::pow(kWheelInFactor, io.MouseWheel));
    state.press_view = state.view;  // a drag in progress carries on from the new zoom
    state.press_x_px = mouse.x;
  }
  if (ImGui::IsItemActivated()) {
    state.dragging = false;
    state.press_x_px = mouse.x;
    state.press_view = state.view;
  }
  if (ImGui::IsItemActive()) {
    if (!state.dragging && ImGui::IsMouseDragging(ImGuiMouseButton_Left, kDragThresholdPx)) state.dragging = true;
    // Pan from where the press began, so the frame under the mouse stays under it.
    if (state.dragging) state.view = pan(tree, state.press_view, (mouse.x - state.press_x_px) / width);
  }
  const bool released = ImGui::IsItemDeactivated();
  const bool clicked = released && !state.dragging && hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Left);
  if (released) state.dragging = false;

  // Laid out only when something needs the rectangles: a redrawn layer, the
  // hover or a click. A still graph under a cached layer costs no layout.
  std::vector<FlameRect> rects;
  bool laid_out = false;
  auto layout = [&]() -> const std::vector<FlameRect>& {
    if (!laid_out) {
      rects = layout_flame(tree, state.view, width, kFoldPx);
      laid_out = true;
    }
    return rects;
  };
  auto rect_at = [&](ImVec2 p) -> const FlameRect* {
    if (p.y < origin.y) return nullptr;
    const int depth = static_cast<int>((p.y - origin.y) / row_px);
    const float x = p.x - origin.x;
    for (const FlameRect& r : layout())
      if (r.depth == depth && x >= r.x && x < r.x + r.width) return &r;
    return nullptr;
  };

  bool picked_changed = false;
  if (clicked) {
    if (const FlameRect* r = rect_at(mouse)) {
      if (r->node == 0) {
        state.view = full_view(tree);
      } else if (r->node > 0) {
        state.view = zoom_to(tree, r->node);
        picked_changed = state.picked != r->node;
        state.picked = r->node;
      } else {
        // A folded block: zoom to the span it covers, where its frames are wide enough to see.
        const double units_per_px = (state.view.to - state.view.from) / width;
        const FlameView block{state.view.from + r->x * units_per_px, state.view.from + (r->x + r->width) * units_per_px};
        state.view = zoom_at(tree, block, 0.5, 1.0);  // factor 1: only the clamping to the whole
      }
      laid_out = false;  // the view moved
    }
  }

  ImDrawList* window_list = ImGui::GetWindowDrawList();
  const ImVec2 clip_min = window_list->GetClipRectMin(), clip_max = window_list->GetClipRectMax();
  const FlameRect* hover = hovered && !state.dragging ? rect_at(mouse) : nullptr;
  ImVec2 picked_min, picked_max;
  bool picked_visible = false;
  // The frames change with the tree, the zoom, the search, the mode, the
  // pick and the scroll, not with the mouse: a layer, with the hover outline on top.
  const ImVec2 layer_min(std::max(clip_min.x, origin.x), std::max(clip_min.y, origin.y));
  const ImVec2 layer_max(std::min(clip_max.x, origin.x + width), std::min(clip_max.y, origin.y + rows_px));
  // Everything but the view: a zoom or a pan moves the picture only along
  // its width, so while one is under way the layer stretches the last
  // texture instead of drawing thousands of frames anew every frame.
  LayerKey content;
  content.add(tree.id).add(tree.nodes.size()).add(tree.total()).add(tree.max_depth).add(width);
  for (std::size_t i = 0; i < tree.nodes.size() && i < 64; ++i)
    content.add(tree.nodes[i].total).add(tree.nodes[i].baseline).add(tree.nodes[i].name.data(), tree.nodes[i].name.size());
  content.add(origin.x - layer_min.x).add(origin.y - layer_min.y).add(layer_max.x - layer_min.x).add(layer_max.y - layer_min.y);
  content.add(diff).add(state.picked).add(font->FontSize).add(io.FontGlobalScale).add(searching);
  if (searching) content.add(state.search, std::strlen(state.search));
  // The layer's width stands for the view, unless the clip cuts off its left edge (a narrow window).
  const double units_per_px = (state.view.to - state.view.from) / width;
  const LayerSpan span{state.view.from + (layer_min.x - origin.x) * units_per_px,
                       state.view.from + (layer_max.x - origin.x) * units_per_px};
  ImDrawList* draw = begin_zoom_layer("frames", content.value, span, layer_min, layer_max);
  if (draw) {
    const float label_dy = std::floor((row_px - 1.0f - font->FontSize) / 2);
    // The frames on screen, each with its box: all boxes first (opaque, one
    // cheap fill), then the labels over them (boxes never overlap).
    struct Shown {
      const FlameRect* rect;
      ImVec2 a, b;
    };
    std::vector<Shown> shown;
    shown.reserve(layout().size());
    for (const FlameRect& r : layout()) {
      const float y0 = origin.y + static_cast<float>(r.depth) * row_px;
      if (y0 > clip_max.y) break;  // rows come in depth order: the rest are below too
      if (y0 + row_px < clip_min.y) continue;
      const float x0 = origin.x + r.x, x1 = x0 + r.width;
      if (x1 < clip_min.x || x0 > clip_max.x) continue;
      // One pixel of gap to the right and below, so neighbours read as separate frames.
      shown.push_back({&r, ImVec2(x0, y0), ImVec2(r.width >= 2.0f ? x1 - 1.0f : x1, y0 + row_px - 1.0f)});
    }
    const auto lit = [&](int node) {
      return !searching || std::binary_search(found.matches.begin(), found.matches.end(), node);
    };
    begin_opaque_fills(draw);
    for (const auto& [r, a, b] : shown) {
      if (r->node < 0) {
        draw->AddRectFilled(a, b, searching ? mix(kFolded, kDimTowards, 0.6f) : kFolded);
        continue;
      }
      const ImU32 fill = diff ? diff_colour(tree.growth(r->node)) : warm_colour(tree.nodes[static_cast<std::size_t>(r->node)].name);
      draw->AddRectFilled(a, b, lit(r->node) ? fill : mix(fill, kDimTowards, 0.75f));
    }
    end_opaque_fills(draw);
    for (const auto& [r, a, b] : shown) {
      if (r->node < 0) continue;
      draw_label(draw, font, ImVec2(a.x + kLabelPadPx, a.y + label_dy), b.x - a.x,
                 tree.nodes[static_cast<std::size_t>(r->node)].name, lit(r->node) ? kLabel : kLabelDimmed);
      if (r->node == state.picked) {
        picked_min = a;
        picked_max = b;
        picked_visible = true;
      }
    }
    // After every frame, so no neighbour paints over the outline.
    if (picked_visible) draw->AddRect(picked_min, picked_max, kPickedOutline, 0.0f, 0, 2.0f);
  }
  end_layer();
  if (hover) {
    const float y0 = origin.y + static_cast<float>(hover->depth) * row_px, x0 = origin.x + hover->x;
    window_list->AddRect(ImVec2(x0, y0), ImVec2(hover->width >= 2.0f ? x0 + hover->width - 1.0f : x0 + hover->width, y0 + row_px - 1.0f),
                         kHoverOutline);
  }
  if (hover) frame_tooltip(tree, *hover, unit, diff);

  ImGui::EndChild();
  ImGui::PopID();
  return picked_changed;
}

}  // namespace perfloop::ui
