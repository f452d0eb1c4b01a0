// Move on: once the fix holds, what is the widest thing now, and is this
// bottleneck done? A CPU flame graph of the minutes after the fix landed
// answers the first; committing the last bottleneck grades the whole attempt
// (on the session thread), saves it, and turns the panel into the scorecard:
// each step's points with the learner's input and feedback, the truth behind
// every bottleneck, predictions against what happened, and the Enforce replay.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"
#include "ui/widgets/widget_flame.h"

namespace perfloop::ui {

namespace {

void muted(const char* text) { ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s", text); }

// The learner's input for a step, short enough for a table cell.
std::string answer_summary(const nlohmann::json& answer) {
  if (!answer.is_object()) return answer.is_null() ? "(not answered)" : answer.dump();
  std::string out;
  for (const auto& [key, value] : answer.items()) {
    if (key == "seconds") continue;
    std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    if (value.is_number_float()) {
      char number[32];
      std::snprintf(number, sizeof number, "%.4g", value.get<double>());
      shown = number;
    }
    out += (out.empty() ? "" : "; ") + key + ": " + shown;
  }
  return out.empty() ? "(nothing)" : out;
}

// The CPU flame graph of the ten minutes after the fix landed, on the run with it.
void draw_after_fix_profile(AppState& state) {
  const auto& answers = state.play.answers.bottlenecks;
  if (state.play.bottleneck >= answers.size() || !answers[state.play.bottleneck].fix) return;
  const auto& times = state.view.fix_times_s;
  if (state.play.bottleneck >= times.size() || !state.view.build) return;
  ProfileRequest request;
  request.fixes = fixes_before(state.play, state.view.build.get());
  request.fixes.push_back(answers[state.play.bottleneck].fix->id);
  CaptureWindow& window = request.window;
  window.endpoint = state.play.observe.endpoint;
  const double end = state.view.build->duration_s;
  window.from_s = std::min(times[state.play.bottleneck] + 60.0, end - 10.0);
  window.to_s = std::min(end, window.from_s + 600.0);
  state.session.request_profile(request);
  const auto& data = state.view.profile;
  ImGui::Text("CPU on %s from %s to %s, after the fix", window.endpoint.c_str(), clock_text(window.from_s).c_str(),
              clock_text(window.to_s).c_str());
  if (!data || !(data->request == request)) {
    muted("capturing...");
    return;
  }
  ProfileView& view = state.after_fix;
  if (view.built_from != data) {
    view.tree = data->trees[static_cast<std::size_t>(FlameMeasure::CpuSamples)];
    view.built_from = data;
    view.flame.has_view = false;
    view.flame.picked = -1;
  }
  const float height = std::max(160.0f, ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeightWithSpacing() * 6.0f);
  const FlameTree& tree = view.shown_tree();
  if (draw_flame_graph("after_flame", tree, view.flame, "samples", height) && view.flame.picked >= 0)
    state.play.move_on.next_frame = tree.nodes[static_cast<std::size_t>(view.flame.picked)].name;
  mark_control("move_on.flame");
}

void draw_decision(AppState& state) {
  MoveOnAnswer& a = state.play.move_on;
  ImGui::Text("Move on: the fix holds. What is the widest thing now, and is this bottleneck done?");
  draw_coach(state, LoopStep::MoveOn);
  draw_after_fix_profile(state);
  ImGui::SetNextItemWidth(300);
  char frame[160];
  std::snprintf(frame, sizeof frame, "%s", a.next_frame.c_str());
  if (ImGui::InputText("Widest frame now (optional)", frame, sizeof frame)) a.next_frame = frame;
  mark_control("move_on.next_frame");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click the widest self-time frame above, or type it");
  int resolved = a.resolved ? 1 : 0;
  ImGui::RadioButton("Done with this bottleneck", &resolved, 1);
  mark_control("move_on.resolved");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The headline is back where it should be; the next thing is someone else's day");
  ImGui::SameLine(0, 24);
  ImGui::RadioButton("Not done: it needs another pass", &resolved, 0);
  mark_control("move_on.not_resolved");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The fix did not bring it back: the scorecard says whether that was the right call");
  a.resolved = resolved == 1;
  const bool last = state.play.bottleneck + 1 >= state.play.bottlenecks;
  commit_button(state, LoopStep::MoveOn, last ? "Done: see the scorecard" : "Done: next bottleneck", nullptr);
}

void draw_step_table(const PlayResult& r) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_Resizable;
  if (!ImGui::BeginTable("steps", 4, flags)) return;
  ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthFixed, 110.0f);
  ImGui::TableSetupColumn("points", ImGuiTableColumnFlags_WidthFixed, 80.0f);
  ImGui::TableSetupColumn("your answer", ImGuiTableColumnFlags_WidthStretch, 1.0f);
  ImGui::TableSetupColumn("what the data showed", ImGuiTableColumnFlags_WidthStretch, 1.6f);
  ImGui::TableHeadersRow();
  for (const StepResult& s : r.steps) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (r.scorecard.size() > 1 && s.step != LoopStep::Enforce) ImGui::Text("%d. %s", s.bottleneck + 1, step_title(s.step));
    else ImGui::TextUnformatted(step_title(s.step));
    ImGui::TableNextColumn();
    const ImU32 tint = s.score >= s.max * 0.8 ? colour::kGood : s.score >= s.max * 0.4 ? colour::kWarn : colour::kSlo;
    ImGui::PushFont(mono_font());
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(tint), "%4.1f / %.0f", s.score, s.max);
    ImGui::PopFont();
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", answer_summary(s.answer).c_str());
    if (s.seconds >= 0) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%.0f s on this step", s.seconds);
    ImGui::TableNextColumn();
    ImGui::TextWrapped("%s", s.feedback.c_str());
  }
  ImGui::EndTable();
}

