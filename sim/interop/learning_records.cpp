// Reading a data folder into learning records. The writers are
// records_xapi.cpp and records_csv.cpp.
#include "sim/interop/learning_records.h"

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "sim/gameday/game_record.h"
#include "sim/interop/name_uuid.h"
#include "sim/learn/data_folder.h"
#include "sim/learn/fsrs.h"
#include "sim/learn/review_log.h"
#include "sim/loop/attempt_store.h"

namespace perfloop {

using nlohmann::json;

const char* record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::Attempt: return "attempt";
    case RecordKind::Step: return "step";
    case RecordKind::Review: return "review";
    case RecordKind::GameDay: return "gameday";
  }
  return "?";
}

namespace {

// Ids are version-5 UUIDs of a name that spells out what the record is, in
// a namespace of perfloop's own: the same folder exported twice, or by two
// machines, gives the same ids, and a store ignores a statement it has.
std::string record_uuid(const std::string& name) {
  static const Uuid records_namespace = name_uuid(kUrlNamespace, kRecordsIriBase);
  return uuid_text(name_uuid(records_namespace, name));
}

[[noreturn]] void bad(const std::string& field, const std::string& what) { throw std::runtime_error(field + ": " + what); }

double finite_number(const json& j, const std::string& field) {
  if (!j.is_number() || !std::isfinite(j.get<double>())) bad(field, "must be a number");
  return j.get<double>();
}

std::optional<double> optional_seconds(const json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  const double seconds = finite_number(*it, where + key);
  if (seconds < 0) bad(where + key, "must be 0 or more");
  return seconds;
}

std::string text_or(const json& j, const char* key, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) bad(key, "must be a non-empty string");
  return it->get<std::string>();
}

// When the file was saved: attempts are written once, by rename, and never changed.
std::optional<UnixSeconds> saved_at(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return static_cast<UnixSeconds>(info.st_mtime);
}

// The attempt's own record, filled from the play result; throws naming the field.
LearningRecord attempt_record(const json& r, const RecordsSource& source) {
  LearningRecord a;
  a.kind = RecordKind::Attempt;
  a.scenario = text_or(r, "scenario", "");
  if (a.scenario.empty()) bad("scenario", "missing");
  a.mode = text_or(r, "mode", "loop");
  a.score = finite_number(r.at("total"), "total");
  if (a.score < 0 || a.score > 100) bad("total", "must be from 0 to 100");
  a.max = 100.0;
  a.success = a.score >= source.pass_mark;
  if (const auto it = r.find("complete"); it != r.end()) {
    if (!it->is_boolean()) bad("complete", "must be true or false");
    a.completion = it->get<bool>();
  }
  a.duration_s = optional_seconds(r, "seconds_total", "");
  if (const auto it = r.find("seed"); it != r.end()) {
    if (!it->is_number_unsigned()) bad("seed", "must be a whole number, 0 or more");
    a.seed = it->get<std::uint64_t>();
  }
  if (const auto it = r.find("params"); it != r.end()) {
    if (!it->is_object()) bad("params", "must be an object");
    a.params = *it;
  }
  a.grade = text_or(r, "grade", "");
  a.actor = source.learner;
  return a;
}

