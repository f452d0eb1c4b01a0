// Predict: before touching anything, how much can the fix buy? Amdahl's law
// on the share p of the hot spot and how many times faster s it gets; the
// predicted headline updates live, against the target, and the learner
// says go or no-go.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/loop/loop_session.h"
#include "sim/loop/queueing_estimate.h"
#include "sim/loop/scoring.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

// The learner's Profile window: the committed one, else the draft's.
const ProfileAnswer& learner_window(const AppState& state) {
  const auto& b = state.play.answers.bottlenecks;
  return state.play.bottleneck < b.size() && b[state.play.bottleneck].profile ? *b[state.play.bottleneck].profile
                                                                               : state.play.profile;
}

// The headline as the dashboards showed it over the learner's window: the
// mean of its 10 s windows there.
double window_headline(const AppState& state, const std::string& metric) {
  const int e = state.run.endpoint_index(state.play.observe.endpoint);
  if (e < 0) return 0.0;
  const ProfileAnswer& window = learner_window(state);
  double sum = 0.0;
  int n = 0;
  for (const SeriesPoint& p : state.run.series[static_cast<std::size_t>(e)]) {
    if (p.t_s <= window.from_s || p.t_s > window.to_s) continue;
    sum += metric_value(p, metric);
    ++n;
  }
  return n ? sum / n : 0.0;
}

// The cores and their mean utilisation over the learner's window, for the queueing estimate.
QueueingInputs cores_in_window(const AppState& state) {
  QueueingInputs out;
  const int e = state.run.endpoint_index(state.play.observe.endpoint);
  if (e < 0) return out;
  const ProfileAnswer& window = learner_window(state);
  double sum = 0.0;
  int n = 0;
  for (const SeriesPoint& p : state.run.series[static_cast<std::size_t>(e)]) {
    if (p.t_s <= window.from_s || p.t_s > window.to_s) continue;
    sum += p.cpu_utilisation;
    out.cores = out.cores_after = p.cores;
    ++n;
  }
  out.utilisation = n ? sum / n : 0.0;
  return out;
}

// The picked frame's share of the capture, to start the calculator from.
double picked_share_pct(const AppState& state) {
  const FlameTree& tree = state.profile.shown_tree();
  const std::string& frame = state.play.profile.hot_frame;
  if (tree.nodes.empty() || frame.empty()) return 0.0;
  // A frame may sit on several paths: add up its outermost appearances.
  double total = 0.0;
  for (std::size_t i = 1; i < tree.nodes.size(); ++i) {
    if (tree.nodes[i].name != frame) continue;
    bool nested = false;
    for (int p = tree.nodes[i].parent; p > 0; p = tree.nodes[static_cast<std::size_t>(p)].parent)
      nested = nested || tree.nodes[static_cast<std::size_t>(p)].name == frame;
    if (!nested) total += tree.nodes[i].total;
  }
  return tree.total() > 0 ? 100.0 * total / tree.total() : 0.0;
}

}  // namespace

