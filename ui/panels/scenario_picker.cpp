// The scenario picker (free play): one card per catalogue scenario and, for
// the selected one, its learning goals and its parameters as sliders.
// Spoiler-free until played: a scenario not yet played shows what a pager
// would say, its level and minutes, never its title, families, goals or
// parameters (they name the cause), unless the facilitator asks for them.
// Broken scenario files are listed by name with their message, never hidden.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

// The card's name for a scenario not yet played.
std::string pager_line(const CatalogueEntry& e) { return e.meta.pager.empty() ? "An unnamed incident" : e.meta.pager; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void draw_card(AppState& state, const CatalogueEntry& e, float width) {
  PickerState& p = state.picker;
  const bool selected = p.selected == e.id;
  ImGui::PushID(e.id.c_str());
  ImGui::PushStyleColor(ImGuiCol_ChildBg, selected ? ImVec4(0.17f, 0.24f, 0.36f, 1.0f) : ImVec4(0.13f, 0.14f, 0.17f, 1.0f));
  const float height = ImGui::GetTextLineHeightWithSpacing() * 5.6f;
  ImGui::BeginChild("card", ImVec2(width, height), true, ImGuiWindowFlags_NoScrollbar);
  const Progress& progress = state.progress.progress;
  const bool revealed = p.show_spoilers || progress.played.count(e.id) > 0;
  ImGui::TextWrapped("%s", revealed ? e.title.c_str() : pager_line(e).c_str());
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s, about %.0f min", e.meta.level.c_str(),
                     e.meta.minutes);
  if (revealed) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kP50), "%s", joined(e.meta.families).c_str());
  const auto best = progress.best.find(e.id);
  if (best != progress.best.end())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kGood), "best so far: %.0f / 100", best->second);
  else if (progress.played.count(e.id))
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "played with changed parameters");
  else
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "not played yet");
  ImGui::EndChild();
  ImGui::PopStyleColor();
  // The whole card is the click target.
  if (ImGui::IsItemClicked()) {
    if (p.selected != e.id) p.params.clear();
    p.selected = e.id;
  }
  mark_control("picker.card." + e.id);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Select to see more and to play it");
  ImGui::PopID();
}

void draw_param(PickerState& p, const ParamSpec& spec) {
  double value = p.params.count(spec.name) ? p.params[spec.name] : spec.default_value;
  const double lo = spec.min > -1e299 ? spec.min : std::min(0.0, spec.default_value);
  const double hi = spec.max < 1e299 ? spec.max : std::max(1.0, spec.default_value * 10.0);
  // Ranges over several decades (payload KB, request rates) slide on a log scale.
  const ImGuiSliderFlags flags = lo > 0 && hi / lo > 100 ? ImGuiSliderFlags_Logarithmic : ImGuiSliderFlags_None;
  char format[48];
  std::snprintf(format, sizeof format, "%%.6g %s", spec.unit.c_str());
  ImGui::SetNextItemWidth(-200.0f);
  if (ImGui::SliderScalar(spec.name.c_str(), ImGuiDataType_Double, &value, &lo, &hi, format, flags)) {
    value = std::clamp(value, lo, hi);
    if (value == spec.default_value) p.params.erase(spec.name);
    else p.params[spec.name] = value;
  }
  mark_control("picker.param." + spec.name);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("%s\ndefault %.4g %s, from %.4g to %.4g (Ctrl+click to type)", spec.description.c_str(),
                      spec.default_value, spec.unit.c_str(), lo, hi);
}

void draw_details(AppState& state, const CatalogueEntry& e) {
  PickerState& p = state.picker;
  const bool revealed = p.show_spoilers || state.progress.progress.played.count(e.id) > 0;
  ImGui::TextWrapped("%s", revealed ? e.title.c_str() : pager_line(e).c_str());
  ImGui::Separator();
  if (revealed) {
    for (const auto& goal : e.meta.goals) {
      ImGui::Bullet();
      ImGui::TextWrapped("%s", goal.c_str());
    }
  } else {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s, about %.0f min", e.meta.level.c_str(),
                       e.meta.minutes);
    ImGui::TextWrapped("The title, the learning goals and the parameters appear once you have played it: they would "
                       "tell you what to look for.");
  }
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.42f, 0.72f, 1.0f));
  const bool play = ImGui::Button("Play this scenario", ImVec2(-1, ImGui::GetFrameHeight() * 1.3f));
  ImGui::PopStyleColor();
  mark_control("picker.play");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start a fresh attempt with the parameters below");
  if (play) {
    state.params = revealed ? p.params : ParamValues{};
    play_scenario(state, e.id, false);
    return;
  }
  if (e.params.empty() || !revealed) return;
  section_title("Parameters");
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted),
                     "Defaults reproduce the incident as written; change them to see how it scales.");
  if (ImGui::Button("Reset to defaults")) p.params.clear();
  mark_control("picker.reset");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Put every slider back to the scenario's own value");
  for (const ParamSpec& spec : e.params) draw_param(p, spec);
}

}  // namespace

void draw_scenario_picker(AppState& state) {
  PickerState& p = state.picker;
  progress_pending(state);
  if (p.selected.empty()) p.selected = state.scenario_id;
  ImGui::Text("Free play: pick a scenario");
  ImGui::SameLine(0, 24);
  const bool attempt = !state.scenario_path.empty();
  if (ImGui::Button(attempt ? "Back to the current attempt" : "Home")) {
    state.picking = false;
    if (!attempt) state.screen = Screen::Home;
  }
  mark_control("picker.back");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(attempt ? "Close the picker and carry on where you were (Esc)" : "Back to the home screen (Esc)");
  ImGui::SameLine(0, 24);
  ImGui::Checkbox("Show spoilers", &p.show_spoilers);
  mark_control("picker.spoilers");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("For facilitators and authors: show every scenario's title, families, goals and parameters, "
                      "which give the answers away");
  for (const auto& problem : state.catalogue.problems)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kSlo), "Broken scenario: %s", problem.message.c_str());
  for (const auto& problem : state.progress.progress.problems)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kWarn), "Skipped attempt file: %s", problem.c_str());

  const float details_width = std::max(360.0f, ImGui::GetContentRegionAvail().x * 0.38f);
  ImGui::BeginChild("cards", ImVec2(-details_width, 0), false);
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float avail = ImGui::GetContentRegionAvail().x;
  const int columns = std::max(1, static_cast<int>((avail + spacing) / (300.0f * state.settings.ui_scale + spacing)));
  const float card_width = (avail - spacing * static_cast<float>(columns - 1)) / static_cast<float>(columns);
  int column = 0;
  for (const CatalogueEntry& e : state.catalogue.entries) {
    if (column > 0) ImGui::SameLine();
    draw_card(state, e, card_width);
    column = (column + 1) % columns;
  }
  if (state.catalogue.entries.empty())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s",
                       state.catalogue_task.busy() ? "Reading the catalogue..." : "No scenarios found in the catalogue folder.");
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("details", ImVec2(0, 0), true);
  bool shown = false;
  for (const CatalogueEntry& e : state.catalogue.entries)
    if (e.id == p.selected) {
      draw_details(state, e);
      shown = true;
    }
  if (!shown)
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "Select a card to see more and to play it.");
  ImGui::EndChild();
}

}  // namespace perfloop::ui
