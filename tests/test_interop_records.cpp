// `perfloop records`: a data folder filled by the real code (a graded loop
// attempt, a partial one, a game day, quiz reviews) plus a damaged attempt,
// one from a newer perfloop and a torn review line, exported as xAPI and as
// CSV. The statements are checked field by field and against a JSON Schema
// of the xAPI subset (tests/data/), run by python3-jsonschema; the CSV is
// parsed back; the damaged files are named and left byte for byte as they were.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "sim/gameday/gameday_replay.h"
#include "sim/interop/learning_records.h"
#include "sim/interop/name_uuid.h"
#include "sim/learn/data_folder.h"
#include "sim/loop/attempt_store.h"
#include "sim/loop/loop_expert.h"
#include "sim/quiz/quiz_pool.h"
#include "sim/quiz/quiz_schedule.h"
#include "sim/quiz/quiz_store.h"
#include "tests/cli_runner.h"
#include "tests/test_support.h"

using namespace perfloop;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kLearner = "ada";
// A team name a spreadsheet would run as a formula, were it not defused.
constexpr const char* kFormulaTeam = "=HYPERLINK(\"http://x.test\",\"y\")";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A data folder written by the real savers, with what each holds.
struct Folder {
  std::string dir;
  int attempts = 0, steps = 0, reviews = 0, gamedays = 0;
  double gameday_mttr_s = 0.0;
  std::map<std::string, std::string> damaged;  // path -> its bytes before any export
  std::vector<UnixSeconds> review_times;

  std::size_t statements() const { return static_cast<std::size_t>(attempts + steps + reviews + gamedays); }
  std::string attempts_dir() const { return dir + "/attempts"; }
};

void save(Folder& f, const std::string& scenario, const json& result) {
  save_attempt(f.attempts_dir(), scenario, result);
  ++f.attempts;
  f.steps += static_cast<int>(result["steps"].size());
}

// The expert's answers, every step timed as a learner in the app would be.
void add_loop_attempts(Folder& f) {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/tutorial-first-page.lua"));
  LoopSession session(script, {}, 7);
  Answers answers = expert_answers(session, script.id());
  auto& b = answers.bottlenecks.at(0);
  b.observe->seconds = 30.5;
  b.profile->seconds = 754;
  b.classify->seconds = 12;
  save(f, script.id(), play_result_json(grade_answers(session, answers)));
  // Left before Verify: graded, saved, not complete, and nothing timed.
  Answers partial = expert_answers(session, script.id());
  partial.bottlenecks.at(0).verify.reset();
  partial.bottlenecks.at(0).move_on.reset();
  partial.enforce.reset();
  save(f, script.id(), play_result_json(grade_answers(session, partial)));
}

// The flagship replayed as a game day: the rollback lands at 50:00.
void add_gameday(Folder& f) {
  ScenarioScript script = ScenarioScript::load(test::source_path("scenarios/checkout-inventory-payload.lua"));
  LoopSession session(script, {}, 1);
  Answers a = expert_answers(session, script.id());
  auto& b = a.bottlenecks.at(0);
  const double fix_s = 3000;
  b.observe->at_s = fix_s - 600;
  b.profile->at_s = fix_s - 480;
  b.classify->at_s = fix_s - 360;
  b.predict->at_s = fix_s - 240;
  b.fix->at_s = fix_s;
  b.verify->at_s = fix_s + 420;
  b.move_on->at_s = fix_s + 480;
  a.enforce->at_s = fix_s + 600;
  GameDayOptions options;
  options.team = kFormulaTeam;
  const GameDayResult result = replay_gameday(script, a, "timed.json", options);
  REQUIRE(result.record.mttr_s());
  f.gameday_mttr_s = *result.record.mttr_s();
  save(f, script.id(), gameday_result_json(result));
  ++f.gamedays;
}

