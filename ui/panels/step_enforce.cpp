// Enforce: keep the fix fixed. The learner builds a set of CI gates, alerts
// and runbook entries, each with a threshold in its unit; once committed,
// the months after the incident are replayed against that set: a timeline
// of the changes that were caught, slipped through or were blocked for
// nothing, and the headline's drift with and without the set.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/loop/loop_session.h"
#include "ui/panels/app.h"
#include "ui/core/chart_axis.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

GateChoice* chosen(EnforceAnswer& a, const std::string& id) {
  for (GateChoice& g : a.gates)
    if (g.id == id) return &g;
  return nullptr;
}

const char* kind_label(const std::string& kind) {
  if (kind == "alert") return "alert (after deploy)";
  if (kind == "runbook") return "runbook entry";
  return "CI gate (before merge)";
}

void draw_gate_builder(AppState& state, bool locked) {
  EnforceAnswer& a = state.play.enforce;
  const auto& gates = state.view.build->enforce.gates;
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("gates", 4, flags)) return;
  ImGui::TableSetupColumn("check", ImGuiTableColumnFlags_WidthStretch, 3.0f);
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthStretch, 1.3f);
  ImGui::TableSetupColumn("watches", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("threshold", ImGuiTableColumnFlags_WidthStretch, 1.6f);
  ImGui::TableHeadersRow();
  if (locked) ImGui::BeginDisabled();
  for (const GateSpec& g : gates) {
    ImGui::PushID(g.id.c_str());
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    GateChoice* choice = chosen(a, g.id);
    bool on = choice != nullptr;
    if (ImGui::Checkbox(g.title.c_str(), &on)) {
      if (on) a.gates.push_back({g.id, g.threshold});
      else a.gates.erase(std::remove_if(a.gates.begin(), a.gates.end(), [&](const GateChoice& c) { return c.id == g.id; }),
                         a.gates.end());
      choice = chosen(a, g.id);
    }
    mark_control("enforce.gate." + g.id);
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", g.description.c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s", kind_label(g.kind));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(g.endpoint.empty() ? "-" : g.endpoint.c_str());
    ImGui::TableNextColumn();
    if (g.kind == "runbook") {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "no threshold");
    } else if (choice) {
      double value = choice->threshold ? *choice->threshold : g.threshold;
      ImGui::SetNextItemWidth(-1);
      char format[48];
      std::snprintf(format, sizeof format, "%%.4g %s", g.unit.c_str());
      if (ImGui::InputDouble("##threshold", &value, 0.0, 0.0, format)) choice->threshold = std::max(0.0, value);
      mark_control("enforce.threshold." + g.id);
      if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("Trips when the reading is %s this (suggested: %.4g %s)",
                          g.rule == "growth" ? "a growth in % above" : g.rule == "ratio" ? "a ratio above" : "above",
                          g.threshold, g.unit.c_str());
    } else {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%.4g %s", g.threshold, g.unit.c_str());
    }
    ImGui::PopID();
  }
  if (locked) ImGui::EndDisabled();
  ImGui::EndTable();
}

ImU32 verdict_colour(ChangeVerdict v) {
  switch (v) {
    case ChangeVerdict::Caught: return colour::kGood;
    case ChangeVerdict::Paged: return colour::kWarn;
    case ChangeVerdict::Missed: return colour::kSlo;
    case ChangeVerdict::Blocked:
    case ChangeVerdict::FalsePage: return colour::kDeploy;
    case ChangeVerdict::Passed: return colour::kMuted;
  }
  return colour::kMuted;
}

const char* verdict_text(ChangeVerdict v) {
  switch (v) {
    case ChangeVerdict::Caught: return "regression caught before merge";
    case ChangeVerdict::Paged: return "regression paged after it shipped";
    case ChangeVerdict::Missed: return "regression missed";
    case ChangeVerdict::Blocked: return "harmless change wrongly blocked";
    case ChangeVerdict::FalsePage: return "harmless change paged for nothing";
    case ChangeVerdict::Passed: return "harmless change passed";
  }
  return "?";
}

