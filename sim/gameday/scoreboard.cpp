#include "sim/gameday/scoreboard.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "sim/gameday/game_record.h"
#include "sim/loop/attempt_store.h"

namespace perfloop {

using nlohmann::json;

bool ranks_before(const ScoreRow& a, const ScoreRow& b) {
  // Totals are compared as printed (one decimal): 91.04 and 91.01 tie, and
  // the faster recovery decides.
  const long long ta = std::llround(a.total * 10.0), tb = std::llround(b.total * 10.0);
  if (ta != tb) return ta > tb;
  if (a.mttr_s.has_value() != b.mttr_s.has_value()) return a.mttr_s.has_value();
  if (a.mttr_s && *a.mttr_s != *b.mttr_s) return *a.mttr_s < *b.mttr_s;
  return std::tie(a.team, a.file) < std::tie(b.team, b.file);
}

void add_to_scoreboard(ScoreboardReport& report, const std::string& path, const json& result) {
  if (!is_gameday_result(result)) {
    ++report.other_attempts;
    return;
  }
  GameRecord record;
  ScoreRow row;
  std::string scenario;
  std::uint64_t seed = 0;
  json params = json::object();
  try {
    record = read_game_record(result);
    if (!result.contains("scenario") || !result["scenario"].is_string()) throw std::runtime_error("scenario: missing");
    scenario = result["scenario"].get<std::string>();
    if (!result.contains("seed") || !result["seed"].is_number_integer() || result["seed"].get<std::int64_t>() < 0)
      throw std::runtime_error("seed: missing, or not a whole number");
    seed = result["seed"].get<std::uint64_t>();
    if (!result.contains("total") || !result["total"].is_number()) throw std::runtime_error("total: missing");
    row.total = result["total"].get<double>();
    if (result.contains("grade") && result["grade"].is_string()) row.grade = result["grade"].get<std::string>();
    if (result.contains("params") && result["params"].is_object()) params = result["params"];
  } catch (const std::exception& e) {
    report.problems.push_back(path + ": skipped: " + e.what());
    return;
  }
  row.team = record.team;
  row.file = path;
  row.detect_s = record.detect_s();
  row.mttr_s = record.mttr_s();
  row.hints_used = record.hints_used;
  row.wrong_fixes = record.wrong_fixes();
  const std::string signals = signal_list(record.signals);
  auto board = std::find_if(report.boards.begin(), report.boards.end(), [&](const Scoreboard& b) {
    return b.scenario == scenario && b.seed == seed && b.signals == signals && b.params == params;
  });
  if (board == report.boards.end()) {
    report.boards.push_back({scenario, seed, signals, params, {}});
    board = report.boards.end() - 1;
  }
  // One row per team: its best attempt, with how many it made.
  auto same = std::find_if(board->rows.begin(), board->rows.end(), [&](const ScoreRow& r) { return r.team == row.team; });
  if (same == board->rows.end()) {
    board->rows.push_back(row);
  } else {
    row.attempts = same->attempts + 1;
    if (ranks_before(row, *same)) *same = row;
    else same->attempts = row.attempts;
  }
}

void rank_scoreboard(ScoreboardReport& report) {
  std::sort(report.boards.begin(), report.boards.end(), [](const Scoreboard& a, const Scoreboard& b) {
    return std::tie(a.scenario, a.seed, a.signals) < std::tie(b.scenario, b.seed, b.signals) ||
           (std::tie(a.scenario, a.seed, a.signals) == std::tie(b.scenario, b.seed, b.signals) && a.params.dump() < b.params.dump());
  });
  for (auto& board : report.boards) {
    std::sort(board.rows.begin(), board.rows.end(), ranks_before);
    for (std::size_t i = 0; i < board.rows.size(); ++i) board.rows[i].rank = static_cast<int>(i) + 1;
  }
}

ScoreboardReport read_scoreboard(const std::string& dir) {
  ScoreboardReport report;
  report.problems = visit_attempts(dir, [&](const std::string& path, json&& result) { add_to_scoreboard(report, path, result); });
  rank_scoreboard(report);
  return report;
}

namespace {

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

json scoreboard_json(const ScoreboardReport& report) {
  json boards = json::array();
  for (const auto& b : report.boards) {
    json rows = json::array();
    for (const auto& r : b.rows)
      rows.push_back({{"rank", r.rank},
                      {"team", r.team},
                      {"total", r.total},
                      {"grade", r.grade},
                      {"detect_s", optional_number(r.detect_s)},
                      {"mttr_s", optional_number(r.mttr_s)},
                      {"recovered", r.mttr_s.has_value()},
                      {"hints_used", r.hints_used},
                      {"wrong_fixes", r.wrong_fixes},
                      {"attempts", r.attempts},
                      {"file", r.file}});
    boards.push_back({{"scenario", b.scenario},
                      {"seed", b.seed},
                      {"signals", b.signals},
                      {"params", b.params},
                      {"teams", std::move(rows)}});
  }
  return {{"boards", std::move(boards)}, {"problems", report.problems}, {"other_attempts", report.other_attempts}};
}

std::string scoreboard_text(const ScoreboardReport& report) {
  std::string out;
  char line[512];
  for (const auto& b : report.boards) {
    std::snprintf(line, sizeof line, "%s, seed %llu, signals %s%s\n", b.scenario.c_str(),
                  static_cast<unsigned long long>(b.seed), b.signals.c_str(),
                  b.params.empty() ? "" : (", params " + b.params.dump()).c_str());
    out += line;
    std::snprintf(line, sizeof line, "  %-4s %-24s %7s %-8s %9s %9s %5s %11s\n", "rank", "team", "score", "grade", "detect",
                  "MTTR", "hints", "wrong fixes");
    out += line;
    for (const auto& r : b.rows) {
      std::snprintf(line, sizeof line, "  %-4d %-24s %7.1f %-8s %9s %9s %5d %11d\n", r.rank, r.team.c_str(), r.total,
                    r.grade.c_str(), r.detect_s ? hms(*r.detect_s).c_str() : "-",
                    r.mttr_s ? hms(*r.mttr_s).c_str() : "never", r.hints_used, r.wrong_fixes);
      out += line;
    }
    out += "\n";
  }
  if (report.boards.empty()) out += "No game-day attempts here.\n";
  return out;
}

}  // namespace perfloop