void add_reviews(Folder& f) {
  const QuizPool pool = load_quiz_pool(test::source_path("scenarios"));
  const std::string item = "classify:lock-bound";
  const UnixSeconds t0 = *parse_iso8601("2026-12-03T09:00:00Z");
  const QuizCard first = make_quiz_card(pool, draw_card_id(pool, *parse_quiz_item(item), quiz_card_seed(item, 0)));
  record_quiz_review(f.dir, false, first, Rating::Again, 0.0, t0, 12.5);
  const QuizCard second = make_quiz_card(pool, draw_card_id(pool, *parse_quiz_item(item), quiz_card_seed(item, 1)));
  record_quiz_review(f.dir, false, second, Rating::Good, 100.0, t0 + 600, -1);
  f.reviews = 2;
  f.review_times = {t0, t0 + 600};
}

// What an export must name and leave alone: a cut-off attempt, one from a
// newer perfloop, and a torn line at the end of the review log.
void add_damage(Folder& f) {
  const std::string broken = f.attempts_dir() + "/attempt-broken-1.json";
  write_all(broken, "{\"format\": \"perfloop-attempt\", \"version\": 1, \"result\": {\"total\": ");
  const std::string future = f.attempts_dir() + "/attempt-future-1.json";
  write_all(future, json{{"format", "perfloop-attempt"}, {"version", 2}, {"result", {{"total", 50}}}}.dump() + "\n");
  const std::string log = review_log_path(f.dir);
  std::ofstream(log, std::ios::binary | std::ios::app) << "{\"item\": \"classify:lock-b";
  for (const std::string& path : {broken, future, log}) f.damaged[path] = read_all(path);
}

const Folder& folder() {
  static Folder f = [] {
    Folder made;
    made.dir = (fs::temp_directory_path() / ("perfloop-records-" + std::to_string(::getpid()))).string();
    fs::remove_all(made.dir);
    prepare_data_folder(open_data_folder(made.dir));
    add_loop_attempts(made);
    add_gameday(made);
    add_reviews(made);
    add_damage(made);
    return made;
  }();
  // Removed when the tests end, however many of them used it.
  static const struct Remover {
    std::string dir;
    ~Remover() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remover{f.dir};
  return f;
}

LearningRecords gather(const std::string& dir) {
  RecordsSource source;
  source.data_dir = dir;
  source.learner = kLearner;
  return gather_learning_records(source);
}

const json& ext(const json& j, const std::string& name) {
  return j.at("https://perfloop.dev/xapi/extension/" + name);
}

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kDuration("^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$");

// RFC 4180: fields split by commas, records by CRLF; a field in double
// quotes may hold commas, line breaks and doubled quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      for (++i;; ++i) {
        REQUIRE(i < text.size());  // a quoted field must be closed
        if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (text[i] == '"') {
          ++i;
          break;
        } else {
          field += text[i];
        }
      }
    }
    if (i < text.size() && text[i] == ',') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (text.compare(i, 2, "\r\n") == 0) {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      i += 2;
    } else {
      REQUIRE(text[i] != '"');  // a quote only opens a field
      REQUIRE(text[i] != '\n');  // every record ends in CRLF
      field += text[i++];
    }
  }
  REQUIRE(row.empty());
  REQUIRE(field.empty());  // the last record ends in CRLF too
  return rows;
}

// Runs a Python snippet on files; 3 from the snippet means jsonschema is missing.
int run_python(const std::string& script, const std::vector<std::string>& args, std::string& out) {
  std::string command = "/usr/bin/python3 -c '" + script + "'";
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

constexpr const char* kValidate = R"(import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(3)
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:10]:
    print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0))";

// Validates a statements file against tests/data's schema; returns the errors.
std::string schema_errors(const std::string& statements_file, bool& valid) {
  std::string out;
  const int status = run_python(kValidate, {test::source_path("tests/data/xapi-statement-subset.schema.json"), statements_file}, out);
  if (status == 3) FAIL("python3-jsonschema is missing: run scripts/deps");
  REQUIRE((status == 0 || status == 1));
  valid = status == 0;
  return out;
}

}  // namespace

