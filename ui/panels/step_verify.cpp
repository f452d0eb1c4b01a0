// Verify: did the fix do what the prediction said? The phases just before
// and just after the fix landed, side by side: self CPU per request by frame,
// every span's mean, and the headline chart with the prediction drawn from
// the moment the fix landed, so the gap between predicted and actual shows.
// The learner reads them and says what happened.
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

std::vector<std::string> fixes_through_current(const AppState& state) {
  std::vector<std::string> fixes = fixes_before(state.play, state.view.build.get());
  const auto& b = state.play.answers.bottlenecks;
  if (state.play.bottleneck < b.size() && b[state.play.bottleneck].fix) fixes.push_back(b[state.play.bottleneck].fix->id);
  return fixes;
}

// A before/after table; the change column is coloured (green: shrank).
void draw_change_table(const char* id, const char* what, const std::vector<Change>& rows) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY;
  const float height = std::min(11.0f, static_cast<float>(rows.size()) + 1.5f) * ImGui::GetTextLineHeightWithSpacing();
  if (!ImGui::BeginTable(id, 4, flags, ImVec2(0, height))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(what, ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("before (ms)", ImGuiTableColumnFlags_WidthFixed, 90.0f);
  ImGui::TableSetupColumn("after (ms)", ImGuiTableColumnFlags_WidthFixed, 90.0f);
  ImGui::TableSetupColumn("change", ImGuiTableColumnFlags_WidthFixed, 70.0f);
  ImGui::TableHeadersRow();
  for (const Change& c : rows) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(c.name.c_str());
    ImGui::PushFont(mono_font());
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", c.before);
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", c.after);
    ImGui::TableNextColumn();
    if (c.before > 1e-9) {
      const double pct = 100.0 * (c.after - c.before) / c.before;
      const ImU32 tint = pct < -5 ? colour::kGood : pct > 5 ? colour::kSlo : colour::kMuted;
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(tint), "%+.0f%%", pct);
    } else {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), c.after > 1e-9 ? "new" : "-");
    }
    ImGui::PopFont();
  }
  ImGui::EndTable();
}

}  // namespace

void draw_verify_step(AppState& state) {
  VerifyAnswer& a = state.play.verify;
  ImGui::Text("Verify: measure the fix the way you measured the problem");
  draw_coach(state, LoopStep::Verify);
  if (state.game.active && !game_verify_ready(state)) return;
  const std::vector<std::string> fixes = fixes_through_current(state);
  if (fixes.size() <= fixes_before(state.play, state.view.build.get()).size()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Commit a fix at the Fix step first.");
    return;
  }
  state.session.request_outcome(fixes);
  // The chart shows the dashboards' run: make it the committed fix's, even
  // if another fix was tried at Fix since (the tables are the committed one's).
  if (state.run.version != 0 && state.run.fixes != fixes) {
    state.worker.start(state.scenario_path, state.seed, fixes, state.params);
    state.worker.refresh(state.run);
  }
  const auto& outcome_data = state.view.outcome;
  if (!outcome_data || outcome_data->fixes != fixes) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Simulating before and after the fix...");
    return;
  }
  const FixOutcome& o = outcome_data->outcome;
  const std::string metric = state.play.observe.metric.empty() ? "p99" : state.play.observe.metric;
  const std::string unit = headline_unit(metric);
  const BottleneckSpec* b = current_bottleneck(state);
  const std::string& measured = b ? b->symptom.metric : metric;

  // The headline the grader measures (the scenario's symptom), with the learner's prediction.
  const auto& answers = state.play.answers.bottlenecks;
  const PredictAnswer* predicted =
      state.play.bottleneck < answers.size() && answers[state.play.bottleneck].predict ? &*answers[state.play.bottleneck].predict
                                                                                        : nullptr;
  section_title("Headline");
  const char* measured_unit = headline_unit(measured);
  const std::string what = (b ? b->symptom.endpoint + " " : std::string()) + measured;
  ImGui::PushFont(mono_font());
  ImGui::Text("%-28s %9.1f %s", (what + " before the fix").c_str(), o.headline_before, measured_unit);
  ImGui::Text("%-28s %9.1f %s", (what + " after the fix").c_str(), o.headline_after, measured_unit);
  if (predicted && predicted->headline > 0 && metric == measured)
    ImGui::Text("%-28s %9.1f %s (%+.0f%% off)", "your prediction", predicted->headline, measured_unit,
                o.headline_after > 0 ? 100.0 * (predicted->headline - o.headline_after) / o.headline_after : 0.0);
  else if (predicted && predicted->headline > 0)  // predicted on another metric: not comparable
    ImGui::Text("%-28s %9.1f %s (%s, not %s)", "your prediction", predicted->headline, unit.c_str(), metric.c_str(),
                measured.c_str());
  ImGui::PopFont();
  std::vector<ChartLine> extra;
  if (predicted && predicted->headline > 0 && metric == measured) {
    ChartLine line{"predicted", colour::kP50, {}, {}};
    line.t_s = {outcome_data->fix_time_s, state.run.duration_s};
    line.values = {predicted->headline, predicted->headline};
    extra.push_back(line);
  }
  draw_headline_chart(state, "verify_chart", 200.0f, extra);
  if (!extra.empty())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kP50), "Blue line: your prediction, from when the fix landed (%s)",
                       clock_text(outcome_data->fix_time_s).c_str());

  // Before and after, side by side.
  if (ImGui::BeginTable("verify_sides", 2, ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableNextColumn();
    section_title("Profile diff: self CPU per request");
    if (o.profile_diff.empty())
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No CPU samples on this endpoint.");
    else
      draw_change_table("profile_table", "frame (self CPU)", o.profile_diff);
    ImGui::TableNextColumn();
    section_title("Span diff: mean per request");
    if (o.span_diff.empty())
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No spans on this endpoint.");
    else
      draw_change_table("span_table", "span", o.span_diff);
    ImGui::EndTable();
  }

  section_title("Your verdict");
  ImGui::Checkbox("The hot spot shrank", &a.hotspot_shrank);
  mark_control("verify.hotspot");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The frame or span you picked at Profile costs clearly less per request");
  ImGui::SameLine(0, 30);
  ImGui::Checkbox("The headline improved", &a.headline_improved);
  mark_control("verify.headline");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The metric you observed moved back by more than the noise");
  ImGui::SameLine(0, 30);
  ImGui::Checkbox("It is back within target", &a.target_met);
  mark_control("verify.target");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The headline after the fix meets the target (the SLO, or the page-load budget)");
  commit_button(state, LoopStep::Verify, "Done: go on", nullptr);
}

}  // namespace perfloop::ui
