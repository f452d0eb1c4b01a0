// Observe: what moved, where and when. The headline charts over the whole
// run with the SLO line, deploy markers and the burn-rate alert banner.
#include <imgui.h>

#include <cstdio>

#include "ui/app.h"
#include "ui/theme.h"

namespace perfloop::ui {

namespace {

ChartLine line_of(const RunSnapshot& run, const char* name, unsigned colour, double SeriesPoint::*field) {
  ChartLine line{name, colour, {}, {}};
  for (const auto& p : run.series) {
    line.t_s.push_back(p.t_s);
    line.values.push_back(p.*field);
  }
  return line;
}

}  // namespace

void draw_observe_step(AppState& state) {
  const RunSnapshot& run = state.run;
  ImGui::Text("Observe: %s", state.scenario_id.c_str());
  ImGui::SameLine();
  if (!run.finished && run.duration_s > 0) {
    char progress[64];
    std::snprintf(progress, sizeof progress, "simulating %s of %s", clock_label(run.done_s).c_str(),
                  clock_label(run.duration_s).c_str());
    ImGui::ProgressBar(static_cast<float>(run.done_s / run.duration_s), ImVec2(260.0f, 0), progress);
  }
  // The burn-rate alert, as the pager would show it.
  for (const auto& e : run.events)
    if (e.kind == "alert") {
      ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.40f, 0.13f, 0.15f, 1.0f));
      ImGui::BeginChild("alert", ImVec2(0, ImGui::GetFrameHeightWithSpacing() + 8.0f), true,
                        ImGuiWindowFlags_NoScrollbar);
      ImGui::Text("Paged at %s: %s", clock_label(ns_to_s(static_cast<double>(e.t))).c_str(), e.text.c_str());
      ImGui::EndChild();
      ImGui::PopStyleColor();
      break;
    }

  ChartSpec latency{run.endpoint + " latency", "ms", run.duration_s, run.slo_ms, "SLO", 260.0f};
  if (run.slo_ms > 0) {
    char label[64];
    std::snprintf(label, sizeof label, "SLO: p99 under %.0f ms", run.slo_ms);
    latency.threshold_label = label;
  }
  draw_timeseries("latency", latency,
                  {line_of(run, "p50", colour::kP50, &SeriesPoint::p50_ms), line_of(run, "p99", colour::kP99, &SeriesPoint::p99_ms)},
                  run.events, state.selection);
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  ImGui::BeginChild("rps", ImVec2(half, 190.0f));
  draw_timeseries("rps", {run.endpoint + " throughput", "req/s", run.duration_s, 0.0, "", 150.0f},
                  {line_of(run, "requests", colour::kP50, &SeriesPoint::rps)}, run.events, state.selection);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("errors", ImVec2(half, 190.0f));
  draw_timeseries("errors", {run.endpoint + " errors", "%", run.duration_s, 0.0, "", 150.0f},
                  {line_of(run, "errors", colour::kSlo, &SeriesPoint::error_pct)}, run.events, state.selection);
  ImGui::EndChild();
  // Real users' view, where the endpoint serves a page.
  bool has_rum = false;
  for (const auto& p : run.series) has_rum = has_rum || p.lcp_p75_ms > 0;
  if (has_rum)
    draw_timeseries("lcp", {run.endpoint + " page load, RUM LCP p75", "ms", run.duration_s, 2500.0, "good LCP: 2500 ms", 190.0f},
                    {line_of(run, "LCP p75", colour::kP50, &SeriesPoint::lcp_p75_ms)}, run.events, state.selection);
  if (state.selection.has_range)
    ImGui::Text("Selected %s to %s", clock_label(state.selection.range.from_s).c_str(),
                clock_label(state.selection.range.to_s).c_str());
}

}  // namespace perfloop::ui
