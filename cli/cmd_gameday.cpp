// perfloop gameday, scoreboard and debrief: incident game days, headless.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/debrief_chart.h"
#include "sim/gameday/debrief.h"
#include "sim/gameday/gameday_replay.h"
#include "sim/gameday/scoreboard.h"
#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"
#include "sim/loop/attempt_store.h"
#include "sim/loop/run_pool.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

namespace {

std::string summary_text(const GameDayResult& r) {
  const GameRecord& g = r.record;
  std::string out = "Game day: " + r.play.scenario + ", seed " + std::to_string(r.play.seed) + ", team " + g.team +
                    ", signals " + signal_list(g.signals) + "\n";
  out += "  page        " + (g.page_s ? hms(*g.page_s) : std::string("none")) + "\n";
  out += "  acknowledged " + (g.ack_s ? hms(*g.ack_s) : std::string("never")) + "\n";
  for (const auto& f : g.fixes) out += "  fix         " + hms(f.at_s) + "  " + f.title + "\n";
  out += "  recovered   " + (g.recovered_s ? hms(*g.recovered_s) : std::string("never")) + "\n";
  out += "  detect      " + (g.detect_s() ? duration_words(*g.detect_s()) : std::string("-")) + "\n";
  out += "  MTTR        " + (g.mttr_s() ? duration_words(*g.mttr_s()) : std::string("not recovered")) + "\n";
  char line[128];
  std::snprintf(line, sizeof line, "  score       %.1f / 100 (%s)\n", r.play.total, r.play.grade.c_str());
  out += line;
  return out;
}

// The attempts a debrief is about: one file, or the game-day attempts of a
// folder (the team's best, or each team's best by the scoreboard).
int debrief_sources(const DebriefCommand& options, std::vector<std::pair<std::string, nlohmann::json>>& out) {
  std::error_code ec;
  if (std::filesystem::is_directory(options.source, ec)) {
    ScoreboardReport board = read_scoreboard(options.source);
    for (const auto& problem : board.problems) std::cerr << "perfloop: " << terminal_line(problem) << "\n";
    for (const auto& b : board.boards)
      for (const auto& row : b.rows)
        if (options.team.empty() || row.team == options.team) {
          const FileRead file = read_bounded_file(row.file, kMaxAttemptBytes, "an attempt");
          if (file.ok()) out.emplace_back(row.file, parse_attempt(file.text));
        }
    if (out.empty())
      return fail(options.source + ": no game-day attempt" + (options.team.empty() ? "" : " of team " + quote(options.team, 60)));
    return 0;
  }
  const FileRead file = read_bounded_file(options.source, kMaxAttemptBytes, "an attempt");
  if (!file.ok()) return fail(options.source + ": " + file.problem);
  nlohmann::json result;
  try {
    result = parse_attempt(file.text);
  } catch (const std::exception& e) {
    return fail(options.source + ": " + e.what());
  }
  if (!is_gameday_result(result)) return fail(options.source + ": not a game day's attempt (it has no \"mode\": \"gameday\")");
  if (!options.team.empty() && result.value("team", std::string()) != options.team)
    return fail(options.source + ": the attempt is team " + quote(result.value("team", std::string()), 60) + "'s, not " +
                quote(options.team, 60) + "'s");
  out.emplace_back(options.source, std::move(result));
  return 0;
}

std::string scenario_title(const std::string& id) {
  try {
    const std::string path = find_scenario(id);
    if (!path.empty()) return ScenarioScript::load(path).title();
  } catch (const std::exception&) {
    // The report still names the scenario by its id.
  }
  return {};
}

// `gameday --answers DIR`: a game day's teams graded together, one answers
// file each (the team named by its file), every team's replay on the pool's
// cores. Each team's game is its own (their fixes land at their own
// moments), so they share no runs; each gets its own scenario script, loaded
// here, because Lua is not shared between threads.
int gameday_folder(const GameDayCommand& options, const GameDayOptions& game, const std::string& path) {
  std::vector<std::string> files;
  if (const std::string problem = answers_files_in(options.answers, files); !problem.empty()) return fail(problem);
  struct Team {
    std::string file;
    std::unique_ptr<ScenarioScript> script;
    Answers answers;
    GameDayOptions game;
    std::optional<GameDayResult> result;
    std::string problem;
  };
  std::vector<Team> teams;
  std::vector<std::string> problems;
  for (const auto& file : files) {
    Team team;
    team.file = file;
    team.game = game;
    try {
      team.game.team = checked_team_name(std::filesystem::path(file).stem().string());
      team.script = std::make_unique<ScenarioScript>(ScenarioScript::load(path));
      const ScenarioBuild build = team.script->build(team.script->resolve(game.overrides));
      if (build.bottlenecks.empty())
        return fail(path + ": the scenario has no bottlenecks, so there is no incident to play");
      team.answers = read_answers_file(file, team.script->id(), build);
      teams.push_back(std::move(team));
    } catch (const ScenarioError& e) {
      return fail(e.what());
    } catch (const std::invalid_argument& e) {
      problems.push_back(file + ": the team's name (the file's): " + e.what());
    } catch (const AnswersError& e) {
      problems.push_back(e.what());
    } catch (const nlohmann::json::exception& e) {
      problems.push_back(file + ": " + e.what());
    }
  }
  RunPool pool;
  for (Team& team : teams)
    pool.submit([&team] {
      try {
        team.result = replay_gameday(*team.script, team.answers, team.file, team.game);
      } catch (const std::exception& e) {
        team.problem = e.what();
      }
    });
  pool.run_all();

  nlohmann::json out = {{"results", nlohmann::json::array()}};
  std::string text;
  bool saved_all = true;
  for (const Team& team : teams) {
    if (!team.result) {
      problems.push_back(team.problem.rfind(team.file, 0) == 0 ? team.problem : team.file + ": " + team.problem);
      continue;
    }
    const nlohmann::json json = gameday_result_json(*team.result);
    out["results"].push_back({{"file", team.file}, {"result", json}});
    text += summary_text(*team.result) + "\n";
    if (options.save_dir.empty()) continue;
    try {
      std::vector<std::string> recovered;
      const std::string saved = save_attempt(options.save_dir, team.result->play.scenario, json, &recovered);
      for (const auto& line : recovered) std::cerr << "perfloop: " << terminal_line(line) << "\n";
      std::cerr << "perfloop: saved " << terminal_line(saved) << "\n";
    } catch (const std::exception& e) {
      fail(std::string("could not save ") + team.game.team + "'s attempt: " + e.what());
      saved_all = false;
    }
  }
  out["problems"] = problems;
  std::cout << (options.json ? json_text(out) + "\n" : text) << std::flush;
  for (const auto& problem : problems) std::cerr << "perfloop: " << terminal_line(problem) << "\n";
  return problems.empty() && saved_all ? 0 : 2;
}

}  // namespace

