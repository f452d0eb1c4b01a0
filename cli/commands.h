// The CLI's subcommands. Each returns the process exit status: 0 on success,
// 2 for bad input (arguments, scenarios), with one line on stderr naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/interop/run_export.h"

namespace perfloop::cli {

struct SimulateOptions {
  std::string scenario;
  std::uint64_t seed = 1;
  std::vector<std::string> params;  // NAME=VALUE
  std::vector<std::string> fixes;
  bool json = false;
  bool windows = false;
  int traces = 0;
};

struct BenchOptions {
  std::uint64_t requests = 2'000'000;
  int quiz_cards = 46;  // quiz cards made, spread over every item (0: none)
  bool json = false;
  bool gui = true;  // the app's figures too (a child `perfloop gui` each), when there is a display
};

struct SolveOptions {
  std::string scenario;
  std::uint64_t seed = 1;
  std::vector<std::string> params;
  bool json = false;
};

struct PlayOptions {
  std::string scenario;
  std::string answers;  // path of the answers file
  std::uint64_t seed = 1;
  std::vector<std::string> params;
  bool json = false;
  std::string save_dir;  // empty: do not save
  std::string data_dir;  // the learner's data folder: saves to its attempts/ (empty: not used)
};

struct TrackOptions {
  std::string data_dir;  // empty: the default data folder
  bool json = false;
};

struct QuizOptions {
  std::string action;    // next, card, answer, stats
  std::string card_id;   // card, answer
  std::string kind;      // next: classify, predict, enforce (empty: any)
  std::string item;      // next: "kind:family" (empty: the schedule's)
  std::string answer;    // answer: JSON text or a file holding it
  std::string rating;    // answer: again, hard, good, easy (empty: the grade's suggestion)
  std::string data_dir;  // empty: the default data folder
  std::string at;        // ISO-8601 (empty: now)
  bool json = false;
};

struct GameDayCommand {
  std::string scenario;
  std::string answers;   // the answers format with at_s on each step
  std::string team = "team";
  std::uint64_t seed = 1;
  std::string signals = "all";
  std::vector<std::string> params;
  std::string save_dir;  // empty: do not save
  bool json = false;
};

struct ScoreboardCommand {
  std::string dir;
  bool json = false;
};

struct DebriefCommand {
  std::string source;  // an attempt file, or a folder of them
  std::string team;    // empty: every team's best (a folder) or the file's
  std::string output;  // the report's path; empty or "-": standard output, no chart
};

struct ExportOptions {
  std::string scenario;           // an id or a path; found into request.scenario_path
  RunExportRequest request;       // what, format, window, endpoint, stream, fixes, seed
  std::string output;             // "-": standard output
  bool stream_given = false;
  std::vector<std::string> params;
  std::string epoch;              // ISO-8601; empty: 2026-01-01T00:00:00Z
};

struct ImportOptions {
  std::string file;
  bool json = false;
  int top = 10;
};

struct RecordsOptions {
  std::string data_dir;  // empty: the default data folder
  std::string format;    // xapi or csv
  std::string output;    // a path, or "-": standard output
  std::string learner;   // empty: $USER, else "learner"
};

int run_simulate(const SimulateOptions& options);
// Prints the expert's answers (the answers format, always JSON; --json only
// accepted for symmetry with the other commands).
int run_solve(const SolveOptions& options);
// Grades an answers file; 0 when graded (whatever the score), 2 for bad input.
int run_play(const PlayOptions& options);
// Exit 0 when every file is sound, else 2 with one line per problem on
// stderr. With `simulate`, each sound file is also run and every claim it
// makes is proven; each false one is a problem line.
int run_check(const std::vector<std::string>& files, bool simulate);
// Broken scenarios are reported on stderr and skipped; the rest are listed
// (a file not named after its id with a warning on stderr).
int run_list(bool json);
int run_bench(const BenchOptions& options);
// Writes a run's profile, traces or metrics in an outside tool's format; 2 for bad input.
int run_export(const ExportOptions& options);
// Reads a profile file and prints its summary; 2 when it cannot be read.
int run_import(const ImportOptions& options);
// The onboarding track with the learner's progress; 2 when the track or the
// catalogue cannot be read.
int run_track(const TrackOptions& options);
// The self-paced quizzes; 2 for a bad id, answer, item or time, or a data
// folder it may not write to (the result is printed first).
int run_quiz(const QuizOptions& options);
// Replays a team's timed answers live; 0 when played (whatever the score), 2 for bad input.
int run_gameday(const GameDayCommand& options);
// Ranks the game-day attempts of a folder; damaged files are listed on stderr.
int run_scoreboard(const ScoreboardCommand& options);
// Writes the post-incident report (and its chart beside it).
int run_debrief(const DebriefCommand& options);
// Exports the data folder's attempts, quiz reviews and game days as xAPI
// statements or CSV; files it cannot read are named on stderr and skipped
// (still 0); 2 for bad arguments, no data folder, or an output it cannot write.
int run_records(const RecordsOptions& options);

// "NAME=VALUE" into `out`; false with `error` set for a malformed one.
bool parse_param(const std::string& text, ParamValues& out, std::string& error);

// The answers files (*.json) of a folder, by name, into `files`; a problem
// naming the folder when it cannot be read or holds none.
std::string answers_files_in(const std::string& dir, std::vector<std::string>& files);

// Prints "perfloop: <message>" on stderr and returns 2.
int fail(const std::string& message);

}  // namespace perfloop::cli
