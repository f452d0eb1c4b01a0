// The trace waterfall widget: rows and the critical path come from
// waterfall_layout; this file lays them on a ms axis and answers the mouse.
#include "ui/widgets/widget_waterfall.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "ui/core/chart_axis.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

constexpr float kIndentPx = 12.0f;       // per level of nesting in the name column
constexpr float kRowPadPx = 3.0f;        // above and below each bar
constexpr float kNameMinPx = 100.0f;
constexpr float kNameMaxShare = 0.4f;    // of the width: the bars need the rest
constexpr float kRightMarginPx = 8.0f;
constexpr float kTickSpacingPx = 80.0f;  // roughly one tick label per this much axis
constexpr float kHatchStepPx = 6.0f;

constexpr ImU32 kCritical = colour::kP99;                    // the accent: work the request's end waited for
constexpr ImU32 kOffPath = IM_COL32(88, 100, 120, 255);     // muted: finishing it sooner changes nothing
constexpr ImU32 kGhost = IM_COL32(220, 224, 232, 48);        // the span's typical duration before the regression
constexpr ImU32 kGhostEdge = IM_COL32(220, 224, 232, 170);   // where the typical duration ended, visible over the bar
constexpr ImU32 kQueued = IM_COL32(90, 94, 104, 200);
constexpr ImU32 kOnBar = IM_COL32(28, 24, 22, 255);       // text on an accent bar: dark, the accent is bright
constexpr ImU32 kHatch = IM_COL32(150, 156, 168, 200);
constexpr ImU32 kStripe = IM_COL32(255, 255, 255, 8);
constexpr ImU32 kHoverRow = IM_COL32(110, 170, 240, 28);
constexpr ImU32 kPickedRow = IM_COL32(110, 170, 240, 60);

// "+25.6 ms" / "-3.0 ms": the sign is the point of a delta.
std::string signed_ms(double delta_ms) {
  const std::string text = ms_label(delta_ms);
  return delta_ms > 0 && text != "0.00 ms" ? "+" + text : text;
}

void row_tooltip(const WaterfallRow& row) {
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(row.name.c_str());
  ImGui::PushFont(mono_font());
  ImGui::Text("start     %s", ms_label(row.start_ms).c_str());
  ImGui::Text("duration  %s", ms_label(row.duration_ms).c_str());
  if (row.baseline_ms >= 0) {
    const double delta = row.duration_ms - row.baseline_ms;
    if (row.baseline_ms > 0)
      ImGui::Text("baseline  %s  (%s, %+.0f%%)", ms_label(row.baseline_ms).c_str(), signed_ms(delta).c_str(),
                  100.0 * delta / row.baseline_ms);
    else
      ImGui::Text("baseline  %s  (%s)", ms_label(row.baseline_ms).c_str(), signed_ms(delta).c_str());
  } else {
    ImGui::TextUnformatted("baseline  none (not seen before the onset)");
  }
  ImGui::PopFont();
  if (row.critical)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kCritical), "On the critical path");
  else
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                       "Off the critical path: shortening it alone does not shorten the request");
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Click to pick it as the hot span");
  ImGui::EndTooltip();
}

void hatched_bar(ImDrawList* draw, ImVec2 a, ImVec2 b) {
  draw->AddRectFilled(a, b, kQueued);
  draw->PushClipRect(a, b, true);
  const float h = b.y - a.y;
  for (float hx = a.x - h; hx < b.x; hx += kHatchStepPx) draw->AddLine(ImVec2(hx, b.y), ImVec2(hx + h, a.y), kHatch);
  draw->PopClipRect();
}

}  // namespace