TEST_CASE("name-based UUIDs: SHA-1 and RFC 9562 version 5 match their published values", "[interop-records]") {
  auto hex = [](const Sha1Digest& d) {
    std::string s;
    char b[3];
    for (auto x : d) {
      std::snprintf(b, sizeof b, "%02x", x);
      s += b;
    }
    return s;
  };
  CHECK(hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex(sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  // 56 bytes: the padding needs a second block.
  CHECK(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(hex(sha1(std::string(1000, 'a'))) == "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  CHECK(uuid_text(name_uuid(kDnsNamespace, "python.org")) == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  CHECK(uuid_text(name_uuid(kUrlNamespace, kRecordsIriBase)) == "25c6902c-17be-59ec-9223-d137ae48c1e9");
}

TEST_CASE("records: every attempt, step, review and game day, each a valid xAPI statement with a stable id",
          "[interop-records]") {
  const Folder& f = folder();
  REQUIRE(f.attempts == 3);
  REQUIRE(f.gamedays == 1);
  REQUIRE(f.steps >= 3 * 4);
  const LearningRecords gathered = gather(f.dir);
  CHECK(gathered.attempts == f.attempts);
  CHECK(gathered.reviews == f.reviews);
  CHECK(gathered.gamedays == f.gamedays);

  // The damaged files are named, one line each, and nothing else is a problem.
  REQUIRE(gathered.problems.size() == 3);
  for (const auto& [path, bytes] : f.damaged) {
    const auto named = std::count_if(gathered.problems.begin(), gathered.problems.end(),
                                     [&](const std::string& p) { return p.find(path) != std::string::npos; });
    CHECK(named == 1);
  }
  CHECK_THAT(gathered.problems[0] + gathered.problems[1],
             Catch::Contains("not JSON") && Catch::Contains("unsupported version 2"));
  CHECK_THAT(gathered.problems[2], Catch::Contains("reviews.jsonl:4:"));

  const std::string text = records_xapi_json(gathered.records);
  const json statements = json::parse(text);
  REQUIRE(statements.is_array());
  REQUIRE(statements.size() == f.statements());
  // One statement per line, between the brackets.
  CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<long>(f.statements() + 2));

  std::set<std::string> ids;
  std::map<std::string, std::set<std::string>> registrations;  // source file -> registrations
  std::map<std::string, int> verbs;
  for (const json& s : statements) {
    INFO(s.dump(1));
    REQUIRE(s["id"].is_string());
    CHECK(std::regex_match(s["id"].get<std::string>(), kUuid));
    ids.insert(s["id"].get<std::string>());

    const json& actor = s.at("actor");
    CHECK((actor["objectType"] == "Agent" || actor["objectType"] == "Group"));
    CHECK(actor["name"].is_string());
    CHECK(actor.at("account")["name"] == actor["name"]);
    CHECK(actor["account"]["homePage"] == (actor["objectType"] == "Agent" ? "urn:perfloop" : "urn:perfloop:team"));

    const std::string verb = s.at("verb").at("id");
    CHECK(verb.rfind("http://adlnet.gov/expapi/verbs/", 0) == 0);
    CHECK(s["verb"]["display"]["en-US"] == verb.substr(verb.rfind('/') + 1));
    ++verbs[verb.substr(verb.rfind('/') + 1)];

    const json& object = s.at("object");
    CHECK(object["objectType"] == "Activity");
    CHECK(object["id"].get<std::string>().rfind("https://perfloop.dev/xapi/", 0) == 0);
    CHECK(object["definition"]["name"]["en-US"].is_string());
    CHECK(object["definition"]["type"].get<std::string>().rfind("http://adlnet.gov/expapi/activities/", 0) == 0);

    const json& score = s.at("result").at("score");
    REQUIRE(score["scaled"].is_number());
    CHECK(score["scaled"].get<double>() >= -1.0);
    CHECK(score["scaled"].get<double>() <= 1.0);
    CHECK(score["raw"].get<double>() >= score["min"].get<double>());
    CHECK(score["raw"].get<double>() <= score["max"].get<double>());
    CHECK(score["scaled"].get<double>() == Approx(score["raw"].get<double>() / score["max"].get<double>()).margin(1e-4));
    if (s["result"].contains("duration")) CHECK(std::regex_match(s["result"]["duration"].get<std::string>(), kDuration));
    if (s["result"].contains("success")) CHECK(s["result"]["success"].is_boolean());

    REQUIRE(s["timestamp"].is_string());
    const auto time = parse_iso8601(s["timestamp"].get<std::string>());
    REQUIRE(time);
    CHECK(s["timestamp"].get<std::string>().back() == 'Z');

    const json& context = s.at("context");
    CHECK(context["platform"] == "perfloop");
    const std::string source = ext(context["extensions"], "source");
    if (source.rfind("attempts/", 0) == 0) {
      REQUIRE(context["registration"].is_string());
      CHECK(std::regex_match(context["registration"].get<std::string>(), kUuid));
      registrations[source].insert(context["registration"].get<std::string>());
      // An attempt's time is when its file was saved.
      struct stat info {};
      REQUIRE(::stat((f.dir + "/" + source).c_str(), &info) == 0);
      CHECK(*time == info.st_mtime);
      CHECK(ext(context["extensions"], "seed").is_string());
    } else {
      CHECK(source == "quiz/reviews.jsonl");
      CHECK_FALSE(context.contains("registration"));
    }
  }
  CHECK(ids.size() == statements.size());
  // One registration per attempt, shared by its steps and its game day.
  CHECK(registrations.size() == 3);
  for (const auto& [source, set] : registrations) CHECK(set.size() == 1);
  CHECK(verbs["answered"] == f.steps + f.reviews);
  CHECK(verbs["completed"] == 2 + f.gamedays);  // the whole loop attempt, the game day's attempt and its result
  CHECK(verbs["attempted"] == 1);               // the one left before Verify

  // The same folder exported again: the same bytes, so the same ids.
  CHECK(records_xapi_json(gather(f.dir).records) == text);

  // Figures: the timed loop attempt, the partial one, the game day and the reviews.
  auto find = [&](auto pred) {
    const auto it = std::find_if(statements.begin(), statements.end(), pred);
    REQUIRE(it != statements.end());
    return it;
  };
  const auto whole_at = find([](const json& s) {
    return s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed" &&
           s["object"]["id"] == "https://perfloop.dev/xapi/scenario/tutorial-first-page";
  });
  const json& whole = *whole_at;
  CHECK(whole["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/simulation");
  CHECK(whole["result"]["completion"] == true);
  CHECK(whole["result"]["success"] == (whole["result"]["score"]["raw"].get<double>() >= 75.0));
  CHECK(whole["result"]["duration"] == "PT796.5S");  // 30.5 + 754 + 12 s over the timed steps
  CHECK(whole["actor"]["objectType"] == "Agent");
  CHECK(whole["actor"]["name"] == kLearner);
  CHECK(ext(whole["context"]["extensions"], "mode") == "loop");
  CHECK(ext(whole["context"]["extensions"], "seed") == "7");
  // Its steps follow it, Observe first.
  const json& observe = *(whole_at + 1);
  CHECK(observe["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered");
  CHECK(observe["object"]["id"].get<std::string>().ends_with("/step/observe"));
  CHECK(observe["result"]["duration"] == "PT30.5S");
  CHECK(observe["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/interaction");
  CHECK(observe["context"]["contextActivities"]["parent"][0]["id"] == whole["object"]["id"]);
  CHECK(observe["context"]["registration"] == whole["context"]["registration"]);
  CHECK((*(whole_at + 2))["result"]["duration"] == "PT754S");

  const json& partial = *find([](const json& s) { return s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attempted"; });
  CHECK(partial["result"]["completion"] == false);
  CHECK_FALSE(partial["result"].contains("duration"));

  const json& game = *find([](const json& s) {
    return s["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/performance";
  });
  CHECK(game["actor"]["objectType"] == "Group");
  CHECK(game["actor"]["name"] == kFormulaTeam);
  CHECK(game["object"]["id"] == "https://perfloop.dev/xapi/gameday/checkout-inventory-payload");
  CHECK(game["result"]["success"] == true);  // recovered
  CHECK(ext(game["result"]["extensions"], "mttr-s").get<double>() == Approx(f.gameday_mttr_s));
  CHECK(f.gameday_mttr_s == Approx(200.0));  // the page at 47:40, recovered at 51:00
  CHECK(ext(game["context"]["extensions"], "mode") == "gameday");
  CHECK(ext(game["context"]["extensions"], "signals") == "metrics,logs,traces,profiles,rum");
  // The game day's attempt, steps and result all name the team; nothing else does.
  for (const json& s : statements)
    CHECK((s["actor"]["objectType"] == "Group") == (s["context"].value("registration", "") == game["context"]["registration"]));

  std::vector<json> reviews;
  for (const json& s : statements)
    if (s["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/question") reviews.push_back(s);
  REQUIRE(reviews.size() == 2);
  CHECK(reviews[0]["object"]["id"] == "https://perfloop.dev/xapi/quiz/classify/lock-bound");
  CHECK(reviews[0]["timestamp"] == format_iso8601(f.review_times[0]));
  CHECK(reviews[0]["result"]["duration"] == "PT12.5S");
  CHECK(reviews[0]["result"]["success"] == false);
  CHECK(ext(reviews[0]["result"]["extensions"], "rating") == "again");
  CHECK(reviews[1]["timestamp"] == "2026-12-03T09:10:00Z");
  CHECK(reviews[1]["result"]["success"] == true);
  CHECK(reviews[1]["result"]["score"]["scaled"] == 1.0);
  CHECK_FALSE(reviews[1]["result"].contains("duration"));

  // The damaged files are as they were.
  for (const auto& [path, bytes] : f.damaged) CHECK(read_all(path) == bytes);
}

TEST_CASE("records: the statements pass a JSON Schema of the xAPI subset, and a broken one does not", "[interop-records]") {
  const Folder& f = folder();
  const std::string good = f.dir + "-statements.json";
  const std::string bad = f.dir + "-broken-statements.json";
  json statements = json::parse(records_xapi_json(gather(f.dir).records));
  write_all(good, statements.dump());
  bool valid = false;
  const std::string errors = schema_errors(good, valid);
  INFO(errors);
  CHECK(valid);
  // The schema is not a rubber stamp: a score past 1 and a duration that is
  // not ISO-8601 are both caught.
  statements[0]["result"]["score"]["scaled"] = 1.5;
  statements[1]["result"]["duration"] = "30.5 s";
  write_all(bad, statements.dump());
  const std::string bad_errors = schema_errors(bad, valid);
  CHECK_FALSE(valid);
  CHECK_THAT(bad_errors, Catch::Contains("1.5") && Catch::Contains("30.5 s"));
  fs::remove(good);
  fs::remove(bad);
}

TEST_CASE("records: the CSV parses back, one row per statement, with formulas defused", "[interop-records]") {
  const Folder& f = folder();
  const LearningRecords gathered = gather(f.dir);
  const std::string csv = records_csv(gathered.records);
  const auto rows = parse_csv(csv);
  REQUIRE(rows.size() == 1 + f.statements());
  const std::vector<std::string> header = {"learner", "mode", "record", "scenario_or_item", "bottleneck", "step", "score",
                                           "max", "success", "duration_s", "detect_s", "mttr_s", "time", "statement_id"};
  CHECK(rows[0] == header);
  std::set<std::string> ids;
  std::map<std::string, int> kinds;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == header.size());
    for (const auto& field : row)
      if (!field.empty()) CHECK(std::string("=+-@\t\r").find(field[0]) == std::string::npos);
    CHECK(parse_iso8601(row[12]));
    ids.insert(row[13]);
    ++kinds[row[2]];
  }
  CHECK(kinds["attempt"] == f.attempts);
  CHECK(kinds["step"] == f.steps);
  CHECK(kinds["review"] == f.reviews);
  CHECK(kinds["gameday"] == f.gamedays);
  // The same ids as the statements.
  std::set<std::string> statement_ids;
  for (const auto& r : gathered.records) statement_ids.insert(r.id);
  CHECK(ids == statement_ids);

  const auto game = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r[2] == "gameday"; });
  REQUIRE(game != rows.end());
  CHECK((*game)[0] == std::string("'") + kFormulaTeam);
  CHECK((*game)[1] == "gameday");
  CHECK((*game)[3] == "checkout-inventory-payload");
  CHECK((*game)[8] == "true");
  CHECK(std::stod((*game)[11]) == Approx(f.gameday_mttr_s));
  const auto whole = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r[2] == "attempt" && r[9] == "796.5"; });
  REQUIRE(whole != rows.end());
  CHECK(*whole == std::vector<std::string>{kLearner, "loop", "attempt", "tutorial-first-page", "", "", (*whole)[6], "100",
                                           (*whole)[8], "796.5", "", "", (*whole)[12], (*whole)[13]});
  const auto review = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r[2] == "review"; });
  REQUIRE(review != rows.end());
  CHECK((*review)[3] == "classify:lock-bound");
  CHECK((*review)[9] == "12.5");
  CHECK((*review)[12] == "2026-12-03T09:00:00Z");

  // Python's csv module, a consumer we did not write, reads the same table.
  std::string out;
  const std::string file = f.dir + "-records.csv";
  write_all(file, csv);
  const int status = run_python(
      "import csv, sys\nrows = list(csv.reader(open(sys.argv[1], newline=\"\")))\nprint(len(rows), len({len(r) for r in rows}), rows[0][0])",
      {file}, out);
  CHECK(status == 0);
  CHECK(out == std::to_string(rows.size()) + " 1 learner\n");
  fs::remove(file);
}

TEST_CASE("records: quoting and defusing of hostile text, and durations to the hundredth", "[interop-records]") {
  LearningRecord r;
  r.kind = RecordKind::GameDay;
  r.mode = "gameday";
  r.actor = "@SUM(1+1)";
  r.actor_is_team = true;
  r.scenario = "a,\"b\"\r\nc";
  r.step = "-2+3";
  r.score = 50;
  r.duration_s = 754;
  r.id = "x";
  LearningRecord later = r;
  later.actor = "plain";
  later.scenario = "+1";
  later.duration_s = 0.004;
  const auto rows = parse_csv(records_csv({r, later}));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1][0] == "'@SUM(1+1)");
  CHECK(rows[1][3] == "a,\"b\"\r\nc");
  CHECK(rows[1][5] == "'-2+3");
  CHECK(rows[1][9] == "754");
  CHECK(rows[2][0] == "plain");
  CHECK(rows[2][3] == "'+1");
  CHECK(rows[2][9] == "0");
  const json statements = json::parse(records_xapi_json({r, later}));
  CHECK(statements[0]["result"]["duration"] == "PT754S");
  CHECK(statements[1]["result"]["duration"] == "PT0S");
  // Nothing to export is still a document: an empty array, a header.
  CHECK(json::parse(records_xapi_json({})) == json::array());
  CHECK(parse_csv(records_csv({})).size() == 1);
  // Odd characters in an id are percent-encoded in the activity's IRI.
  CHECK(statements[0]["object"]["id"] == "https://perfloop.dev/xapi/gameday/a%2C%22b%22%0D%0Ac");
}

