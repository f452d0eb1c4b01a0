// Observe: what moved, where and when. The headline charts of one endpoint
// over the whole run with the SLO line, deploy markers and the burn-rate
// alert banner; the answer is the endpoint, the metric, the onset (dragged
// on a chart or typed) and whether users or servers see it first.
#include <imgui.h>

#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

// `version` names the run snapshot and endpoint the series comes from.
ChartLine line_of(const std::vector<SeriesPoint>& series, const char* name, unsigned colour, double SeriesPoint::*field,
                  std::uint64_t version) {
  ChartLine line{name, colour, {}, {}, version};
  line.t_s.reserve(series.size());
  line.values.reserve(series.size());
  for (const auto& p : series) {
    line.t_s.push_back(p.t_s);
    line.values.push_back(p.*field);
  }
  return line;
}

constexpr const char* kMetrics[] = {"p50", "p99", "error_rate", "rps", "lcp", "inp"};
constexpr const char* kMetricLabels[] = {"p50 latency", "p99 latency", "error rate", "throughput (req/s)",
                                         "LCP (page load, RUM)", "INP (interaction, RUM)"};

void draw_answer(AppState& state) {
  ObserveAnswer& a = state.play.observe;
  section_title("Your reading");
  draw_coach(state, LoopStep::Observe);
  ImGui::Text("Endpoint: %s", a.endpoint.c_str());
  ImGui::SameLine(0, 30);
  ImGui::SetNextItemWidth(200);
  int metric = 1;
  for (int i = 0; i < 6; ++i)
    if (a.metric == kMetrics[i]) metric = i;
  if (ImGui::Combo("Metric that moved", &metric, kMetricLabels, 6)) a.metric = kMetrics[metric];
  if (a.metric.empty()) a.metric = kMetrics[metric];
  mark_control("observe.metric");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The headline that left its normal range");
  ImGui::SameLine(0, 30);
  ImGui::SetNextItemWidth(120);
  ImGui::InputDouble("Onset (s)", &a.onset_s, 10.0, 60.0, "%.0f");
  mark_control("observe.onset");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("When it started moving, in seconds since the run began (%s).\nDrag across a chart to set it.",
                      clock_text(a.onset_s).c_str());
  if (a.onset_s < 0) a.onset_s = 0;
  ImGui::SameLine(0, 30);
  int side = a.side == "client" ? 1 : 0;
  ImGui::RadioButton("Server side", &side, 0);
  mark_control("observe.server");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Seen first in the service's own metrics");
  ImGui::SameLine();
  ImGui::RadioButton("Client side (RUM)", &side, 1);
  mark_control("observe.client");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Seen first in what real users' browsers report");
  a.side = side ? "client" : "server";
  commit_button(state, LoopStep::Observe, "Done: go to Profile",
                a.endpoint.empty()           ? "Pick an endpoint first"
                : !state.view.error.empty()  ? "The scenario did not load: see the error panel"
                : !state.view.ready          ? "Wait for the incident to finish simulating"
                                             : nullptr);
  if (state.view.ready) mark_control("observe.ready");  // the same button, now live (for tools driving the window)
}

}  // namespace