bool draw_waterfall(const char* id, const WaterfallTrace& trace, int* picked_row) {
  ImGui::PushID(id);
  ImGui::TextUnformatted(trace.title.c_str());
  if (trace.rows.empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No spans in this trace");
    ImGui::PopID();
    return false;
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  ImFont* mono = mono_font();
  const float width = std::max(1.0f, ImGui::GetContentRegionAvail().x);
  const float line_px = ImGui::GetTextLineHeight();
  const float row_px = std::floor(line_px + 2 * kRowPadPx);
  const float axis_px = line_px + 6.0f;  // tick labels above the bars

  float name_px = 0.0f;
  for (const WaterfallRow& r : trace.rows)
    name_px = std::max(name_px, static_cast<float>(r.depth) * kIndentPx + ImGui::CalcTextSize(r.name.c_str()).x);
  name_px = std::clamp(name_px + 12.0f, std::min(kNameMinPx, width * kNameMaxShare), width * kNameMaxShare);

  // The axis reaches the request's end, or further if a span or its ghost does.
  double axis_ms = std::max(trace.total_ms, trace.queued_ms);
  for (const WaterfallRow& r : trace.rows)
    axis_ms = std::max({axis_ms, r.start_ms + r.duration_ms, r.start_ms + std::max(0.0, r.baseline_ms)});
  if (!(axis_ms > 0)) axis_ms = 1.0;

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float bars_x0 = origin.x + name_px, bars_x1 = std::max(bars_x0 + 1.0f, origin.x + width - kRightMarginPx);
  const AxisMap x{0.0, axis_ms, bars_x0, bars_x1};
  const float rows_y0 = origin.y + axis_px;
  const int row_count = static_cast<int>(trace.rows.size());
  const float rows_y1 = rows_y0 + static_cast<float>(row_count) * row_px;

  ImGui::InvisibleButton("rows", ImVec2(width, rows_y1 - origin.y));
  const bool hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int hover_row = -1;
  if (hovered && mouse.y >= rows_y0 && mouse.y < rows_y1)
    hover_row = std::clamp(static_cast<int>((mouse.y - rows_y0) / row_px), 0, row_count - 1);
  const int shown_pick = picked_row ? *picked_row : -1;

  // Time axis: ticks in ms above the rows, grid lines through them.
  ImGui::PushFont(mono);
  const int max_ticks = std::max(2, static_cast<int>((bars_x1 - bars_x0) / kTickSpacingPx));
  for (const Tick& t : value_ticks(0.0, axis_ms, max_ticks, "ms")) {
    const float px = x.to_px(t.value);
    draw->AddLine(ImVec2(px, rows_y0), ImVec2(px, rows_y1), colour::kGrid);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    const float lx = std::clamp(px - size.x / 2, bars_x0, bars_x1 - size.x);  // centred, but inside the axis
    draw->AddText(ImVec2(lx, origin.y + 1.0f), colour::kMuted, t.label.c_str());
  }
  ImGui::PopFont();

  for (int i = 0; i < row_count; ++i) {
    const WaterfallRow& r = trace.rows[static_cast<std::size_t>(i)];
    const float y = rows_y0 + static_cast<float>(i) * row_px;
    if (i % 2 == 1) draw->AddRectFilled(ImVec2(origin.x, y), ImVec2(origin.x + width, y + row_px), kStripe);
    if (i == shown_pick) draw->AddRectFilled(ImVec2(origin.x, y), ImVec2(origin.x + width, y + row_px), kPickedRow);
    if (i == hover_row) draw->AddRectFilled(ImVec2(origin.x, y), ImVec2(origin.x + width, y + row_px), kHoverRow);

    // Name column, clipped so that a long name never runs under the bars.
    draw->PushClipRect(ImVec2(origin.x, y), ImVec2(bars_x0 - 6.0f, y + row_px), true);
    draw->AddText(ImVec2(origin.x + static_cast<float>(r.depth) * kIndentPx, y + kRowPadPx),
                  r.critical ? colour::kText : colour::kMuted, r.name.c_str());
    draw->PopClipRect();

    const float bar_y0 = y + kRowPadPx, bar_y1 = y + row_px - kRowPadPx;
    if (i == 0 && trace.queued_ms > 0) {
      // Waiting for a worker before the first span: on the top row, before the root starts.
      const ImVec2 a(x.to_px(0.0), bar_y0), b(std::max(x.to_px(trace.queued_ms), x.to_px(0.0) + 1.0f), bar_y1);
      hatched_bar(draw, a, b);
      const ImVec2 size = ImGui::CalcTextSize("queued");
      if (b.x - a.x >= size.x + 6.0f) draw->AddText(ImVec2(a.x + 3.0f, y + kRowPadPx), colour::kText, "queued");
    }
    const float start_px = x.to_px(r.start_ms);
    const float end_px = std::max(x.to_px(r.start_ms + r.duration_ms), start_px + 1.0f);
    const bool has_ghost = r.baseline_ms >= 0;
    const float ghost_end = has_ghost ? std::max(x.to_px(r.start_ms + r.baseline_ms), start_px + 1.0f) : start_px;
    if (has_ghost) draw->AddRectFilled(ImVec2(start_px, y + 1.0f), ImVec2(ghost_end, y + row_px - 1.0f), kGhost);
    draw->AddRectFilled(ImVec2(start_px, bar_y0), ImVec2(end_px, bar_y1), r.critical ? kCritical : kOffPath);
    // The ghost's end drawn over the bar, so a span that grew still shows where it used to end.
    if (has_ghost) draw->AddLine(ImVec2(ghost_end, y + 1.0f), ImVec2(ghost_end, y + row_px - 1.0f), kGhostEdge);

    // The duration beside the bar, clear of the ghost: after both if there is room, else inside the bar's
    // end, else before the bar (except on the top row, where the queue is).
    ImGui::PushFont(mono);
    const std::string duration = ms_label(r.duration_ms);
    const ImVec2 size = ImGui::CalcTextSize(duration.c_str());
    const float text_y = y + (row_px - size.y) / 2;
    const float after_px = std::max(end_px, ghost_end) + 4.0f;
    if (after_px + size.x <= bars_x1)
      draw->AddText(ImVec2(after_px, text_y), colour::kMuted, duration.c_str());
    else if (end_px - start_px >= size.x + 8.0f)
      draw->AddText(ImVec2(end_px - 4.0f - size.x, text_y), r.critical ? kOnBar : colour::kText, duration.c_str());
    else if (start_px - 4.0f - size.x >= bars_x0 && !(i == 0 && trace.queued_ms > 0))
      draw->AddText(ImVec2(start_px - 4.0f - size.x, text_y), colour::kMuted, duration.c_str());
    ImGui::PopFont();
  }

  if (hover_row >= 0) {
    const WaterfallRow& r = trace.rows[static_cast<std::size_t>(hover_row)];
    const bool over_queue = hover_row == 0 && trace.queued_ms > 0 && mouse.x >= bars_x0 && x.to_value(mouse.x) < trace.queued_ms &&
                            x.to_value(mouse.x) < r.start_ms;
    if (over_queue)
      ImGui::SetTooltip("queued %s: waiting for a worker before the first span", ms_label(trace.queued_ms).c_str());
    else
      row_tooltip(r);
  }
  bool picked = false;
  if (clicked && hover_row >= 0) {
    if (picked_row) *picked_row = hover_row;
    picked = true;
  }
  ImGui::PopID();
  return picked;
}

}  // namespace perfloop::ui
