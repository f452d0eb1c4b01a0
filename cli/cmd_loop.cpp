// perfloop solve and perfloop play: the eight steps, headless.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "sim/loop/answers.h"
#include "sim/loop/attempt_store.h"
#include "sim/io/json_text.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"
#include "sim/io/safe_text.h"
#include "sim/learn/data_folder.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

namespace {

struct Loaded {
  std::string path;
  std::optional<ScenarioScript> script;
  ParamValues overrides;
};

// Finds and loads the scenario; returns a non-zero exit status on failure.
int load(const std::string& scenario, const std::vector<std::string>& params, Loaded& out) {
  std::string error;
  for (const auto& p : params)
    if (!parse_param(p, out.overrides, error)) return fail(error);
  out.path = find_scenario(scenario);
  if (out.path.empty()) return fail("scenario '" + scenario + "' not found (give an id from scenarios/ or a path to a .lua file)");
  out.script.emplace(ScenarioScript::load(out.path));
  return 0;
}

std::string scorecard_text(const PlayResult& r) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%s, seed %llu: %.1f / 100 (%s)%s\n\n", r.scenario.c_str(),
                static_cast<unsigned long long>(r.seed), r.total, r.grade.c_str(), r.complete ? "" : ", partial answers");
  out += line;
  for (const auto& s : r.steps) {
    std::snprintf(line, sizeof line, "  %-26s %5.1f / %4.0f", (r.scorecard[static_cast<std::size_t>(s.bottleneck)].id + " " +
                                                             std::string(step_name(s.step))).c_str(), s.score, s.max);
    out += line;
    if (s.seconds >= 0) {
      std::snprintf(line, sizeof line, "   (%.0f s)", s.seconds);
      out += line;
    }
    if (s.hints_used > 0) out += "   (" + std::to_string(s.hints_used) + (s.hints_used == 1 ? " hint)" : " hints)");
    out += "\n      " + s.feedback + "\n";
  }
  for (const auto& c : r.scorecard) {
    out += "\n" + c.title + "\n  Root cause: " + c.root_cause + "\n  Debrief: " + c.debrief + "\n";
  }
  return out;
}

// Loads the scenario, opens a session on it and runs `body`; bad input of
// any kind becomes one line on stderr and status 2.
template <typename Body>
int with_session(const std::string& scenario, const std::vector<std::string>& params, std::uint64_t seed,
                 const char* verb, Body body) {
  Loaded loaded;
  try {
    if (int status = load(scenario, params, loaded)) return status;
    LoopSession session(*loaded.script, loaded.overrides, seed);
    if (session.build().bottlenecks.empty())
      return fail(loaded.path + ": the scenario has no bottlenecks, so there is nothing to " + verb);
    return body(session, loaded.script->id());
  } catch (const ScenarioError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(loaded.path + ": " + e.what());
  }
}

}  // namespace

int run_solve(const SolveOptions& options) {
  return with_session(options.scenario, options.params, options.seed, "solve", [](LoopSession& session, const std::string& id) {
    std::cout << json_text(answers_to_json(expert_answers(session, id))) << "\n";
    return 0;
  });
}

std::string answers_files_in(const std::string& dir, std::vector<std::string>& files) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error))
    if (entry.path().extension() == ".json" && entry.is_regular_file()) files.push_back(entry.path().string());
  if (error) return dir + ": " + error.message();
  if (files.empty()) return dir + ": no answers files (*.json) in this folder";
  std::sort(files.begin(), files.end());
  return "";
}

