#include "ui/app.h"

#include <imgui.h>

#include <cstdio>

#include "ui/theme.h"

namespace perfloop::ui {

bool step_available(LoopStep step) { return step == LoopStep::Observe; }

namespace {

void draw_rail(AppState& state) {
  ImGui::TextUnformatted("The loop");
  ImGui::Separator();
  int number = 1;
  for (LoopStep step : kLoopSteps) {
    char label[64];
    std::snprintf(label, sizeof label, "%d  %.*s", number++, static_cast<int>(step_name(step).size()), step_name(step).data());
    const bool available = step_available(step);
    if (!available) ImGui::BeginDisabled();
    if (ImGui::Selectable(label, state.step == step)) state.step = step;
    if (!available) ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip(available ? "Key %d" : "Locked: finish the earlier steps first", number - 1);
  }
  // 1-8 jump between the steps that are open (typed characters, so no
  // backend key codes leak in here), unless a text field has the keyboard.
  const ImGuiIO& io = ImGui::GetIO();
  if (!io.WantTextInput)
    for (ImWchar c : io.InputQueueCharacters) {
      if (c < '1' || c > '8') continue;
      const LoopStep step = kLoopSteps[static_cast<std::size_t>(c - '1')];
      if (step_available(step)) state.step = step;
    }
}

void draw_error_panel(AppState& state) {
  const std::string& error = !state.error.empty() ? state.error : state.run.error;
  if (error.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.35f, 0.12f, 0.14f, 1.0f));
  ImGui::BeginChild("error", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 3), true);
  ImGui::TextWrapped("%s", error.c_str());
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

}  // namespace

void draw_app(AppState& state) {
  state.run = state.worker.snapshot();
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::Begin("perfloop", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus);
  ImGui::BeginChild("rail", ImVec2(170.0f, 0), true);
  draw_rail(state);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("panel", ImVec2(0, 0), false);
  draw_error_panel(state);
  if (state.step == LoopStep::Observe) draw_observe_step(state);
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace perfloop::ui
