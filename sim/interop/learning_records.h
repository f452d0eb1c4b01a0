// Learning records: what a learner's data folder says they practised, as
// xAPI statements for a learning record store or as CSV for a spreadsheet.
// Reading is read-only: a file this perfloop cannot read (a damaged attempt,
// a review log or attempt from a newer version) is named in `problems` and
// left as it is, and the rest is exported.
//
// One record per saved attempt (loop or game day), one per answered step of
// an attempt, one per quiz review and one more per game day: the team's
// result (recovered or not, time to detect, MTTR).
//
// Where the data is silent the export says so instead of inventing:
// - an attempt file holds no time of its own: its time is the file's
//   modification time, which is when it was saved (attempts are written
//   once and never rewritten); a copy that does not keep times moves it;
// - an attempt does not say whether it was free play or an item of the
//   onboarding track: both are mode "loop" (the track counts any attempt
//   at a scenario's defaults);
// - a game day's answers are the team's: its records name the team, not the
//   learner whose folder holds them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/learn/iso_time.h"

namespace perfloop {

// Activities, extensions and the team accounts live under this base.
inline constexpr const char* kRecordsIriBase = "https://perfloop.dev/xapi/";
// The account home page of learners and teams named by perfloop alone.
inline constexpr const char* kLearnerHomePage = "urn:perfloop";
inline constexpr const char* kTeamHomePage = "urn:perfloop:team";

enum class RecordKind { Attempt, Step, Review, GameDay };

const char* record_kind_name(RecordKind kind);  // attempt, step, review, gameday

struct LearningRecord {
  RecordKind kind = RecordKind::Attempt;
  std::string mode;          // loop, gameday (as the attempt says), quiz
  std::string actor;         // the learner, or a game day's team
  bool actor_is_team = false;
  std::string source;        // the file it came from, relative to the data folder

  std::string scenario;      // attempts, steps, game days
  std::string bottleneck;    // steps: as saved (Enforce, answered once per scenario, carries the last one)
  std::string step;          // steps: observe ... move_on
  std::string item;          // reviews: "kind:family"
  std::string card;          // reviews: the card shown
  std::string rating;        // reviews: again, hard, good, easy

  double score = 0.0, max = 100.0;  // raw points, 0..max
  std::optional<bool> success;      // passed the mark (attempts, reviews), recovered (game days)
  std::optional<bool> completion;   // attempts: every step answered
  std::optional<double> duration_s; // time the learner spent, where it was recorded
  UnixSeconds time = 0;

  // Attempts and their steps and game day.
  std::optional<std::uint64_t> seed;
  nlohmann::json params = nlohmann::json::object();
  std::string grade;
  int hints_used = 0;
  // Game days, in simulated seconds.
  std::string signals;
  std::optional<double> detect_s, mttr_s;
  int wrong_fixes = 0;

  std::string id;            // the statement's UUID, stable across exports
  std::string registration;  // one UUID for an attempt's statements; empty for reviews
};

struct LearningRecords {
  std::vector<LearningRecord> records;  // attempts by file name, each followed by its steps and game day; then reviews
  std::vector<std::string> problems;    // "path: why", one per file (or log line) skipped or folder warning
  int attempts = 0, reviews = 0, gamedays = 0;
};

struct RecordsSource {
  std::string data_dir;
  std::string learner = "learner";
  // An attempt passes at this total: the score the onboarding track asks
  // before it opens the next item (assets/track.json, 75: "solid").
  double pass_mark = 75.0;
};

// Reads DATA/attempts/ and DATA/quiz/reviews.jsonl. Never writes.
LearningRecords gather_learning_records(const RecordsSource& source);

// A JSON array of xAPI 2.0 statements, one per record.
std::string records_xapi_json(const std::vector<LearningRecord>& records);

// RFC 4180 CSV (CRLF, a header line): learner, mode, record,
// scenario_or_item, bottleneck, step, score, max, success, duration_s,
// detect_s, mttr_s, time, statement_id. Text that a spreadsheet would take
// for a formula (= + - @, a tab or a CR first) starts with a ' instead.
std::string records_csv(const std::vector<LearningRecord>& records);

}  // namespace perfloop