namespace {

// Where graded attempts go: --save, or the data folder's attempts/ (made
// ready first); empty with no problem when they are not saved.
struct SaveTarget {
  std::string dir;
  std::string problem;
};

SaveTarget save_target(const PlayOptions& options) {
  SaveTarget target{options.save_dir, ""};
  if (options.data_dir.empty()) return target;
  const DataFolder folder = open_data_folder(options.data_dir);
  target.dir = folder.attempts_dir();
  try {
    prepare_data_folder(folder);
  } catch (const std::exception& e) {
    target.problem = e.what();
  }
  return target;
}

// One graded attempt saved (or not): what to tell once the result is printed.
struct Saved {
  std::string path;
  std::string error;
  std::vector<std::string> recovered;  // interrupted saves found whole and put in place
};

Saved save_graded(const std::string& dir, const std::string& id, const nlohmann::json& json) {
  Saved saved;
  try {
    saved.path = save_attempt(dir, id, json, &saved.recovered);
  } catch (const std::exception& e) {
    saved.error = e.what();
  }
  return saved;
}

// Says on stderr what the save did; false when it failed.
bool report_saved(const Saved& saved) {
  for (const auto& line : saved.recovered) std::cerr << "perfloop: " << terminal_line(line) << "\n";
  if (!saved.error.empty()) {
    fail("could not save the attempt: " + saved.error);
    return false;
  }
  std::cerr << "perfloop: saved " << terminal_line(saved.path) << "\n";
  return true;
}

// `play --answers DIR`: every *.json file in the folder, by name, graded in
// one batch (the runs they share simulated once, on every core). A file that
// cannot be read is named and the rest still graded; the status says so.
int play_folder(const PlayOptions& options, LoopSession& session, const std::string& id) {
  std::vector<std::string> files;
  if (const std::string problem = answers_files_in(options.answers, files); !problem.empty()) return fail(problem);
  std::vector<std::string> graded_files, problems;
  std::vector<Answers> answers;
  for (const auto& file : files) {
    try {
      answers.push_back(read_answers_file(file, id, session.build()));
      graded_files.push_back(file);
    } catch (const AnswersError& e) {
      problems.push_back(e.what());
    } catch (const nlohmann::json::exception& e) {
      problems.push_back(file + ": " + e.what());
    }
  }
  const std::vector<PlayResult> results = grade_batch(session, answers);
  const SaveTarget target = save_target(options);
  nlohmann::json out = {{"scenario", id}, {"results", nlohmann::json::array()}, {"problems", problems}};
  std::string text;
  std::vector<Saved> saves;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const nlohmann::json json = play_result_json(results[i]);
    out["results"].push_back({{"file", graded_files[i]}, {"result", json}});
    char line[512];
    const std::string name = std::filesystem::path(graded_files[i]).filename().string();  // the folder is the one given
    std::snprintf(line, sizeof line, "%-32s %5.1f / 100 (%s)%s\n", terminal_line(name, 80).c_str(), results[i].total,
                  results[i].grade.c_str(), results[i].complete ? "" : ", partial answers");
    text += line;
    if (!target.dir.empty() && target.problem.empty()) saves.push_back(save_graded(target.dir, id, json));
  }
  // Saved first, then printed, then told: as for one file.
  std::cout << (options.json ? json_text(out) + "\n" : text) << std::flush;
  bool saved_all = target.problem.empty();
  for (const Saved& saved : saves) saved_all = report_saved(saved) && saved_all;
  for (const auto& problem : problems) std::cerr << "perfloop: " << terminal_line(problem) << "\n";
  if (!target.problem.empty()) return fail("could not save the attempts: " + target.problem);
  return problems.empty() && saved_all ? 0 : 2;
}

}  // namespace

int run_play(const PlayOptions& options) {
  return with_session(options.scenario, options.params, options.seed, "play", [&](LoopSession& session, const std::string& id) {
    if (std::filesystem::is_directory(options.answers)) return play_folder(options, session, id);
    PlayResult result;
    try {
      result = grade_answers(session, read_answers_file(options.answers, id, session.build()));
    } catch (const AnswersError& e) {
      return fail(e.what());
    } catch (const nlohmann::json::exception& e) {
      return fail(options.answers + ": " + e.what());
    }
    const nlohmann::json json = play_result_json(result);
    const std::string printed = options.json ? json_text(json) + "\n" : scorecard_text(result);
    const SaveTarget target = save_target(options);
    if (!target.problem.empty()) {
      std::cout << printed << std::flush;
      return fail("could not save the attempt: " + target.problem);
    }
    if (target.dir.empty()) {
      std::cout << printed;
      return 0;
    }
    const Saved saved = save_graded(target.dir, id, json);
    // A result that cannot be saved is still printed: the grading is not lost.
    std::cout << printed << std::flush;
    if (!report_saved(saved)) return 2;
    // What interrupted saves left, by name: the other attempts are not read.
    for (const auto& problem : leftover_problems(target.dir))
      std::cerr << "perfloop: " << terminal_line(problem) << "\n";
    return 0;
  });
}

}  // namespace perfloop::cli