// The changes on a day axis, one dot each, coloured by verdict.
void draw_replay_timeline(const EnforceReport& report) {
  double last_day = 1.0;
  for (const ChangeReport& c : report.changes) last_day = std::max(last_day, c.day);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, height = 64.0f;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const AxisMap x{0.0, nice_ceiling(last_day), origin.x + 12.0f, origin.x + width - 12.0f};
  const float lane = origin.y + 22.0f;
  draw->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height), IM_COL32(24, 26, 31, 255));
  draw->AddLine(ImVec2(x.px0, lane), ImVec2(x.px1, lane), colour::kGrid, 2.0f);
  ImGui::PushFont(mono_font());
  for (const Tick& t : value_ticks(0.0, x.hi, 8, "d")) {
    const float px = x.to_px(t.value);
    draw->AddLine(ImVec2(px, lane - 4), ImVec2(px, lane + 4), colour::kGrid);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    draw->AddText(ImVec2(std::clamp(px - size.x / 2, origin.x, origin.x + width - size.x), lane + 14.0f), colour::kMuted,
                  t.label.c_str());
  }
  ImGui::PopFont();
  ImGui::InvisibleButton("timeline", ImVec2(width, height));
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const ChangeReport* hovered = nullptr;
  for (const ChangeReport& c : report.changes) {
    const ImVec2 centre(x.to_px(c.day), lane);
    // A regression is a filled dot, a harmless change a ring.
    if (c.harmful) draw->AddCircleFilled(centre, 7.0f, verdict_colour(c.verdict));
    else draw->AddCircle(centre, 7.0f, verdict_colour(c.verdict), 0, 2.5f);
    if (ImGui::IsItemHovered() && std::abs(mouse.x - centre.x) < 8 && std::abs(mouse.y - centre.y) < 10) hovered = &c;
  }
  if (hovered) {
    ImGui::BeginTooltip();
    ImGui::Text("Day %.0f: %s", hovered->day, hovered->title.c_str());
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s", hovered->text.c_str());
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(verdict_colour(hovered->verdict)), "%s", verdict_text(hovered->verdict));
    ImGui::EndTooltip();
  }
}

// The headline over the days after the incident, with every change shipped
// and with the chosen set stopping what it stops.
void draw_drift_chart(const EnforceReport& report, const char* unit) {
  if (report.drift.empty()) return;
  ImGui::Text("%s (%s) over the days after the incident", report.headline.c_str(), unit);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, height = 170.0f;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  double largest = 0.0, last_day = 1.0;
  for (const DriftPoint& p : report.drift) {
    largest = std::max({largest, p.with, p.without});
    last_day = std::max(last_day, p.day);
  }
  const double top = nice_ceiling(largest);
  ImGui::PushFont(mono_font());
  const auto labels = value_ticks(0.0, top, 4, unit);
  float label_width = 0.0f;
  for (const Tick& t : labels) label_width = std::max(label_width, ImGui::CalcTextSize(t.label.c_str()).x);
  const ImVec2 plot_min(origin.x + label_width + 10.0f, origin.y + 4.0f);
  const ImVec2 plot_max(origin.x + width - 8.0f, origin.y + height - 22.0f);
  const AxisMap x{0.0, nice_ceiling(last_day), plot_min.x, plot_max.x};
  const AxisMap y{0.0, top, plot_max.y, plot_min.y};
  draw->AddRect(plot_min, plot_max, colour::kGrid);
  for (const Tick& t : labels) {
    const float py = y.to_px(t.value);
    draw->AddLine(ImVec2(plot_min.x, py), ImVec2(plot_max.x, py), colour::kGrid);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    draw->AddText(ImVec2(plot_min.x - size.x - 6.0f, py - size.y / 2), colour::kMuted, t.label.c_str());
  }
  for (const Tick& t : value_ticks(0.0, x.hi, 8, "d")) {
    const float px = x.to_px(t.value);
    const ImVec2 size = ImGui::CalcTextSize(t.label.c_str());
    draw->AddText(ImVec2(std::clamp(px - size.x / 2, plot_min.x, plot_max.x - size.x), plot_max.y + 3.0f), colour::kMuted,
                  t.label.c_str());
  }
  ImGui::PopFont();
  // Steps: the headline holds until the next change ships.
  auto polyline = [&](double DriftPoint::*field, ImU32 tint) {
    for (std::size_t i = 0; i < report.drift.size(); ++i) {
      const DriftPoint& p = report.drift[i];
      const double next_day = i + 1 < report.drift.size() ? report.drift[i + 1].day : x.hi;
      const float py = y.to_px(p.*field);
      draw->AddLine(ImVec2(x.to_px(p.day), py), ImVec2(x.to_px(next_day), py), tint, 2.0f);
      if (i + 1 < report.drift.size())
        draw->AddLine(ImVec2(x.to_px(next_day), py), ImVec2(x.to_px(next_day), y.to_px(report.drift[i + 1].*field)), tint, 2.0f);
    }
  };
  polyline(&DriftPoint::without, colour::kSlo);
  polyline(&DriftPoint::with, colour::kGood);
  ImGui::Dummy(ImVec2(width, height));
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kSlo), "red: every change shipped");
  ImGui::SameLine(0, 24);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kGood), "green: with your gates and alerts");
}

