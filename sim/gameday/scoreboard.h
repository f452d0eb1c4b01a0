// Game days' scoreboard: the attempts in one folder (teams on one machine,
// or files copied together from several), one board per scenario, seed,
// parameters and signal set, since only teams that faced the same incident
// with the same signals are ranked against each other. Within a board:
// highest total first, then the shorter time to recovery (a team that never
// recovered comes after every team that did), then the name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfloop {

struct ScoreRow {
  int rank = 0;
  std::string team;
  std::string file;          // the team's best attempt on this board
  double total = 0.0;
  std::string grade;
  std::optional<double> detect_s, mttr_s;
  int hints_used = 0;
  int wrong_fixes = 0;
  int attempts = 1;          // the team's attempts on this board
};

struct Scoreboard {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string signals;       // "metrics,logs,traces,profiles,rum"
  nlohmann::json params;     // the non-default parameters played
  std::vector<ScoreRow> rows;
};

struct ScoreboardReport {
  std::vector<Scoreboard> boards;       // by scenario, seed, signals
  std::vector<std::string> problems;    // files skipped, with why
  int other_attempts = 0;               // attempts that were not game days (the loop's, the track's)
};

// True when `a` ranks above `b`.
bool ranks_before(const ScoreRow& a, const ScoreRow& b);
// Reads every attempt in `dir` (bounded, one at a time); a file that is
// not a sound game-day attempt is listed in problems and left as it is.
ScoreboardReport read_scoreboard(const std::string& dir);
// Adds one attempt's result (as saved) to the report.
void add_to_scoreboard(ScoreboardReport& report, const std::string& path, const nlohmann::json& result);
// Sorts the boards and ranks their rows.
void rank_scoreboard(ScoreboardReport& report);

nlohmann::json scoreboard_json(const ScoreboardReport& report);
std::string scoreboard_text(const ScoreboardReport& report);

}  // namespace perfloop