void draw_predict_step(AppState& state) {
  PredictAnswer& a = state.play.predict;
  ImGui::Text("Predict: what will the fix buy, before you make it?");
  draw_coach(state, LoopStep::Predict);
  const std::string metric = state.play.observe.metric.empty() ? "p99" : state.play.observe.metric;
  const char* unit = headline_unit(metric);
  const double current = window_headline(state, metric);
  if (a.share_pct <= 0.0 && a.speedup <= 1.0) {
    a.share_pct = std::round(picked_share_pct(state) * 10.0) / 10.0;
    a.speedup = 2.0;
  }

  section_title("Amdahl's law");
  ImGui::SetNextItemWidth(360);
  float p = static_cast<float>(a.share_pct);
  if (ImGui::SliderFloat("p: share of the hot spot (%)", &p, 0.0f, 100.0f, "%.1f %%")) a.share_pct = p;
  mark_control("predict.share");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The part of the headline the fix works on, as read from your profile (Ctrl+click to type)");
  ImGui::SetNextItemWidth(360);
  float s = static_cast<float>(a.speedup);
  if (ImGui::SliderFloat("s: how many times faster that part gets", &s, 1.0f, 1e6f, s >= 1000 ? "%.0fx" : "%.2fx",
                         ImGuiSliderFlags_Logarithmic))
    a.speedup = s;
  mark_control("predict.speedup");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("1x: unchanged; 1000x and up: that part all but disappears (Ctrl+click to type)");
  a.share_pct = std::clamp(a.share_pct, 0.0, 100.0);
  a.speedup = std::max(1.0, a.speedup);

  const double overall = amdahl_speedup(a.share_pct / 100.0, a.speedup);
  const double predicted = metric == "rps" ? current * overall : current / overall;
  ImGui::PushFont(mono_font());
  ImGui::Text("overall speedup  1 / ((1 - %.3f) + %.3f / %.2f) = %.3fx", a.share_pct / 100.0, a.share_pct / 100.0,
              a.speedup, overall);
  ImGui::Text("%s now (your window)  %.1f %s", metric.c_str(), current, unit);
  ImGui::Text("%s predicted          %.1f %s", metric.c_str(), predicted, unit);
  const BottleneckSpec* b = current_bottleneck(state);
  const double target = b ? b->symptom.target : 0.0;
  if (target > 0) ImGui::Text("target               %.1f %s", target, unit);
  ImGui::PopFont();

  // Amdahl counts the work removed; when the cores are busy, requests also
  // queue for them, and removing work shortens the queue too.
  section_title("Queueing (M/M/c)");
  QueueingInputs& q = state.play.queueing;
  // Read once the run has windows in the learner's range; then the learner's to change.
  if (!q.read) {
    const QueueingInputs measured = cores_in_window(state);
    if (measured.cores > 0) {
      q = measured;
      q.read = true;
    }
  }
  ImGui::SetNextItemWidth(200);
  float busy = static_cast<float>(100.0 * q.utilisation);
  char busy_label[64];
  std::snprintf(busy_label, sizeof busy_label, "busy now (%% of %d cores)##busy", std::max(1, q.cores));
  if (ImGui::SliderFloat(busy_label, &busy, 0.0f, 100.0f, "%.0f %%")) q.utilisation = busy / 100.0;
  mark_control("predict.utilisation");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Mean CPU utilisation over your window; the fix takes p of it away at s times. For a lock, "
                      "think of 1 server and the lock's busy share");
  ImGui::SameLine();
  int cores = std::max(1, q.cores_after);
  ImGui::SetNextItemWidth(160);
  if (ImGui::InputInt("cores after the fix", &cores)) q.cores_after = std::clamp(cores, 1, 1024);
  mark_control("predict.cores");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The run's cores; change it when the fix changes them (more cores: the same work spread out)");
  if (metric != "rps") {
    const QueueingEstimate est = queueing_estimate(current, std::max(1, q.cores), q.utilisation, a.share_pct / 100.0,
                                                   a.speedup, a.share_pct / 100.0, q.cores_after);
    ImGui::PushFont(mono_font());
    ImGui::Text("cores busy  %.0f %% -> %.0f %%   response x%.2f from the queue", 100 * est.utilisation_before,
                100 * est.utilisation_after, est.queue_relief);
    ImGui::Text("%s queueing estimate  %.1f %s", metric.c_str(), est.headline, unit);
    ImGui::PopFont();
    ImGui::TextDisabled(est.utilisation_before < 0.6 ? "Cores mostly idle: the queue adds little, Amdahl's figure stands."
                                                      : "Cores busy: removing work also shortens the queue for them.");
    if (ImGui::Button("Use the queueing figure")) a.headline = std::round(est.headline * 10.0) / 10.0;
    mark_control("predict.use_queueing");
  }

  section_title("Your prediction");
  ImGui::SetNextItemWidth(160);
  if (ImGui::Button("Use the calculator's figure")) a.headline = std::round(predicted * 10.0) / 10.0;
  mark_control("predict.use_calculator");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Copy the calculator's predicted headline (%.1f %s) into your prediction", predicted, unit);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(140);
  char label[64];
  std::snprintf(label, sizeof label, "predicted %s (%s)", metric.c_str(), unit);
  ImGui::InputDouble(label, &a.headline, 0.0, 0.0, "%.1f");
  mark_control("predict.headline");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The headline you expect once the fix lands");
  if (state.view.build) {
    ImGui::SetNextItemWidth(320);
    std::string shown = "the fix you will choose at Fix";
    for (const auto& f : state.view.build->fixes)
      if (f.id == a.fix) shown = f.title;
    if (ImGui::BeginCombo("Fix predicted", shown.c_str())) {
      if (ImGui::Selectable("the fix you will choose at Fix", a.fix.empty())) a.fix.clear();
      for (const auto& f : state.view.build->fixes)
        if (ImGui::Selectable(f.title.c_str(), a.fix == f.id)) a.fix = f.id;
      ImGui::EndCombo();
    }
    mark_control("predict.fix");
  }
  int go = a.go ? 1 : 0;
  ImGui::RadioButton("Go: it brings the headline within target", &go, 1);
  mark_control("predict.go");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("You expect the fix alone to meet the target: ship it");
  ImGui::SameLine();
  ImGui::RadioButton("No-go: not enough, look further", &go, 0);
  mark_control("predict.nogo");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("You expect the fix to fall short of the target: it needs more than this");
  a.go = go == 1;
  commit_button(state, LoopStep::Predict, "Done: go to Fix",
                a.headline <= 0 ? "Enter the predicted headline (or use the calculator's)" : nullptr);
}

}  // namespace perfloop::ui