int run_gameday(const GameDayCommand& options) {
  GameDayOptions game;
  game.seed = options.seed;
  try {
    game.team = checked_team_name(options.team);
  } catch (const std::invalid_argument& e) {
    return fail(std::string("--team: ") + e.what());
  }
  try {
    game.signals = parse_signal_set(options.signals);
  } catch (const std::invalid_argument& e) {
    return fail(std::string("--signals: ") + e.what());
  }
  std::string error;
  for (const auto& p : options.params)
    if (!parse_param(p, game.overrides, error)) return fail(error);
  const std::string path = find_scenario(options.scenario);
  if (path.empty())
    return fail("scenario '" + options.scenario + "' not found (give an id from scenarios/ or a path to a .lua file)");
  if (std::filesystem::is_directory(options.answers)) {
    if (options.team != "team") return fail("--team: with a folder of answers, each team is named by its file");
    return gameday_folder(options, game, path);
  }
  GameDayResult result;
  try {
    ScenarioScript script = ScenarioScript::load(path);
    const ScenarioBuild build = script.build(script.resolve(game.overrides));
    if (build.bottlenecks.empty())
      return fail(path + ": the scenario has no bottlenecks, so there is no incident to play");
    const Answers answers = read_answers_file(options.answers, script.id(), build);
    result = replay_gameday(script, answers, options.answers, game);
  } catch (const AnswersError& e) {
    return fail(e.what());
  } catch (const ScenarioError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(path + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    return fail(options.answers + ": " + e.what());
  }
  const nlohmann::json json = gameday_result_json(result);
  std::cout << (options.json ? json_text(json) + "\n" : summary_text(result)) << std::flush;
  if (options.save_dir.empty()) return 0;
  try {
    std::vector<std::string> recovered;
    const std::string saved = save_attempt(options.save_dir, result.play.scenario, json, &recovered);
    for (const auto& line : recovered) std::cerr << "perfloop: " << terminal_line(line) << "\n";
    std::cerr << "perfloop: saved " << terminal_line(saved) << "\n";
  } catch (const std::exception& e) {
    return fail(std::string("could not save the attempt: ") + e.what());
  }
  return 0;
}

int run_scoreboard(const ScoreboardCommand& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.dir, ec)) return fail(options.dir + ": not a folder");
  const ScoreboardReport report = read_scoreboard(options.dir);
  for (const auto& problem : report.problems) std::cerr << "perfloop: " << terminal_line(problem) << "\n";
  std::cout << (options.json ? json_text(scoreboard_json(report)) + "\n" : scoreboard_text(report));
  return 0;
}

int run_debrief(const DebriefCommand& options) {
  std::vector<std::pair<std::string, nlohmann::json>> sources;
  if (int status = debrief_sources(options, sources)) return status;
  std::string report;
  std::string chart_problem;
  const std::filesystem::path out(options.output);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& [file, result] = sources[i];
    try {
      const GameRecord record = read_game_record(result);
      DebriefOptions debrief;
      debrief.scenario_title = scenario_title(result.value("scenario", std::string()));
      if (!options.output.empty() && options.output != "-") {
        const std::string suffix = sources.size() > 1 ? "-" + std::to_string(i + 1) : "";
        const std::filesystem::path png = out.parent_path() / (out.stem().string() + suffix + ".png");
        const std::string problem = write_debrief_chart(record, png.string());
        if (problem.empty()) debrief.chart_file = png.filename().string();
        else chart_problem = problem;
      }
      report += (i ? "\n---\n\n" : "") + debrief_markdown(result, debrief);
    } catch (const std::exception& e) {
      return fail(file + ": " + e.what());
    }
  }
  if (!chart_problem.empty()) std::cerr << "perfloop: no chart: " << terminal_line(chart_problem) << "\n";
  if (options.output.empty() || options.output == "-") {
    std::cout << report;
    return 0;
  }
  try {
    write_output_file(options.output, report);
  } catch (const std::exception& e) {
    return fail("could not write the report: " + std::string(e.what()));
  }
  std::cerr << "perfloop: wrote " << terminal_line(options.output) << "\n";
  return 0;
}

}  // namespace perfloop::cli
