// The game day's screens around the live run: the setup, the scoreboard of
// a folder of attempts, and the debrief of one game with everything unhidden.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/io/bounded_file.h"
#include "sim/loop/attempt_store.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"

namespace perfloop::ui {

namespace {

ImVec4 rgba(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

// Spoiler-free, as the picker: what the pager would say, not the title.
std::string scenario_label(const CatalogueEntry& e) {
  return (e.meta.pager.empty() ? std::string("An unnamed incident") : e.meta.pager) + "##" + e.id;
}

void back_home(AppState& state) {
  if (ImGui::Button("Home")) {
    state.screen = Screen::Home;
    refresh_progress(state);
  }
  mark_control("game.home");
}

}  // namespace

void draw_game_setup(AppState& state) {
  GameState& game = state.game;
  back_home(state);
  ImGui::SameLine();
  if (ImGui::Button("Scoreboard")) open_scoreboard(state);
  mark_control("setup.scoreboard");
  ImGui::Text("Incident game day");
  ImGui::TextColored(rgba(colour::kMuted),
                     "The incident runs live: the page fires when the SLO burns, the clock runs at the facilitator's "
                     "speed, and a fix lands when the team applies it. F9 opens the facilitator's panel during the game.");
  section_title("Incident");
  if (!state.catalogue_ready) ImGui::TextColored(rgba(colour::kMuted), "Reading the scenarios...");
  ImGui::BeginChild("setup.scenarios", ImVec2(0, 220), true);
  for (const auto& e : state.catalogue.entries) {
    if (ImGui::Selectable(scenario_label(e).c_str(), game.scenario == e.id)) game.scenario = e.id;
    mark_control("setup.scenario." + e.id);
  }
  ImGui::EndChild();
  section_title("Team and signals");
  char team[64];
  std::snprintf(team, sizeof team, "%s", game.team.c_str());
  ImGui::SetNextItemWidth(300);
  if (ImGui::InputText("Team name", team, 41)) game.team = team;
  mark_control("setup.team");
  int seed = static_cast<int>(std::min<std::uint64_t>(state.seed, 1'000'000));
  ImGui::SetNextItemWidth(300);
  if (ImGui::InputInt("Seed (teams that compare use the same one)", &seed)) state.seed = static_cast<std::uint64_t>(std::max(0, seed));
  ImGui::BeginDisabled();
  bool metrics = true;
  ImGui::Checkbox("metrics", &metrics);
  ImGui::EndDisabled();
  for (const char* name : {"logs", "traces", "profiles", "rum"}) {
    ImGui::SameLine();
    ImGui::Checkbox(name, &signal_flag(game.signals, name));
    mark_control(std::string("setup.signal.") + name);
  }
  ImGui::TextColored(rgba(colour::kMuted), "Hide some to feel how much longer a diagnosis takes without them.");
  const char* speeds[] = {"1x", "2x", "5x", "10x", "30x"};
  ImGui::SetNextItemWidth(120);
  ImGui::Combo("Starting speed", &game.speed_index, speeds, 5);
  ImGui::Spacing();
  const bool can = !game.scenario.empty() && !game.team.empty();
  if (!can) ImGui::BeginDisabled();
  if (ImGui::Button("Start the game", ImVec2(0, ImGui::GetFrameHeight() * 1.3f))) start_game(state);
  if (!can) ImGui::EndDisabled();
  mark_control("setup.start");
}

void open_scoreboard(AppState& state) {
  state.screen = Screen::Scoreboard;
  state.game.board.reset();
  const std::string dir = state.save_dir;
  state.game.board_task.start([dir] { return read_scoreboard(dir); });
}

void draw_scoreboard_screen(AppState& state) {
  GameState& game = state.game;
  if (auto board = game.board_task.take()) game.board = std::move(*board);
  back_home(state);
  ImGui::SameLine();
  if (ImGui::Button("New game")) state.screen = Screen::GameSetup;
  ImGui::Text("Scoreboard");
  ImGui::TextColored(rgba(colour::kMuted), "Game-day attempts in %s, ranked by score, then by time to recovery.",
                     state.save_dir.empty() ? "(no folder)" : state.save_dir.c_str());
  if (!game.board) {
    ImGui::TextColored(rgba(colour::kMuted), "Reading the attempts...");
    return;
  }
  for (const auto& problem : game.board->problems) ImGui::TextColored(rgba(colour::kWarn), "%s", problem.c_str());
  if (game.board->boards.empty()) ImGui::TextColored(rgba(colour::kMuted), "No game-day attempts yet.");
  int table = 0;
  for (const auto& b : game.board->boards) {
    section_title((b.scenario + ", seed " + std::to_string(b.seed) + ", signals " + b.signals).c_str());
    ImGui::PushID(table++);
    if (ImGui::BeginTable("board", 8, ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders)) {
      for (const char* h : {"Rank", "Team", "Score (of 100)", "Detect (h:mm:ss)", "MTTR (h:mm:ss)", "Hints", "Wrong fixes", ""})
        ImGui::TableSetupColumn(h);
      ImGui::TableHeadersRow();
      for (const auto& r : b.rows) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d", r.rank);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.team.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.1f (%s)", r.total, r.grade.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.detect_s ? hms(*r.detect_s).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.mttr_s ? hms(*r.mttr_s).c_str() : "not recovered");
        ImGui::TableNextColumn();
        ImGui::Text("%d", r.hints_used);
        ImGui::TableNextColumn();
        ImGui::Text("%d", r.wrong_fixes);
        ImGui::TableNextColumn();
        ImGui::PushID(r.file.c_str());
        if (ImGui::SmallButton("Debrief")) {
          const FileRead file = read_bounded_file(r.file, kMaxAttemptBytes, "an attempt");
          try {
            if (!file.ok()) throw std::runtime_error(file.problem);
            open_debrief(state, std::make_shared<const nlohmann::json>(parse_attempt(file.text)));
          } catch (const std::exception& e) {
            report_error(state, r.file + ": " + e.what());
          }
        }
        mark_control("scoreboard.debrief." + r.team);
        ImGui::PopID();
      }
      ImGui::EndTable();
    }
    ImGui::PopID();
  }
}