void draw_replay(AppState& state) {
  const EnforceAnswer& committed = *state.play.answers.enforce;
  const std::uint64_t key = answer_keys(state).gates;
  state.session.request_replay(committed.gates, key);
  section_title("The next months, replayed against your set");
  const auto& replay = state.view.replay;
  if (!replay || replay->key != key) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Replaying the changes that ship after the incident...");
    return;
  }
  const EnforceReport& r = replay->report;
  int caught = 0, paged = 0, missed = 0, wrong = 0;
  for (const ChangeReport& c : r.changes) {
    caught += c.verdict == ChangeVerdict::Caught;
    paged += c.verdict == ChangeVerdict::Paged;
    missed += c.verdict == ChangeVerdict::Missed;
    wrong += c.verdict == ChangeVerdict::Blocked || c.verdict == ChangeVerdict::FalsePage;
  }
  ImGui::Text("%d regressions: %d caught before merge, %d paged after shipping, %d missed.  %d harmless changes: %d stopped "
              "or paged for nothing.",
              r.harmful, caught, paged, missed, r.harmless, wrong);
  if (!r.idle.empty()) {
    std::string idle;
    for (const auto& id : r.idle) idle += (idle.empty() ? "" : ", ") + id;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "Never tripped (cost without benefit): %s", idle.c_str());
  }
  draw_replay_timeline(r);
  mark_control("enforce.replay");
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY;
  const float height = std::min(7.0f, static_cast<float>(r.changes.size()) + 1.5f) * ImGui::GetTextLineHeightWithSpacing();
  if (ImGui::BeginTable("changes", 3, flags, ImVec2(0, height))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("day", ImGuiTableColumnFlags_WidthFixed, 50.0f);
    ImGui::TableSetupColumn("change", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("verdict", ImGuiTableColumnFlags_WidthFixed, 260.0f);
    ImGui::TableHeadersRow();
    for (const ChangeReport& c : r.changes) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%.0f", c.day);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(c.title.c_str());
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", c.text.c_str());
      ImGui::TableNextColumn();
      std::string by;
      for (const auto& id : c.blocked_by) by += (by.empty() ? " by " : ", ") + id;
      for (const auto& id : c.paged_by) by += (by.empty() ? " by " : ", ") + id;
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(verdict_colour(c.verdict)), "%s", verdict_text(c.verdict));
      if (!by.empty() && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", by.c_str() + 1);
    }
    ImGui::EndTable();
  }
  // The drift follows the first bottleneck's headline.
  const auto& bottlenecks = state.view.build->bottlenecks;
  draw_drift_chart(r, bottlenecks.empty() ? "" : headline_unit(bottlenecks.front().symptom.metric));
}

}  // namespace

void draw_enforce_step(AppState& state) {
  ImGui::Text("Enforce: make sure this regression cannot come back unnoticed");
  draw_coach(state, LoopStep::Enforce);
  if (!state.view.build) return;
  const bool committed = state.play.answers.enforce.has_value();
  section_title("Gates, alerts and runbook entries");
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "Each check costs CI time or on-call attention: one that never trips, or trips on harmless "
                     "changes, is worse than none.");
  draw_gate_builder(state, committed);
  if (!committed) {
    const bool was_done = step_done(state.play, LoopStep::Enforce);
    commit_button(state, LoopStep::Enforce, "Done: replay the next months",
                  state.play.enforce.gates.empty() ? "Choose at least one check" : nullptr);
    // Stay here to watch the replay; Move on is one click away.
    if (!was_done && state.play.answers.enforce) state.step = LoopStep::Enforce;
    return;
  }
  // Above the replay, not under it: the replay arrives a moment later and
  // would push the button down from under a pointer already on its way.
  if (!state.play.finished && state.play.reached == LoopStep::MoveOn) {
    if (ImGui::Button("Next: Move on")) state.step = LoopStep::MoveOn;
    mark_control("enforce.next");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open Move on: look at the profile after the fix (key 8)");
  }
  draw_replay(state);
}

}  // namespace perfloop::ui
