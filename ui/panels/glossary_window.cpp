// The glossary: a window over any screen (the rail's Glossary button, or G).
// Each idea in a few sentences and where it matters; an entry whose
// scenario it would give away names that scenario only once it is played.
#include <imgui.h>

#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

// Where an entry matters, as the learner may see it now.
std::string where_it_matters(const AppState& state, const GlossaryEntry& g) {
  const bool played = state.progress.progress.played.count(g.scenario) > 0;
  if (g.spoils && !played) return "You will meet it on the track; it is named here once you have played it.";
  for (const auto& e : state.catalogue.entries)
    if (e.id == g.scenario) return "Where it matters: " + (played || e.meta.pager.empty() ? e.title : e.meta.pager) + ".";
  return "";
}

}  // namespace

void draw_glossary(AppState& state) {
  const float scale = state.settings.ui_scale;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowSize(ImVec2(560.0f * scale, viewport->WorkSize.y * 0.8f), ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x - 580.0f * scale, viewport->WorkPos.y + 40.0f),
                          ImGuiCond_Appearing);
  if (!ImGui::Begin("Glossary", &state.learn.glossary_open, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  mark_control("glossary.window");
  if (state.learn.glossary.empty())
    ImGui::TextWrapped("The glossary could not be read; the home screen says why.");
  for (const GlossaryEntry& g : state.learn.glossary) {
    if (ImGui::CollapsingHeader(g.term.c_str())) {
      ImGui::PushID(g.id.c_str());
      ImGui::TextWrapped("%s", g.text.c_str());
      const std::string where = where_it_matters(state, g);
      if (!where.empty()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "%s", where.c_str());
      ImGui::Spacing();
      ImGui::PopID();
    }
    mark_control("glossary." + g.id);
  }
  ImGui::End();
}

}  // namespace perfloop::ui
