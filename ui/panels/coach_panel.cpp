// The coach on each step's panel. Three things, each only when it has
// something to say: under the heading, the tutorial's guide to the app
// (free) and the hints, one level at a time, each costing part of the
// step's points as the grader counts them; in the bottom right corner,
// over the panel, what the last answer meant (the idea behind the step in
// the learner's own numbers from the grading).
#include <imgui.h>

#include <cstdio>
#include <optional>
#include <string>

#include "sim/loop/scoring.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

const char* const kHintLabels[] = {"Hint: where to look", "Hint: what to compare", "Show the answer"};

const CatalogueEntry* playing(const AppState& state) {
  for (const auto& e : state.catalogue.entries)
    if (e.id == state.scenario_id) return &e;
  return nullptr;
}

// A tinted box with a heading line over wrapped text, as tall as the text
// (ImGui 1.86 children do not size themselves).
template <typename Body>
void boxed(const char* id, ImVec4 tint, const char* text, Body heading) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float wrap = ImGui::GetContentRegionAvail().x - 2.0f * style.WindowPadding.x;
  const float height = ImGui::GetFrameHeightWithSpacing() + ImGui::CalcTextSize(text, nullptr, false, wrap).y +
                       2.0f * style.WindowPadding.y + style.ItemSpacing.y;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, tint);
  ImGui::BeginChild(id, ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar);
  heading();
  ImGui::TextWrapped("%s", text);
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

// The explanation of the step answered last, asked of the session's grading
// of the answers so far; null when there is none to show.
std::optional<std::string> explanation(AppState& state) {
  LearnState& learn = state.learn;
  // Shown on the next panel: Enforce stays on its own panel after its answer
  // to show the replay, which needs the room.
  if (!learn.explained_step || !learn.coach || !state.view.build || state.play.finished ||
      state.step == *learn.explained_step)
    return std::nullopt;
  const std::uint64_t key = answer_keys(state).answers;
  state.session.request_grade(state.play.answers, key, "", GradeOptions{false});
  const auto& grade = state.view.grade;
  if (!grade || grade->answers_key != key) return std::string("Reading your answer against the simulation...");
  if (learn.explanation_key != key) {
    learn.explanation_key = key;
    learn.explanation =
        coach_explanation(*learn.coach, *state.view.build, grade->result, learn.explained_bottleneck, *learn.explained_step);
  }
  if (learn.explanation.empty()) return std::nullopt;
  // Seen once, the explanation's truths make a later change to that answer a worked reveal.
  state.play.explained.insert({learn.explained_bottleneck, *learn.explained_step});
  return learn.explanation;
}

// A small window pinned to the bottom right of the app, over the panel:
// it takes no room from the panel, so nothing moves under the learner's
// pointer when it appears, and it stays until hidden or the next answer.
void draw_explanation(AppState& state, const std::string& text) {
  const float scale = state.settings.ui_scale;
  const float width = 480.0f * scale;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  const ImVec2 corner(viewport->WorkPos.x + viewport->WorkSize.x - 12.0f, viewport->WorkPos.y + viewport->WorkSize.y - 12.0f);
  ImGui::SetNextWindowPos(corner, ImGuiCond_Always, ImVec2(1.0f, 1.0f));
  ImGui::SetNextWindowSizeConstraints(ImVec2(width, 0.0f), ImVec2(width, viewport->WorkSize.y * 0.5f));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.10f, 0.19f, 0.14f, 0.97f));
  ImGui::PushStyleColor(ImGuiCol_Border, ImGui::ColorConvertU32ToFloat4(colour::kGood));
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoNav;
  bool hide = false;
  if (ImGui::Begin("##coach.explain", nullptr, flags)) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kGood), "Coach: about your %s answer",
                       step_title(*state.learn.explained_step));
    ImGui::SameLine(width - 60.0f * scale);
    hide = ImGui::SmallButton("Hide");
    mark_control("coach.hide");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Hide this explanation (changing that answer now counts as a worked reveal)");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::End();
  ImGui::PopStyleColor(2);
  if (hide) state.learn.explained_step.reset();
}

// The tutorial's walkthrough of this step, or null.
const std::string* guide(const AppState& state, LoopStep step) {
  const CatalogueEntry* entry = playing(state);
  if (!entry) return nullptr;
  const auto it = entry->meta.guide.find(std::string(step_name(step)));
  return it == entry->meta.guide.end() ? nullptr : &it->second;
}

void draw_guide(const std::string& text) {
  boxed("coach.guide", ImVec4(0.13f, 0.17f, 0.25f, 1.0f), text.c_str(),
        [] { ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kP50), "Guide to the app (free)"); });
}

void draw_hints(AppState& state, LoopStep step) {
  const LearnState& learn = state.learn;
  if (!learn.coach || !state.view.build || state.play.finished || !step_open(state.play, step)) return;
  StepAnswer& draft = draft_of(state.play, step);
  const std::size_t k = state.play.bottleneck;
  for (int level = 1; level <= draft.hints_used; ++level) {
    std::string text;
    if (level < kMaxHintsUsed || state.view.expert)
      text = coach_hint(*learn.coach, *state.view.build, state.view.expert ? *state.view.expert : Answers{}, k, step, level);
    else
      text = "Working out the answer...";
    char label[48];
    std::snprintf(label, sizeof label, "%s:", level == kMaxHintsUsed ? "Answer" : level == 1 ? "Where to look" : "Compare");
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "%s", label);
    ImGui::SameLine();
    ImGui::TextWrapped("%s", text.c_str());
  }
  if (draft.hints_used >= kMaxHintsUsed) return;
  if (state.game.active) {
    // In a game the facilitator releases hints; the team cannot take one.
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Hints come from the facilitator.");
    return;
  }
  const int next = draft.hints_used + 1;
  char label[96];
  std::snprintf(label, sizeof label, "%s (keeps %.0f%% of this step's points)", kHintLabels[next - 1],
                100.0 * hint_keep(next));
  if (ImGui::SmallButton(label)) {
    draft.hints_used = next;
    // The worked answer is the expert's: ask for it one level ahead.
    if (next >= 2 && !state.view.expert) state.session.request_expert(state.scenario_id);
  }
  mark_control("coach.hint");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(step_done(state.play, step)
                          ? "Already answered: the cost applies only if you answer this step again"
                          : "Each level costs part of this step's points when you answer it; the answer itself leaves %.0f%%",
                      100.0 * hint_keep(kMaxHintsUsed));
}

}  // namespace

void draw_coach(AppState& state, LoopStep step) {
  if (const std::string* walkthrough = guide(state, step)) draw_guide(*walkthrough);
  draw_hints(state, step);
  if (const std::optional<std::string> why = explanation(state)) draw_explanation(state, *why);
}

}  // namespace perfloop::ui