void draw_truth(const PlayResult& r, const ScenarioBuild* build) {
  for (std::size_t k = 0; k < r.scorecard.size(); ++k) {
    const BottleneckCard& c = r.scorecard[k];
    const char* unit = build && k < build->bottlenecks.size() ? headline_unit(build->bottlenecks[k].symptom.metric) : "";
    ImGui::PushID(c.id.c_str());
    if (ImGui::CollapsingHeader(c.title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) {
      std::string families;
      for (const auto& f : c.families) families += (families.empty() ? "" : ", ") + f;
      std::string right;
      for (const auto& f : c.right_fixes) right += (right.empty() ? "" : ", ") + f;
      ImGui::Text("Family: %s    Stream: %s    Hot spot: %s%s%s", families.c_str(), c.stream.c_str(), c.hot_frame.c_str(),
                  c.hot_span.empty() ? "" : " / span ", c.hot_span.c_str());
      ImGui::TextWrapped("Root cause: %s", c.root_cause.c_str());
      ImGui::Text("Fixes that address it: %s", right.c_str());
      if (!c.chosen_fix.empty()) {
        ImGui::TextWrapped("You chose %s: %s", c.chosen_fix.c_str(), c.chosen_fix_text.c_str());
        if (c.outcome)
          ImGui::Text("Headline %.1f -> %.1f %s; hot spot %.2f -> %.2f %s", c.outcome->headline_before,
                      c.outcome->headline_after, unit, c.outcome->hotspot_before, c.outcome->hotspot_after,
                      c.outcome->hotspot_unit.c_str());
      }
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colour::kMuted));
      ImGui::TextWrapped("%s", c.debrief.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::PopID();
  }
}

void draw_predictions(const PlayResult& r) {
  if (r.predictions.empty()) return;
  if (!ImGui::BeginTable("predictions", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH)) return;
  ImGui::TableSetupColumn("fix");
  ImGui::TableSetupColumn("before");
  ImGui::TableSetupColumn("Amdahl (your p, s)");
  ImGui::TableSetupColumn("your prediction");
  ImGui::TableSetupColumn("actual");
  ImGui::TableSetupColumn("go / no-go");
  ImGui::TableHeadersRow();
  for (const PredictionResult& p : r.predictions) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(p.fix.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.1f %s", p.current, p.unit.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.1f %s (%.0f%%, %.1fx)", p.amdahl_headline, p.unit.c_str(), p.share_pct, p.speedup);
    ImGui::TableNextColumn();
    ImGui::Text("%.1f %s", p.predicted, p.unit.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.1f %s (%+.0f%%)", p.actual, p.unit.c_str(), p.error_pct);
    ImGui::TableNextColumn();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(p.go_right ? colour::kGood : colour::kSlo), "%s (%s)",
                       p.go ? "go" : "no-go", p.go_right ? "right" : "wrong");
  }
  ImGui::EndTable();
}

