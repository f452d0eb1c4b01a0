// The home screen: the four ways to use perfloop, the last one chosen
// highlighted (Learn on the first run), and where the learner's data lives.
#include <imgui.h>

#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

struct Mode {
  const char* id;     // as the settings file spells it
  const char* title;
  const char* text;
  bool ready;         // false: coming in a later version, shown but not clickable
};

constexpr Mode kModes[] = {
    {"learn", "Learn",
     "The track: a short tutorial first, then incidents from junior to senior, each opening when the one before "
     "scores 75. A coach explains every answer.",
     true},
    {"practise", "Practise",
     "Ten-minute sessions of cards on classify, predict and enforce, each a fresh case from the engine, spaced so "
     "they stick.",
     true},
    {"gameday", "Game day", "A live incident on the clock for teams, with a facilitator, a scoreboard and a debrief.",
     true},
    {"free", "Free play", "Pick any scenario and change its parameters. Titles stay hidden until you have played one.",
     true},
};

void open_mode(AppState& state, const Mode& mode) {
  state.settings.home_mode = mode.id;
  if (std::string(mode.id) == "learn") {
    state.screen = Screen::Track;
    refresh_progress(state);
  } else if (std::string(mode.id) == "practise") {
    open_practise_screen(state);
  } else if (std::string(mode.id) == "gameday") {
    state.screen = state.game.active ? Screen::Play : Screen::GameSetup;
  } else {
    state.screen = Screen::Play;
    state.picking = true;
    refresh_progress(state);
  }
}

void draw_mode_card(AppState& state, const Mode& mode, float width, float height) {
  const bool remembered = state.settings.home_mode == mode.id;
  ImGui::PushID(mode.id);
  ImGui::PushStyleColor(ImGuiCol_ChildBg, remembered ? ImVec4(0.17f, 0.24f, 0.36f, 1.0f) : ImVec4(0.13f, 0.14f, 0.17f, 1.0f));
  ImGui::BeginChild("mode", ImVec2(width, height), true, ImGuiWindowFlags_NoScrollbar);
  ImGui::SetWindowFontScale(1.4f);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(mode.ready ? colour::kText : colour::kMuted), "%s", mode.title);
  ImGui::SetWindowFontScale(1.0f);
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(mode.ready ? colour::kText : colour::kMuted));
  ImGui::TextWrapped("%s", mode.text);
  ImGui::PopStyleColor();
  ImGui::Spacing();
  if (!mode.ready) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "Coming in a later version");
  else if (remembered) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kGood), "Where you were last time");
  ImGui::EndChild();
  ImGui::PopStyleColor();
  if (mode.ready && ImGui::IsItemClicked()) open_mode(state, mode);
  mark_control(std::string("home.") + mode.id);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s", mode.ready ? "Open (Enter opens the highlighted one)" : "Not in this version yet");
  ImGui::PopID();
}

}  // namespace

void draw_home_screen(AppState& state) {
  progress_pending(state);
  const float scale = state.settings.ui_scale;
  ImGui::SetWindowFontScale(1.6f);
  ImGui::Text("perfloop");
  ImGui::SetWindowFontScale(1.0f);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "Observe, Profile, Classify, Predict, Fix, Verify, Enforce, Move on: practised on a simulated service.");
  ImGui::Spacing();
  ImGui::Spacing();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float avail = ImGui::GetContentRegionAvail().x;
  const int columns = avail > 1100.0f * scale ? 4 : 2;
  const float width = (avail - spacing * static_cast<float>(columns - 1)) / static_cast<float>(columns);
  const float height = 190.0f * scale;
  int column = 0;
  for (const Mode& mode : kModes) {
    if (column > 0) ImGui::SameLine();
    draw_mode_card(state, mode, width, height);
    column = (column + 1) % columns;
  }
  // Enter opens the highlighted mode, when no text field has the keyboard.
  if (!ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter), false))
    for (const Mode& mode : kModes)
      if (mode.ready && state.settings.home_mode == mode.id) open_mode(state, mode);

  ImGui::Spacing();
  section_title("Your progress");
  if (state.learn.track) {
    const auto items = track_items(*state.learn.track, state.catalogue, state.progress.progress);
    int passed = 0;
    for (const auto& item : items) passed += item.best && *item.best >= state.learn.track->unlock_score;
    ImGui::Text("Track: %d of %zu items passed (a score of %.0f or more at the default settings)", passed, items.size(),
                state.learn.track->unlock_score);
  }
  ImGui::Text("Scenarios played: %zu", state.progress.progress.played.size());
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Data folder: %s",
                     state.data.dir.empty() ? "none (attempts are not saved)" : state.data.dir.c_str());
  if (!state.data.writable())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "%s", state.data.problem.c_str());
  for (const auto& problem : state.learn.problems)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kSlo), "%s", problem.c_str());
  for (const auto& problem : state.progress.progress.problems)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "Skipped attempt file: %s", problem.c_str());
  ImGui::Spacing();
  if (ImGui::SmallButton("Glossary")) state.learn.glossary_open = true;
  mark_control("home.glossary");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The ideas behind the loop (G)");
}

}  // namespace perfloop::ui
