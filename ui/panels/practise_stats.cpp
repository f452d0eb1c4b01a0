// Practise's stats: where each item stands in the schedule (state, due,
// stability, difficulty, observed retention), the families' mean stability,
// the cards due in the next days and the streak, all rebuilt from the log.
#include <imgui.h>

#include <cmath>
#include <ctime>

#include "ui/panels/app.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

void draw_practise_stats(AppState& state) {
  PractiseState& p = state.practise;
  const QuizDeck& deck = practise_deck(p, static_cast<UnixSeconds>(std::time(nullptr)));
  const DeckStats& st = p.stats;
  ImGui::Text("%d reviews, a %d-day streak, observed retention %s", st.reviews, st.streak_days,
              std::isnan(st.retention) ? "not yet measured" : (std::to_string(static_cast<int>(std::lround(100 * st.retention))) + " %").c_str());
  section_title("Cards due in the next 7 days");
  float due[7];
  int most = 1;
  for (int i = 0; i < 7; ++i) {
    due[i] = static_cast<float>(st.due_by_day[static_cast<std::size_t>(i)]);
    most = std::max(most, st.due_by_day[static_cast<std::size_t>(i)]);
  }
  ImGui::PlotHistogram("##due", due, 7, 0, nullptr, 0.0f, static_cast<float>(most), ImVec2(420, 70));
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "cards per day, today first\n(today counts overdue ones)");
  ImGui::PushFont(mono_font());
  ImGui::Text("today %d   +1 d %d   +2 d %d   +3 d %d   +4 d %d   +5 d %d   +6 d %d", st.due_by_day[0], st.due_by_day[1],
              st.due_by_day[2], st.due_by_day[3], st.due_by_day[4], st.due_by_day[5], st.due_by_day[6]);
  ImGui::PopFont();
  section_title("Mean stability per family (days until recall falls to 90 %)");
  if (st.family_stability.empty()) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::kMuted), "No reviews yet.");
  for (const auto& [family, s] : st.family_stability) ImGui::Text("%-18s %7.2f d", family.c_str(), s);
  section_title("Items");
  if (ImGui::BeginTable("practise.items", 8, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY)) {
    for (const char* h : {"item", "state", "due (UTC)", "stability (d)", "difficulty (1-10)", "reviews", "retention",
                          "recall now"})
      ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const auto& s : deck.items) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      // A classify item names its answer: shown only once reviewed.
      const bool hidden = s.kind == QuizKind::Classify && s.reviews == 0;
      ImGui::TextUnformatted(hidden ? "classify: a family not met yet" : s.item.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(phase_name(s.phase));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(s.reviews ? format_iso8601(s.due).c_str() : "-");
      ImGui::TableNextColumn();
      if (s.reviews) ImGui::Text("%.2f", s.stability);
      ImGui::TableNextColumn();
      if (s.reviews) ImGui::Text("%.2f", s.difficulty);
      ImGui::TableNextColumn();
      ImGui::Text("%d", s.reviews);
      ImGui::TableNextColumn();
      if (!std::isnan(s.retention)) ImGui::Text("%.0f %%", 100 * s.retention);
      ImGui::TableNextColumn();
      if (s.reviews) ImGui::Text("%.0f %%", 100 * s.retrievability);
    }
    ImGui::EndTable();
  }
}

}  // namespace perfloop::ui
