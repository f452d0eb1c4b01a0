#include "ui/widgets/widget_timeseries.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/platform/control_map.h"
#include "ui/platform/layer_cache.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

void draw_timeseries(const char* id, const ChartSpec& spec, const std::vector<ChartLine>& lines,
                     const std::vector<LogEvent>& events, ChartSelection& selection) {
  ImGui::PushID(id);
  ImGui::TextUnformatted((spec.title + " (" + spec.unit + ")").c_str());
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;

  double largest = 0.0;
  for (const auto& line : lines)
    for (double v : line.values) largest = std::max(largest, v);
  const double top = nice_ceiling(largest, spec.threshold);
  ImGui::PushFont(mono_font());
  const std::vector<Tick> value_labels = value_ticks(0.0, top, 5, spec.unit);
  float label_width = 0.0f;  // the left margin fits the widest value label
  for (const Tick& t : value_labels) label_width = std::max(label_width, ImGui::CalcTextSize(t.label.c_str()).x);
  ImGui::PopFont();
  const float left = label_width + 10.0f, bottom = 22.0f;
  const ImVec2 plot_min(origin.x + left, origin.y + 4.0f);
  const ImVec2 plot_max(origin.x + width - 8.0f, origin.y + spec.height - bottom);
  const AxisMap x{0.0, std::max(1.0, spec.duration_s), plot_min.x, plot_max.x};
  const AxisMap y{0.0, top, plot_max.y, plot_min.y};

  // Everything but the selection and the tooltips depends only on the data,
  // the size and the font: a layer, redrawn when one of them changes.
  LayerKey key;
  key.add(width).add(spec.height).add(spec.duration_s).add(spec.threshold).add(top).add(ImGui::GetIO().FontGlobalScale);
  key.add(spec.threshold_label.data(), spec.threshold_label.size()).add(spec.unit.data(), spec.unit.size());
  for (const auto& line : lines) {
    key.add(line.colour).add(line.name.data(), line.name.size());
    if (line.data_version != 0)
      key.add(line.data_version).add(line.t_s.size()).add(line.values.size());
    else
      key.add(line.t_s.data(), line.t_s.size() * sizeof(double)).add(line.values.data(), line.values.size() * sizeof(double));
  }
  for (const auto& e : events) key.add(e.t).add(e.kind.data(), e.kind.size());
  ImDrawList* draw = begin_layer("plot", key.value, origin, ImVec2(origin.x + width, origin.y + spec.height));
  if (draw) {
  // An outline, not a fill: the plot sits on the window's own background, so
  // a software renderer does not shade its area twice.
  draw->AddRect(plot_min, plot_max, colour::kGrid);
  ImGui::PushFont(mono_font());
  for (const Tick& t : value_labels) {
    const float py = y.to_px(t.value);
    draw->AddLine(ImVec2(plot_min.x, py), ImVec2(plot_max.x, py), colour::kGrid);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    draw->AddText(ImVec2(plot_min.x - size.x - 6.0f, py - size.y / 2), colour::kMuted, t.label.c_str());
  }
  for (const Tick& t : time_ticks(0.0, spec.duration_s, std::max(2, static_cast<int>((plot_max.x - plot_min.x) / 90.0f)))) {
    const float px = x.to_px(t.value);
    draw->AddLine(ImVec2(px, plot_min.y), ImVec2(px, plot_max.y), colour::kGrid);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    // Centred under the tick, but kept inside the chart's width.
    const float lx = std::clamp(px - size.x / 2, plot_min.x - left, plot_max.x - size.x);
    draw->AddText(ImVec2(lx, plot_max.y + 3.0f), colour::kMuted, t.label.c_str());
  }
  ImGui::PopFont();

  draw->PushClipRect(plot_min, plot_max, true);
  if (spec.threshold > 0) {
    const float py = y.to_px(spec.threshold);
    draw->AddLine(ImVec2(plot_min.x, py), ImVec2(plot_max.x, py), colour::kSlo, 1.5f);
    draw->AddText(ImVec2(plot_min.x + 6.0f, py - ImGui::GetTextLineHeight() - 2.0f), colour::kSlo,
                  spec.threshold_label.c_str());
  }
  for (const auto& line : lines) {
    std::vector<ImVec2> points;
    points.reserve(line.values.size());
    for (std::size_t i = 0; i < line.values.size() && i < line.t_s.size(); ++i)
      points.push_back(ImVec2(x.to_px(line.t_s[i]), y.to_px(line.values[i])));
    if (points.size() >= 2) draw->AddPolyline(points.data(), static_cast<int>(points.size()), line.colour, 0, 2.0f);
  }
  // Deploys and fixes: a dashed-looking marker with the diff on hover.
  for (const auto& e : events) {
    if (e.kind != "deploy" && e.kind != "config" && e.kind != "fix") continue;
    const float px = x.to_px(ns_to_s(static_cast<double>(e.t)));
    for (float py = plot_min.y; py < plot_max.y; py += 8.0f)
      draw->AddLine(ImVec2(px, py), ImVec2(px, std::min(py + 4.0f, plot_max.y)), colour::kDeploy, 1.5f);
  }
  draw->PopClipRect();

  // Legend, top right.
  float lx = plot_max.x - 8.0f;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const ImVec2 size = ImGui::CalcTextSize(it->name.c_str());
    lx -= size.x;
    draw->AddText(ImVec2(lx, plot_min.y + 4.0f), it->colour, it->name.c_str());
    lx -= 16.0f;
  }
  }
  end_layer();

  const ImVec2 mouse = ImGui::GetIO().MousePos;
  if (selection.has_range)
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(x.to_px(selection.range.from_s), plot_min.y),
                                              ImVec2(x.to_px(selection.range.to_s), plot_max.y), colour::kSelection);
  const LogEvent* hovered = nullptr;
  for (const auto& e : events) {
    if (e.kind != "deploy" && e.kind != "config" && e.kind != "fix") continue;
    const float px = x.to_px(ns_to_s(static_cast<double>(e.t)));
    if (std::abs(mouse.x - px) < 4.0f && mouse.y >= plot_min.y && mouse.y <= plot_max.y) hovered = &e;
  }

  const ImGuiID plot_id = ImGui::GetID("plot");
  ImGui::InvisibleButton("plot", ImVec2(width, spec.height));
  mark_control_area(std::string("chart.") + id + ".plot", plot_min.x, plot_min.y, plot_max.x, plot_max.y);
  if (ImGui::IsItemActivated()) {
    selection.dragging = true;
    selection.owner = plot_id;
    selection.drag_from_px = mouse.x;
  }
  if (selection.dragging && selection.owner == plot_id) {
    selection.range = drag_to_range(x, selection.drag_from_px, mouse.x, 10.0);
    selection.has_range = true;
    if (!ImGui::IsItemActive()) selection.dragging = false;
  }
  if (hovered) {
    ImGui::BeginTooltip();
    ImGui::Text("%s %s at %s", hovered->kind.c_str(), hovered->service.c_str(),
                clock_text(ns_to_s(static_cast<double>(hovered->t))).c_str());
    ImGui::TextUnformatted(hovered->text.c_str());
    ImGui::EndTooltip();
  } else if (ImGui::IsItemHovered() && mouse.x >= plot_min.x && mouse.x <= plot_max.x) {
    ImGui::SetTooltip("%s: drag to select a window", clock_text(x.to_value(mouse.x)).c_str());
  }
  ImGui::PopID();
}

}  // namespace perfloop::ui