// The answered steps, each on the attempt's pattern; throws naming the field.
std::vector<LearningRecord> step_records(const json& r, const LearningRecord& attempt) {
  std::vector<LearningRecord> steps;
  const auto list = r.find("steps");
  if (list == r.end()) return steps;  // an attempt saved before steps were kept
  if (!list->is_array()) bad("steps", "must be an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& s = (*list)[i];
    const std::string where = "steps[" + std::to_string(i) + "].";
    if (!s.is_object()) bad(where.substr(0, where.size() - 1), "must be an object");
    LearningRecord step = attempt;
    step.kind = RecordKind::Step;
    step.success.reset();
    step.completion.reset();
    step.grade.clear();
    if (!s.contains("step") || !s["step"].is_string() || s["step"].get_ref<const std::string&>().empty())
      bad(where + "step", "must be a step name");
    step.step = s["step"].get<std::string>();
    if (s.contains("bottleneck")) {
      if (!s["bottleneck"].is_string()) bad(where + "bottleneck", "must be a string");
      step.bottleneck = s["bottleneck"].get<std::string>();
    }
    if (!s.contains("score") || !s.contains("max")) bad(where + "score", "missing, or without a max");
    step.score = finite_number(s["score"], where + "score");
    step.max = finite_number(s["max"], where + "max");
    if (!(step.max > 0)) bad(where + "max", "must be above 0");
    if (step.score < 0 || step.score > step.max) bad(where + "score", "must be from 0 to the step's max");
    step.duration_s = optional_seconds(s, "seconds", where);
    step.hints_used = 0;
    if (const auto h = s.find("hints_used"); h != s.end()) {
      if (!h->is_number_unsigned()) bad(where + "hints_used", "must be a whole number, 0 or more");
      step.hints_used = static_cast<int>(std::min<std::uint64_t>(h->get<std::uint64_t>(), 1000));
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

// Every record one attempt file holds, or an exception naming what is wrong:
// a file is exported whole or not at all, so the counts never mix halves.
std::vector<LearningRecord> attempt_records(const json& r, const std::string& file, UnixSeconds time,
                                            const RecordsSource& source) {
  LearningRecord attempt = attempt_record(r, source);
  std::optional<GameRecord> game;
  if (is_gameday_result(r)) {
    game = read_game_record(r);
    attempt.actor = game->team;
    attempt.actor_is_team = true;
  }
  attempt.source = "attempts/" + file;
  attempt.time = time;
  std::vector<LearningRecord> steps = step_records(r, attempt);
  int hints = 0;
  for (const auto& s : steps) hints += s.hints_used;
  attempt.hints_used = game ? game->hints_used : hints;

  // Who, which file and exactly what it holds: a second attempt with the
  // same answers in another file is another attempt.
  const std::string key = std::string(attempt.actor_is_team ? "team:" : "learner:") + attempt.actor + "\n" +
                          attempt.source + "\n" + r.dump();
  attempt.registration = record_uuid("registration\n" + key);
  attempt.id = record_uuid("attempt\n" + key);
  std::vector<LearningRecord> records{attempt};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    steps[i].registration = attempt.registration;
    steps[i].id = record_uuid("step " + std::to_string(i) + "\n" + key);
    records.push_back(std::move(steps[i]));
  }
  if (game) {
    LearningRecord g = attempt;
    g.kind = RecordKind::GameDay;
    g.completion.reset();
    g.duration_s.reset();  // a game day's times are simulated: they go in detect_s and mttr_s
    g.success = game->recovered_s.has_value();
    g.signals = signal_list(game->signals);
    g.detect_s = game->detect_s();
    g.mttr_s = game->mttr_s();
    g.wrong_fixes = game->wrong_fixes();
    g.id = record_uuid("gameday\n" + key);
    records.push_back(std::move(g));
  }
  return records;
}

void gather_attempts(const DataFolder& folder, const RecordsSource& source, LearningRecords& out) {
  const std::vector<std::string> problems = visit_attempts(folder.attempts_dir(), [&](const std::string& path, json&& r) {
    const std::string file = std::filesystem::path(path).filename().string();
    try {
      const std::optional<UnixSeconds> time = saved_at(path);
      if (!time) bad("the file", "its time could not be read");
      std::vector<LearningRecord> records = attempt_records(r, file, *time, source);
      ++out.attempts;
      if (records.back().kind == RecordKind::GameDay) ++out.gamedays;
      for (auto& record : records) out.records.push_back(std::move(record));
    } catch (const std::exception& e) {
      out.problems.push_back(path + ": skipped: " + e.what());
    }
  });
  out.problems.insert(out.problems.end(), problems.begin(), problems.end());
}

void gather_reviews(const DataFolder& folder, const RecordsSource& source, LearningRecords& out) {
  const ReviewLog log = read_review_log(review_log_path(folder.dir));
  out.problems.insert(out.problems.end(), log.problems.begin(), log.problems.end());
  // Two reviews alike in every field (the same card answered twice in one
  // second) are told apart by how many came before.
  std::map<std::string, int> seen;
  for (const ReviewEntry& e : log.entries) {
    LearningRecord r;
    r.kind = RecordKind::Review;
    r.mode = "quiz";
    r.actor = source.learner;
    r.source = "quiz/reviews.jsonl";
    r.item = e.item;
    r.card = e.card;
    r.rating = rating_name(e.rating);
    r.score = e.score;
    r.max = 100.0;
    // The quiz's own line between a pass and a lapse: the rating it suggests.
    r.success = suggested_rating(e.score / 100.0) != Rating::Again;
    if (e.duration_ms) r.duration_s = static_cast<double>(*e.duration_ms) / 1000.0;
    r.time = e.time;
    const std::string key = "learner:" + source.learner + "\n" + e.item + "\n" + e.card + "\n" + r.rating + "\n" +
                            json(e.score).dump() + "\n" + std::to_string(e.time) + "\n" +
                            (e.duration_ms ? std::to_string(*e.duration_ms) : "-");
    r.id = record_uuid("review " + std::to_string(seen[key]++) + "\n" + key);
    out.records.push_back(std::move(r));
    ++out.reviews;
  }
}

}  // namespace

LearningRecords gather_learning_records(const RecordsSource& source) {
  LearningRecords out;
  const DataFolder folder = open_data_folder(source.data_dir);
  // A folder marked by a newer perfloop is still read as far as it can be.
  if (!folder.writable()) out.problems.push_back(folder.problem);
  gather_attempts(folder, source, out);
  gather_reviews(folder, source, out);
  return out;
}

}  // namespace perfloop
