// Fix: pick one change from the playbook and apply it. Applying runs the
// whole scenario again with the fix landing at its time, on the worker
// thread, with a progress bar and a Cancel button; the chart fills in as
// simulated minutes complete, so the learner watches the fix land. The
// playbook shows titles only: what each change really does is the debrief's.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/panels/app.h"
#include "ui/core/chart_axis.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

// The fix the dashboards' run is applying on top of the earlier ones, if any.
std::string applied_fix(const AppState& state) {
  const std::vector<std::string> before = fixes_before(state.play, state.view.build.get());
  const auto& fixes = state.run.fixes;
  if (fixes.size() != before.size() + 1 || !std::equal(before.begin(), before.end(), fixes.begin())) return {};
  return fixes.back();
}

const FixSpec* find_fix(const AppState& state, const std::string& id) {
  if (!state.view.build) return nullptr;
  for (const FixSpec& f : state.view.build->fixes)
    if (f.id == id) return &f;
  return nullptr;
}

void draw_progress(AppState& state, const std::string& applied) {
  const RunSnapshot& run = state.run;
  const FixSpec* fix = find_fix(state, applied);
  const std::string name = fix ? fix->title : applied;
  const double fraction = run.duration_s > 0 ? std::clamp(run.done_s / run.duration_s, 0.0, 1.0) : 0.0;
  char overlay[160];
  if (run.cancelled)
    std::snprintf(overlay, sizeof overlay, "cancelled at %s of %s simulated", clock_text(run.done_s).c_str(),
                  clock_text(run.duration_s).c_str());
  else if (run.finished)
    std::snprintf(overlay, sizeof overlay, "done: %s simulated", clock_text(run.duration_s).c_str());
  else
    std::snprintf(overlay, sizeof overlay, "%s of %s simulated", clock_text(run.done_s).c_str(),
                  clock_text(run.duration_s).c_str());
  ImGui::Text("Running with: %s", name.c_str());
  ImGui::ProgressBar(static_cast<float>(fraction), ImVec2(-160.0f * state.settings.ui_scale, 0), overlay);
  mark_control("fix.progress");
  ImGui::SameLine();
  const bool running = !run.finished && !run.cancelled;
  if (!running) ImGui::BeginDisabled();
  if (ImGui::Button("Cancel", ImVec2(-1, 0))) state.worker.cancel();
  if (!running) ImGui::EndDisabled();
  mark_control("fix.cancel");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Stop the run (it stops within one simulated minute); apply again to restart it");
}

}  // namespace

void apply_fix(AppState& state, const std::string& id) {
  std::vector<std::string> run_fixes = fixes_before(state.play, state.view.build.get());
  run_fixes.push_back(id);
  state.worker.start(state.scenario_path, state.seed, run_fixes, state.params);
  state.worker.refresh(state.run);
}

void draw_fix_step(AppState& state) {
  FixAnswer& a = state.play.fix;
  ImGui::Text("Fix: change one thing, then watch what the service does");
  draw_coach(state, LoopStep::Fix);
  if (!state.view.build) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Loading the playbook...");
    return;
  }
  const std::string applied = applied_fix(state);

  section_title("Playbook");
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "Changes the team has proposed. Some address the cause, some only the symptom, some neither.");
  const auto& fixes = state.view.build->fixes;
  const float list_height = std::min(8.0f, static_cast<float>(fixes.size()) + 0.4f) * ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("playbook", ImVec2(0, list_height), true);
  for (const FixSpec& f : fixes) {
    const bool is_applied = f.id == applied;
    char label[320];
    std::snprintf(label, sizeof label, "%s%s", f.title.c_str(), is_applied ? "   (applied)" : "");
    if (ImGui::Selectable(label, a.id == f.id)) a.id = f.id;
    mark_control("fix.option." + f.id);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\nSelect it, then Apply to simulate the run with it (id: %s)", f.title.c_str(), f.id.c_str());
  }
  ImGui::EndChild();
  if (state.game.active) {
    draw_game_fix(state);
    return;
  }

  const bool can_apply = !a.id.empty();
  if (!can_apply) ImGui::BeginDisabled();
  if (ImGui::Button("Apply the selected fix")) apply_fix(state, a.id);
  if (!can_apply) ImGui::EndDisabled();
  mark_control("fix.apply");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s", can_apply ? "Simulate the whole run again with this change landing mid-incident"
                                      : "Select a change in the playbook first");
  if (!applied.empty()) draw_progress(state, applied);

  section_title("What the service does");
  if (applied.empty())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                       "The chart shows the run without a new fix. Apply one to see it land (purple marker).");
  draw_headline_chart(state, "fix_chart", 260.0f);

  const char* why_not = a.id.empty()                               ? "Select a change in the playbook"
                        : applied != a.id                          ? "Apply the selected change first"
                        : state.run.cancelled                      ? "The run was cancelled: apply it again"
                        : !state.run.finished                      ? "Wait for the run to finish (or cancel it)"
                                                                   : nullptr;
  commit_button(state, LoopStep::Fix, "Done: go to Verify", why_not);
}

}  // namespace perfloop::ui