TEST_CASE("records: a review log and a folder marked by a newer perfloop are named, read no further, and left alone",
          "[interop-records]") {
  const std::string dir = (fs::temp_directory_path() / ("perfloop-records-newer-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir + "/quiz");
  const std::string marker = dir + "/perfloop-data.json";
  const std::string log = dir + "/quiz/reviews.jsonl";
  write_all(marker, "{\"format\": \"perfloop-data\", \"version\": 9}\n");
  write_all(log, "{\"format\":\"perfloop-quiz-log\",\"version\":2}\n{\"item\":\"classify:lock-bound\"}\n");
  save_attempt(dir + "/attempts", "x", {{"scenario", "x"}, {"total", 50.0}, {"steps", json::array()}});
  const std::string marker_bytes = read_all(marker), log_bytes = read_all(log);

  const LearningRecords gathered = gather(dir);
  CHECK(gathered.attempts == 1);
  CHECK(gathered.reviews == 0);
  REQUIRE(gathered.records.size() == 1);
  CHECK(gathered.records[0].success == false);  // 50 is below the pass mark
  REQUIRE(gathered.problems.size() == 2);
  CHECK_THAT(gathered.problems[0], Catch::Contains(marker) && Catch::Contains("newer perfloop"));
  CHECK_THAT(gathered.problems[1], Catch::Contains(log) && Catch::Contains("newer perfloop"));
  CHECK(read_all(marker) == marker_bytes);
  CHECK(read_all(log) == log_bytes);
  fs::remove_all(dir);
}

TEST_CASE("perfloop records: both formats through the binary, damage on stderr, exit 2 only for bad arguments",
          "[interop-records]") {
  using test::run_cli;
  const Folder& f = folder();
  const std::string out = f.dir + "-cli.json";
  const auto r = run_cli("records --data '" + f.dir + "' --format xapi -o '" + out + "' --learner " + kLearner);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.empty());
  // The same statements as the library's, for the same learner and folder.
  CHECK(read_all(out) == records_xapi_json(gather(f.dir).records));
  for (const auto& [path, bytes] : f.damaged) {
    CHECK_THAT(r.err, Catch::Contains(path));
    CHECK(read_all(path) == bytes);
  }
  CHECK_THAT(r.err, Catch::Contains(std::to_string(f.statements()) +
                                    " statements from 3 attempts, 2 reviews, 1 game day -> " + out + " (3 problems above)"));

  const auto csv = run_cli("records --data '" + f.dir + "' --format csv -o - --learner " + kLearner);
  REQUIRE(csv.status == 0);
  CHECK(csv.out == records_csv(gather(f.dir).records));
  CHECK_THAT(csv.err, Catch::Contains(std::to_string(f.statements()) + " rows from") &&
                          Catch::Contains("-> standard output"));
  // Without --learner: the login name.
  const auto user = run_cli("records --data '" + f.dir + "' --format csv -o -", "USER=grace ");
  REQUIRE(user.status == 0);
  CHECK(user.out.find("\r\ngrace,loop,attempt,") != std::string::npos);

  // A pipe named as the output is written into, not replaced by a file
  // (nor would /dev/null be).
  const std::string fifo = f.dir + "-fifo", piped = f.dir + "-piped.csv";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto through_pipe = run_cli("records --data '" + f.dir + "' --format csv -o '" + fifo + "' --learner " + kLearner,
                                    "(timeout 20 cat '" + fifo + "' > '" + piped + "' &); ");
  CHECK(through_pipe.status == 0);
  struct stat info {};
  REQUIRE(::lstat(fifo.c_str(), &info) == 0);
  CHECK(S_ISFIFO(info.st_mode));
  for (int tries = 0; tries < 100 && read_all(piped) != csv.out; ++tries) ::usleep(50'000);
  CHECK(read_all(piped) == csv.out);
  fs::remove(fifo);
  fs::remove(piped);

  struct Case {
    std::string args, expect;
  };
  const Case bad[] = {
      {"records --data '" + f.dir + "' -o -", "--format"},
      {"records --data '" + f.dir + "' --format yaml -o -", "yaml"},
      {"records --data '" + f.dir + "' --format csv", "--output"},
      {"records --data '" + f.dir + "/nowhere' --format csv -o -", "no data folder"},
      {"records --data '" + f.dir + "' --format csv -o '" + f.dir + "/no/such/folder/x.csv'", "could not write"},
      {"records --data '" + f.dir + "' --format csv -o '" + f.dir + "'", "is a folder"},
  };
  for (const auto& c : bad) {
    INFO(c.args);
    const auto b = run_cli(c.args);
    CHECK(b.status == 2);
    CHECK_THAT(b.err, Catch::Contains(c.expect));
    CHECK(b.out.empty());
  }
  fs::remove(out);
}