void open_debrief(AppState& state, std::shared_ptr<const nlohmann::json> result) {
  GameState& game = state.game;
  game.debrief = std::move(result);
  game.debrief_error.clear();
  game.debrief_record.reset();
  try {
    game.debrief_record = read_game_record(*game.debrief);
    const GameRecord& r = *game.debrief_record;
    game.scrub_s = r.fix_s().value_or(r.page_s.value_or(0.0));
    // The whole run, unhidden: the headline with every change as a marker.
    const GameHeadline& h = r.headline;
    ChartLine line{h.endpoint + " " + h.metric, colour::kP99, {}, {}};
    for (std::size_t i = 0; i < h.values.size(); ++i)
      if (!std::isnan(h.values[i])) {
        line.t_s.push_back(h.step_s * static_cast<double>(i + 1));
        line.values.push_back(h.values[i]);
      }
    // A new key per opening: the chart's cached layer is of this attempt.
    static std::uint64_t openings = 0;
    line.data_version = 0xD0B1EF00ull + ++openings;
    game.debrief_lines = {std::move(line)};
    game.debrief_markers.clear();
    for (const auto& e : r.timeline)
      if (e.kind == "deploy" || e.kind == "fix" || e.kind == "config")
        game.debrief_markers.push_back({s_to_ns(e.t_s), e.kind, "", e.text});
  } catch (const std::exception& e) {
    game.debrief_error = e.what();
  }
  state.screen = Screen::Debrief;
}

void draw_debrief_screen(AppState& state) {
  GameState& game = state.game;
  back_home(state);
  ImGui::SameLine();
  if (ImGui::Button("Scoreboard")) open_scoreboard(state);
  mark_control("debrief.scoreboard");
  if (!game.debrief_record) {
    ImGui::TextColored(rgba(colour::kSlo), "This attempt cannot be shown: %s", game.debrief_error.c_str());
    return;
  }
  const GameRecord& r = *game.debrief_record;
  const nlohmann::json& result = *game.debrief;
  ImGui::Text("Debrief: team %s, %s", r.team.c_str(), result.value("scenario", std::string("?")).c_str());
  ImGui::Text("Score %.1f of 100   |   page %s   |   time to detect %s   |   MTTR %s   |   hints %d   |   wrong fixes %d",
              result.value("total", 0.0), r.page_s ? hms(*r.page_s).c_str() : "none",
              r.detect_s() ? hms(*r.detect_s()).c_str() : "-", r.mttr_s() ? hms(*r.mttr_s()).c_str() : "not recovered",
              r.hints_used, r.wrong_fixes());
  mark_control("debrief.summary");
  const GameHeadline& h = r.headline;
  ChartSpec spec;
  spec.title = h.endpoint + " " + h.metric + " over a rolling minute";
  spec.unit = h.unit;
  spec.duration_s = r.end_s;
  spec.threshold = h.target;
  char label[64];
  std::snprintf(label, sizeof label, "target %.0f %s", h.target, h.unit.c_str());
  spec.threshold_label = label;
  spec.height = 240.0f;
  ChartSelection none;
  draw_timeseries("debrief.chart", spec, game.debrief_lines, game.debrief_markers, none);
  float scrub = static_cast<float>(game.scrub_s);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderFloat("##scrub", &scrub, 0.0f, static_cast<float>(r.end_s), "")) game.scrub_s = scrub;
  mark_control("debrief.scrub");
  const auto index = static_cast<long long>(std::floor(game.scrub_s / h.step_s)) - 1;
  const double value = index >= 0 && index < static_cast<long long>(h.values.size()) ? h.values[static_cast<std::size_t>(index)] : NAN;
  ImGui::Text("At %s the headline read %s", hms(game.scrub_s).c_str(),
              std::isnan(value) ? "nothing yet" : (std::to_string(static_cast<long long>(std::lround(value))) + " " + h.unit).c_str());
  section_title("Timeline (simulated h:mm:ss; what had happened by the scrubbed moment is bright)");
  ImGui::BeginChild("debrief.timeline", ImVec2(0, 0), true);
  for (const auto& e : r.timeline) {
    const bool past = e.t_s <= game.scrub_s;
    const ImU32 c = !past ? colour::kMuted
                    : e.kind == "page" || e.kind == "alert" ? colour::kSlo
                    : e.kind == "fix" || e.kind == "recovered" ? colour::kGood
                    : e.kind == "hint" || e.kind == "inject" ? colour::kWarn
                                                                : colour::kText;
    ImGui::TextColored(rgba(c), "%s  %-10s", hms(e.t_s).c_str(), e.kind.c_str());
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, rgba(c));
    ImGui::TextWrapped("%s", e.text.c_str());
    ImGui::PopStyleColor();
    if (ImGui::IsItemClicked()) game.scrub_s = e.t_s;
  }
  ImGui::EndChild();
}

}  // namespace perfloop::ui