void draw_scorecard(AppState& state) {
  const Answers& answers = state.play.answers;
  const std::uint64_t key = answer_keys(state).answers;
  // The data folder gets its marker before its first attempt; a folder that
  // refuses it keeps the grading on screen and says why in the error panel.
  if (state.saving && !state.data_prepared && !state.save_dir.empty()) {
    try {
      prepare_data_folder(state.data);
      state.data_prepared = true;
    } catch (const std::exception& e) {
      state.saving = false;
      report_error(state, std::string("Attempts are graded but not saved: ") + e.what());
    }
  }
  state.session.request_grade(answers, key, state.saving ? state.save_dir : std::string());
  // A copy: "Play again" below replaces state.view, and the scorecard is still drawn from this grade.
  const std::shared_ptr<const GradeData> grade = state.view.grade;
  if (!grade || grade->answers_key != key) {
    ImGui::Text("Scorecard");
    muted("Grading your answers against the simulation...");
    return;
  }
  const PlayResult& r = grade->result;
  ImGui::SetWindowFontScale(1.6f);
  ImGui::Text("%.0f / 100", r.total);
  ImGui::SetWindowFontScale(1.0f);
  ImGui::SameLine(0, 16);
  ImGui::AlignTextToFramePadding();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.total >= 75 ? colour::kGood : r.total >= 55 ? colour::kWarn : colour::kSlo),
                     "%s", r.grade.c_str());
  mark_control("scorecard.total");
  ImGui::SameLine(0, 24);
  if (!grade->saved_path.empty()) muted(("saved to " + grade->saved_path).c_str());
  else if (!grade->save_error.empty() || !state.saving)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kSlo), "not saved");
  // The track reads progress from the attempts: read them again once this one is on disk.
  if (!grade->saved_path.empty() && state.learn.saved_seen != grade->saved_path) {
    state.learn.saved_seen = grade->saved_path;
    refresh_progress(state);
  }
  ImGui::SameLine(0, 24);
  const bool again = ImGui::Button("Play again");
  mark_control("scorecard.again");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start this scenario over from Observe (this score stays saved)");
  ImGui::SameLine();
  if (state.learn.from_track) {
    if (ImGui::Button("Back to the track")) {
      state.screen = Screen::Track;
      refresh_progress(state);
    }
    mark_control("scorecard.track");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("The track, with what this score opened");
  } else {
    if (ImGui::Button("Other scenarios")) state.picking = true;
    mark_control("scorecard.scenarios");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open the scenario picker");
  }
  if (again) {
    const bool from_track = state.learn.from_track;
    if (from_track) play_scenario(state, state.scenario_id, true);
    else open_scenario(state, state.scenario_path);  // the file played, also when it was opened by path
    return;
  }
  if (state.learn.from_track && state.learn.track) {
    const double unlock = state.learn.track->unlock_score;
    if (!r.params.empty()) muted("Played with changed parameters: the track counts attempts at the defaults only.");
    else if (r.total >= unlock) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kGood), "Passed: the next item on the track is open.");
    else muted(("The next item on the track opens at " + std::to_string(static_cast<int>(unlock)) + " or more.").c_str());
  }

  ImGui::BeginChild("scorecard", ImVec2(0, 0), false);
  section_title("Step by step");
  draw_step_table(r);
  section_title("What was really going on");
  draw_truth(r, state.view.build.get());
  if (!r.predictions.empty()) {
    section_title("Predictions against what happened");
    draw_predictions(r);
  }
  if (r.enforce) {
    section_title("Enforce");
    ImGui::Text("%d of %d regressions stopped or paged (%.1f), %.1f false alarms on %d harmless changes%s", 
                static_cast<int>(std::count_if(r.enforce->changes.begin(), r.enforce->changes.end(), [](const ChangeReport& c) {
                  return c.verdict == ChangeVerdict::Caught || c.verdict == ChangeVerdict::Paged;
                })),
                r.enforce->harmful, r.enforce->caught, r.enforce->false_alarms, r.enforce->harmless,
                r.enforce->has_runbook ? "; a runbook entry is in place" : "; no runbook entry");
  }
  ImGui::EndChild();
}

}  // namespace

void draw_move_on_step(AppState& state) {
  if (state.play.finished) draw_scorecard(state);
  else draw_decision(state);
}

}  // namespace perfloop::ui
