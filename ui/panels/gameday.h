// Incident game days in the app: the setup, the team's live run (the loop's
// eight steps against the data so far, with the clock and the page on top),
// the facilitator's panel behind F9, the scoreboard and the debrief.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/gameday/game_record.h"
#include "sim/gameday/scoreboard.h"
#include "ui/core/background_task.h"
#include "ui/platform/game_worker.h"
#include "ui/widgets/widget_timeseries.h"

namespace perfloop::ui {

struct AppState;

struct GameState {
  // Set up before the start.
  std::string scenario;             // catalogue id or path
  std::string team = "Team 1";
  SignalSet signals;
  int speed_index = 3;              // into kGameSpeeds: 10x
  // The game being played.
  bool active = false;
  GameWorker worker;
  GameView view;                    // this frame's copy
  double wall_started = 0.0;        // the app's clock when the game started
  std::optional<double> ack_s;      // when the team acknowledged the page
  std::vector<GameEvent> room;      // what happened in the room: the acknowledgement, hints released
  bool facilitator_open = false;
  // The facilitator's list of the team's answers, made once per change of them.
  std::vector<GameEvent> answers_seen;
  std::uint64_t answers_seen_revision = 0;
  double session_fix_s = -1.0;      // the fix time the graded session was last opened with
  bool ending = false;              // End pressed; the worker is grading
  // Scripted games (screenshots, benchmarks): settled only once paused, or acknowledged.
  bool settle_paused = false, settle_acked = false;
  // The results.
  BackgroundTask<ScoreboardReport> board_task;
  std::optional<ScoreboardReport> board;
  std::shared_ptr<const nlohmann::json> debrief;  // the attempt the debrief shows
  std::optional<GameRecord> debrief_record;
  std::vector<ChartLine> debrief_lines;  // its headline and event markers, made once when it opens
  std::vector<LogEvent> debrief_markers;
  double scrub_s = 0.0;
  std::string debrief_error;
};

// Wall seconds since the game started.
double game_wall_s(const AppState& state);
// Starts the chosen scenario as a game: the worker's clock, a fresh loop, the waiting screen.
void start_game(AppState& state);
// Hands the answers to the worker to grade and save; the debrief opens when it is done.
void end_game(AppState& state);
// Each frame while a game is on: the run and the view from the worker, the
// graded session kept on the fix the team landed, the end taken.
void update_game(AppState& state);
// The team's bar over the panels: clock, page, acknowledgement. Returns
// false while the team is still waiting for the page (the steps stay hidden).
bool draw_game_bar(AppState& state);
void draw_facilitator(AppState& state);
// The team acknowledges the page: Observe opens (the bar's button).
void acknowledge_page(AppState& state);
// Releases the next hint for the step the team is on (the facilitator's button).
void release_hint(AppState& state);
void draw_game_setup(AppState& state);
void open_scoreboard(AppState& state);
void draw_scoreboard_screen(AppState& state);
// Opens the debrief of an attempt result.
void open_debrief(AppState& state, std::shared_ptr<const nlohmann::json> result);
void draw_debrief_screen(AppState& state);
// The live fix for the current bottleneck, in the Fix step (game mode).
void draw_game_fix(AppState& state);
// True when Verify may open: five simulated minutes of data after the
// bottleneck's last fix; otherwise draws the wait and returns false.
bool game_verify_ready(AppState& state);

}  // namespace perfloop::ui
