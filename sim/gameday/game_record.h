// What a game day leaves behind: the page, the acknowledgement, every fix,
// the recovery, and a timeline of everything that happened, in simulated
// seconds (and wall seconds where a person did it in the app). The same
// record comes out of the app's live game and of `perfloop gameday`, and
// is saved inside the attempt, where the scoreboard and the debrief read it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/gameday/live_run.h"
#include "sim/gameday/signal_set.h"
#include "sim/loop/answers.h"

namespace perfloop {

struct GameEvent {
  double t_s = 0.0;
  std::string kind;  // page, ack, answer, hint, fix, recovered, inject, alert, resolved, deploy, config, load, end
  std::string text;
  double wall_s = -1.0;  // seconds into the game on the wall clock; <0: not a person's action, or headless
};

struct GameFix {
  std::size_t bottleneck = 0;
  std::string id, title;
  double at_s = 0.0;
  double wall_s = -1.0;
  bool right = false;
};

// The headline of the first bottleneck, a rolling minute per window, for the
// debrief's chart.
struct GameHeadline {
  std::string endpoint, metric, unit;
  double target = 0.0;
  double step_s = 10.0;
  std::vector<double> values;  // NaN: no request completed (written as null)
};

struct GameRecord {
  std::string team;
  SignalSet signals;
  std::optional<double> page_s, ack_s, recovered_s;
  std::string page_text;
  double end_s = 0.0;
  std::vector<GameFix> fixes;
  int hints_used = 0;
  std::vector<GameEvent> timeline;  // by t_s
  GameHeadline headline;

  // The answered fix: the last one applied (none: nullopt).
  std::optional<double> fix_s() const;
  std::optional<double> detect_s() const;  // page to acknowledgement
  std::optional<double> mttr_s() const;    // page to recovery
  int wrong_fixes() const;
};

// Team names are shown on a scoreboard and become part of a report: one
// printable line of at most 40 characters. Throws std::invalid_argument.
std::string checked_team_name(const std::string& name);

// The fixes that landed in the live run, with their titles; `wall_s[i]`,
// where given, is when a person applied the i-th.
std::vector<GameFix> game_fixes(const LiveRun& run, const std::vector<double>& wall_s = {});
// Fills what the live run knows: the page, every fix, recovery, the end, the
// service's own log (deploys, config changes, alerts) and the headline.
void record_live_run(GameRecord& record, const LiveRun& run, const std::vector<double>& fix_wall_s = {});
// The team's answers, as timeline entries at their at_s, and the hints they
// used (with `hint_events`, an entry for them too: the app records each hint
// when the facilitator releases it instead).
void record_answers(GameRecord& record, const Answers& answers, const ScenarioBuild& build, bool hint_events = true);
void add_event(GameRecord& record, GameEvent event);
// Sorts the timeline by time (stable: what happened in one second keeps its order).
void finish_record(GameRecord& record);

// The game-day fields an attempt carries beside the play result.
nlohmann::json game_record_json(const GameRecord& record);
// Reads them back; throws std::runtime_error naming the field.
GameRecord read_game_record(const nlohmann::json& result);
// The attempt is a game day's (it has "mode": "gameday").
bool is_gameday_result(const nlohmann::json& result);

// "0:47:40": a debrief writes every time this way.
std::string hms(double seconds);
// "2 min 20 s", "1 h 05 min": a duration for a sentence.
std::string duration_words(double seconds);

}  // namespace perfloop
