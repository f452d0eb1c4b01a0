// Learn: the track in order. Each row is an item: its number, whether it is
// passed, open or locked, its name (what a pager would say until it has
// been played, then its title and families), level, minutes and best
// score. Locked rows are greyed and say what opens them.
#include <imgui.h>

#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void draw_row(AppState& state, const TrackItem& item, int number, double unlock) {
  const bool passed = item.best && *item.best >= unlock;
  ImGui::TableNextRow();
  ImGui::PushID(item.scenario.c_str());
  if (item.locked) ImGui::BeginDisabled();
  ImGui::TableNextColumn();
  ImGui::Text("%2d", number);
  ImGui::TableNextColumn();
  const ImU32 state_colour = passed ? colour::kGood : item.locked ? colour::kMuted : colour::kP50;
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(state_colour), "%s",
                     passed ? "passed" : item.locked ? "locked" : item.played ? "try again" : "open");
  ImGui::TableNextColumn();
  ImGui::TextWrapped("%s", shown_title(item).c_str());
  if (item.played && !item.families.empty())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kP50), "%s", joined(item.families).c_str());
  if (!item.problem.empty()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kSlo), "%s", item.problem.c_str());
  ImGui::TableNextColumn();
  ImGui::Text("%s", item.level.c_str());
  ImGui::TableNextColumn();
  ImGui::Text("%.0f min", item.minutes);
  ImGui::TableNextColumn();
  if (item.best) ImGui::Text("%.0f / 100", *item.best);
  else ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "-");
  ImGui::TableNextColumn();
  const bool playable = !item.locked && item.problem.empty();
  if (!playable && !item.locked) ImGui::BeginDisabled();
  if (ImGui::Button(item.played ? "Play again" : "Play")) play_scenario(state, item.scenario, true);
  if (!playable && !item.locked) ImGui::EndDisabled();
  if (item.locked) ImGui::EndDisabled();
  // A locked item's button is named apart, so a driver can tell it from an open one.
  mark_control((item.locked ? "track.locked." : "track.play.") + item.scenario);
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    if (item.locked) ImGui::SetTooltip("Opens when item %d scores %.0f or more", number - 1, unlock);
    else ImGui::SetTooltip("Start a fresh attempt at the scenario's default settings");
  }
  ImGui::PopID();
}

}  // namespace

void draw_track_screen(AppState& state) {
  const bool reading = progress_pending(state);
  ImGui::Text("Learn: the track");
  ImGui::SameLine(0, 24);
  if (ImGui::Button("Home")) state.screen = Screen::Home;
  mark_control("track.home");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to the home screen (Esc)");
  if (!state.scenario_path.empty() && state.learn.from_track) {
    ImGui::SameLine();
    if (ImGui::Button("Back to the current attempt")) state.screen = Screen::Play;
    mark_control("track.back");
  }
  ImGui::SameLine();
  if (ImGui::Button("Glossary")) state.learn.glossary_open = !state.learn.glossary_open;
  mark_control("track.glossary");
  if (!state.learn.track) {
    ImGui::TextWrapped("The track could not be read; the home screen says why.");
    return;
  }
  const TrackDefinition& track = *state.learn.track;
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "Each item opens when the one before it scores %.0f or more at its default settings. Until you "
                     "have played an item it is named by what a pager would say, so the name gives nothing away.",
                     track.unlock_score);
  if (reading || (!state.catalogue_ready && state.catalogue.entries.empty())) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Reading your attempts and the scenarios...");
    return;
  }
  for (const auto& problem : state.progress.progress.problems)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "Skipped attempt file: %s", problem.c_str());
  const std::vector<TrackItem> items = track_items(track, state.catalogue, state.progress.progress);
  const float scale = state.settings.ui_scale;
  if (!ImGui::BeginTable("track", 7, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, 28.0f * scale);
  ImGui::TableSetupColumn("State", ImGuiTableColumnFlags_WidthFixed, 80.0f * scale);
  ImGui::TableSetupColumn("Incident", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Level", ImGuiTableColumnFlags_WidthFixed, 70.0f * scale);
  ImGui::TableSetupColumn("Time", ImGuiTableColumnFlags_WidthFixed, 60.0f * scale);
  ImGui::TableSetupColumn("Best", ImGuiTableColumnFlags_WidthFixed, 80.0f * scale);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 100.0f * scale);
  ImGui::TableHeadersRow();
  int number = 0;
  for (const TrackItem& item : items) draw_row(state, item, ++number, track.unlock_score);
  ImGui::EndTable();
}

}  // namespace perfloop::ui