void draw_observe_step(AppState& state) {
  const RunSnapshot& run = state.run;
  ObserveAnswer& answer = state.play.observe;
  if (answer.endpoint.empty() && !run.endpoints.empty())
    answer.endpoint = !run.slo_endpoint.empty() ? run.slo_endpoint : run.endpoints.front();
  if (answer.metric.empty()) answer.metric = "p99";

  ImGui::Text("Observe: what moved, where, and when?");
  ImGui::SameLine(0, 24);
  ImGui::SetNextItemWidth(180);
  if (ImGui::BeginCombo("Endpoint", answer.endpoint.c_str())) {
    for (const auto& name : run.endpoints)
      if (ImGui::Selectable(name.c_str(), name == answer.endpoint)) answer.endpoint = name;
    ImGui::EndCombo();
  }
  mark_control("observe.endpoint");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Which endpoint the charts show (and your answer)");
  ImGui::SameLine(0, 24);
  draw_export_button(state, export_request_for(state, "metrics"),
                     state.game.active ? "Not during a game day: the file would land your fixes at the playbook's times"
                     : !run.finished   ? "Wait for the run to finish simulating"
                                       : nullptr);
  if (!run.finished && run.duration_s > 0) {
    ImGui::SameLine(0, 24);
    char progress[64];
    std::snprintf(progress, sizeof progress, "simulating %s of %s", clock_text(run.done_s).c_str(),
                  clock_text(run.duration_s).c_str());
    ImGui::ProgressBar(static_cast<float>(run.done_s / run.duration_s), ImVec2(260.0f, 0), progress);
  }
  // The burn-rate alert, as the pager would show it. Its row is there from
  // the start where the service has an SLO, so the page arriving while the
  // run streams in does not move the charts and controls under the pointer.
  const LogEvent* page = nullptr;
  for (const auto& e : run.events)
    if (e.kind == "alert") {
      page = &e;
      break;
    }
  if (page || run.slo_ms > 0) {
    if (page) ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.40f, 0.13f, 0.15f, 1.0f));
    ImGui::BeginChild("alert", ImVec2(0, ImGui::GetFrameHeightWithSpacing() + 8.0f), true, ImGuiWindowFlags_NoScrollbar);
    if (page)
      ImGui::Text("Paged at %s: %s", clock_text(ns_to_s(static_cast<double>(page->t))).c_str(), page->text.c_str());
    else
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s",
                         run.finished ? "No page: the SLO's burn-rate alert never fired in this run"
                                      : "No page so far: the SLO's burn-rate alert has not fired");
    ImGui::EndChild();
    if (page) ImGui::PopStyleColor();
  }

  const int e = run.endpoint_index(answer.endpoint);
  static const std::vector<SeriesPoint> kNone;
  const std::vector<SeriesPoint>& series = e >= 0 ? run.series[static_cast<std::size_t>(e)] : kNone;
  const std::uint64_t version = series_version(run, e);
  const bool on_slo = answer.endpoint == run.slo_endpoint && run.slo_ms > 0;
  ChartSpec latency{answer.endpoint + " latency", "ms", run.duration_s, on_slo ? run.slo_ms : 0.0, "", 230.0f};
  if (on_slo) {
    char label[64];
    std::snprintf(label, sizeof label, "SLO: p99 under %.0f ms", run.slo_ms);
    latency.threshold_label = label;
  }
  const bool was_dragging = state.selection.dragging;
  draw_timeseries("latency", latency,
                  {line_of(series, "p50", colour::kP50, &SeriesPoint::p50_ms, version),
                   line_of(series, "p99", colour::kP99, &SeriesPoint::p99_ms, version)},
                  run.events, state.selection);
  // The smaller charts two to a row, each in a child of half the width.
  const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  auto half_chart = [&](const char* id, const ChartSpec& spec, ChartLine line) {
    ImGui::BeginChild(id, ImVec2(half, spec.height + 30.0f), false, ImGuiWindowFlags_NoScrollbar);
    draw_timeseries(id, spec, {std::move(line)}, run.events, state.selection);
    ImGui::EndChild();
  };
  half_chart("rps", {answer.endpoint + " throughput", "req/s", run.duration_s, 0.0, "", 150.0f},
             line_of(series, "requests", colour::kP50, &SeriesPoint::rps, version));
  ImGui::SameLine();
  half_chart("errors", {answer.endpoint + " errors", "%", run.duration_s, 0.0, "", 150.0f},
             line_of(series, "errors", colour::kSlo, &SeriesPoint::error_pct, version));
  // Real users' view, where the endpoint serves a page.
  bool has_rum = false;
  for (const auto& p : series) has_rum = has_rum || p.lcp_p75_ms > 0;
  if (has_rum) {
    half_chart("lcp", {answer.endpoint + " page load, RUM LCP p75", "ms", run.duration_s, 2500.0, "good LCP: 2500 ms", 160.0f},
               line_of(series, "LCP p75", colour::kP50, &SeriesPoint::lcp_p75_ms, version));
    ImGui::SameLine();
    half_chart("inp", {answer.endpoint + " interactions, RUM INP p75", "ms", run.duration_s, 200.0, "good INP: 200 ms", 160.0f},
               line_of(series, "INP p75", colour::kP99, &SeriesPoint::inp_p75_ms, version));
  }
  // A finished drag marks the onset (its start) and the window Profile opens on.
  if (was_dragging && !state.selection.dragging && state.selection.has_range) {
    answer.onset_s = state.selection.range.from_s;
    state.play.profile.from_s = state.selection.range.from_s;
    state.play.profile.to_s = state.selection.range.to_s;
  }
  if (state.selection.has_range)
    ImGui::Text("Selected %s to %s (the window Profile opens on)", clock_text(state.selection.range.from_s).c_str(),
                clock_text(state.selection.range.to_s).c_str());
  draw_answer(state);
}

}  // namespace perfloop::ui
