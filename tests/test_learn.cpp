// The onboarding track and what it shares with the other modes: progress
// read from saved attempts (unlocking at 75, at the defaults only), no
// spoilers before a scenario is played (pager lines, no families), hints
// that cost what they say in the CLI and the app alike, the coach's texts
// filled with the simulation's numbers on every track item, and a data
// folder that reports and leaves alone what this version cannot read.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli_runner.h"
#include "sim/learn/coach.h"
#include "sim/learn/data_folder.h"
#include "sim/learn/glossary.h"
#include "sim/learn/track.h"
#include "sim/loop/attempt_store.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/scoring.h"
#include "test_support.h"
#include "ui/core/play_state.h"

using namespace perfloop;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("perfloop-learn-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str() const { return path.string(); }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string file_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json attempt(const std::string& scenario, double total, nlohmann::json params = nlohmann::json::object()) {
  nlohmann::json r = {{"scenario", scenario}, {"total", total}};
  if (!params.is_null()) r["params"] = std::move(params);
  return r;
}

const Catalogue& catalogue() {
  static const Catalogue c = load_catalogue(test::source_path("scenarios"));
  return c;
}

const CatalogueEntry& entry(const std::string& id) {
  for (const auto& e : catalogue().entries)
    if (e.id == id) return e;
  throw std::runtime_error("no scenario " + id);
}

// A template's {name} left unfilled.
const std::regex kPlaceholder("\\{[a-z_]+\\}");

// Words that name a family or a cause: none may appear in a pager line.
const char* const kGiveaways[] = {"n+1", "n + 1", "query", "queries", "mutex", "lock", "gc", "garbage", "alloc",
                                  "syscall", "regex", "cache", "jit", "deopt", "bundle", "quadratic", "algorithm",
                                  "cpu", "memory", "payload", "buffer", "inventory", "locale", "dedupe", "shape"};

}  // namespace

TEST_CASE("the track: at least 8 items from a tutorial to senior, all eight families, /checkout near the end",
          "[learn][track]") {
  const TrackDefinition track = load_track();
  REQUIRE(track.scenarios.size() >= 8);
  CHECK(track.unlock_score == 75.0);
  CHECK(track.scenarios.front() == "tutorial-first-page");
  const auto checkout = std::find(track.scenarios.begin(), track.scenarios.end(), "checkout-inventory-payload");
  REQUIRE(checkout != track.scenarios.end());
  CHECK(track.scenarios.end() - checkout <= 2);
  std::set<std::string> families;
  int previous_level = 0;
  for (const auto& id : track.scenarios) {
    const CatalogueEntry& e = entry(id);
    families.insert(e.meta.families.begin(), e.meta.families.end());
    const int level = e.meta.level == "junior" ? 1 : e.meta.level == "middle" ? 2 : 3;
    CHECK(level >= previous_level);  // junior to senior, never back
    previous_level = level;
  }
  CHECK(families.size() == std::size(kFamilies));
  CHECK(entry("tutorial-first-page").meta.minutes <= 6.0);
  CHECK(entry("tutorial-first-page").meta.guide.size() == 8);
}

TEST_CASE("progress comes from the saved attempts: 75 at the defaults opens the next item", "[learn][track]") {
  TempDir dir("unlock");
  const std::string attempts = (dir.path / "attempts").string();
  const TrackDefinition track = load_track();
  // No folder yet: a first start, not a problem.
  Progress progress = read_progress(attempts);
  CHECK(progress.problems.empty());
  auto items = track_items(track, catalogue(), progress);
  REQUIRE(items.size() == track.scenarios.size());
  CHECK_FALSE(items[0].locked);
  for (std::size_t i = 1; i < items.size(); ++i) CHECK(items[i].locked);

  save_attempt(attempts, "tutorial-first-page", attempt("tutorial-first-page", 74.9));
  items = track_items(track, catalogue(), read_progress(attempts));
  CHECK(items[0].played);
  CHECK(*items[0].best == Approx(74.9));
  CHECK(items[1].locked);  // 74.9 is not "solid"

  // Easier parameters do not count, however high the score.
  save_attempt(attempts, "tutorial-first-page", attempt("tutorial-first-page", 100.0, {{"rps", 20}}));
  items = track_items(track, catalogue(), read_progress(attempts));
  CHECK(*items[0].best == Approx(74.9));
  CHECK(items[1].locked);

  save_attempt(attempts, "tutorial-first-page", attempt("tutorial-first-page", 75.0));
  items = track_items(track, catalogue(), read_progress(attempts));
  CHECK_FALSE(items[1].locked);
  CHECK(items[2].locked);

  // An attempt saved before parameters were recorded counts as the defaults.
  save_attempt(attempts, track.scenarios[1], attempt(track.scenarios[1], 90.0, nullptr));
  items = track_items(track, catalogue(), read_progress(attempts));
  CHECK_FALSE(items[2].locked);
  CHECK(items[3].locked);

  // Skipping ahead does not open what comes after a locked item.
  // Each item opens on the one before it alone: a pass played ahead (in
  // free play) opens the item after it, not the ones in between.
  save_attempt(attempts, track.scenarios[5], attempt(track.scenarios[5], 99.0));
  items = track_items(track, catalogue(), read_progress(attempts));
  CHECK(items[3].locked);
  CHECK(items[5].locked);
  CHECK(items[5].played);
  CHECK_FALSE(items[6].locked);
  CHECK(items[7].locked);

  // A file this version cannot read is reported and left as it is.
  const fs::path broken = fs::path(attempts) / "attempt-tutorial-first-page-99.json";
  { std::ofstream(broken) << "{\"format\": \"perfloop-attempt\", \"version\": 7, \"result\": {}}"; }
  const std::string before = file_text(broken);
  progress = read_progress(attempts);
  REQUIRE(progress.problems.size() == 1);
  CHECK(progress.problems[0].find("attempt-tutorial-first-page-99.json") != std::string::npos);
  CHECK(file_text(broken) == before);
  CHECK_FALSE(track_items(track, catalogue(), progress)[1].locked);  // the others still count
}

TEST_CASE("no spoilers before play: pager lines name the symptom, never the family or the cause", "[learn][spoilers]") {
  REQUIRE(catalogue().problems.empty());
  for (const auto& e : catalogue().entries) {
    INFO(e.id << ": " << e.meta.pager);
    REQUIRE_FALSE(e.meta.pager.empty());
    CHECK(e.meta.pager != e.title);
    const std::string pager = lower(e.meta.pager);
    for (const char* word : kGiveaways) {
      INFO("word " << word);
      // whole words only, so "gc" does not match inside another word
      const std::string w = word;
      std::size_t at = pager.find(w);
      bool whole = false;
      while (at != std::string::npos && !whole) {
        const bool start = at == 0 || !std::isalnum(static_cast<unsigned char>(pager[at - 1]));
        const bool end = at + w.size() >= pager.size() || !std::isalnum(static_cast<unsigned char>(pager[at + w.size()]));
        whole = start && end;
        at = pager.find(w, at + 1);
      }
      CHECK_FALSE(whole);
    }
    for (const auto& f : kFamilies) CHECK(pager.find(f) == std::string::npos);
    ScenarioScript script = ScenarioScript::load(e.file);
    const ScenarioBuild build = script.build(script.resolve({}));
    for (const auto& b : build.bottlenecks) {
      CHECK(pager.find(lower(b.hot_frame)) == std::string::npos);
      for (const auto& fix : b.right_fixes) CHECK(pager.find(lower(fix)) == std::string::npos);
    }
  }
}

TEST_CASE("perfloop track: pager titles and no families until played, then the title and families", "[learn][cli]") {
  TempDir dir("cli");
  auto before = test::run_cli("track --data '" + dir.str() + "' --json");
  REQUIRE(before.status == 0);
  CHECK(before.err.empty());
  nlohmann::json items = nlohmann::json::parse(before.out);
  const TrackDefinition track = load_track();
  REQUIRE(items.size() == track.scenarios.size());
  for (const auto& item : items) {
    INFO(item.dump());
    const CatalogueEntry& e = entry(item["id"].get<std::string>());
    CHECK(item["title"] == e.meta.pager);
    CHECK_FALSE(item.contains("families"));
    CHECK(item["played"] == false);
    CHECK(item["best"].is_null());
    for (const char* key : {"id", "title", "level", "minutes", "locked", "played", "best"}) CHECK(item.contains(key));
  }
  const auto text = test::run_cli("track --data '" + dir.str() + "'");
  REQUIRE(text.status == 0);
  for (const auto& f : kFamilies) CHECK(text.out.find(f) == std::string::npos);

  // Play the tutorial with the expert's answers into the data folder.
  const auto solved = test::run_cli("solve tutorial-first-page");
  REQUIRE(solved.status == 0);
  const std::string answers = (dir.path / "answers.json").string();
  { std::ofstream(answers) << solved.out; }
  const auto play = test::run_cli("play tutorial-first-page --answers '" + answers + "' --data '" + dir.str() + "'");
  REQUIRE(play.status == 0);
  CHECK(fs::exists(dir.path / "perfloop-data.json"));
  CHECK(fs::exists(dir.path / "attempts" / "attempt-tutorial-first-page-1.json"));

  items = nlohmann::json::parse(test::run_cli("track --data '" + dir.str() + "' --json").out);
  CHECK(items[0]["played"] == true);
  CHECK(items[0]["title"] == entry("tutorial-first-page").title);
  CHECK(items[0]["families"] == nlohmann::json(entry("tutorial-first-page").meta.families));
  CHECK(items[0]["best"].get<double>() >= 95.0);
  CHECK(items[1]["locked"] == false);
  CHECK(items[1]["title"] == entry(items[1]["id"].get<std::string>()).meta.pager);
  CHECK_FALSE(items[1].contains("families"));
  CHECK(items[2]["locked"] == true);
}

TEST_CASE("hints_used is 0 to 3 per step and costs 10%, 30% and 70% of the step", "[learn][hints]") {
  ScenarioScript script = ScenarioScript::load(entry("tutorial-first-page").file);
  LoopSession session(script, {}, 1);
  const Answers expert = expert_answers(session, "tutorial-first-page");
  nlohmann::json doc = answers_to_json(expert);
  CHECK_FALSE(doc["bottlenecks"][0]["observe"].contains("hints_used"));  // the expert asks for none

  for (int level = 0; level <= kMaxHintsUsed; ++level) {
    nlohmann::json with = doc;
    for (auto& [name, step] : with["bottlenecks"][0].items()) step["hints_used"] = level;
    with["enforce"]["hints_used"] = level;
    const Answers parsed = parse_answers(with.dump(), "a.json", "tutorial-first-page", session.build());
    CHECK(parsed.bottlenecks[0].classify->hints_used == level);
    CHECK(parsed.enforce->hints_used == level);
    CHECK(answers_to_json(parsed) == (level == 0 ? doc : with));  // written back as read
    const PlayResult r = grade_answers(session, parsed, {false});
    const PlayResult base = grade_answers(session, expert, {false});
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
      CHECK(r.steps[i].hints_used == level);
      CHECK(r.steps[i].score == Approx(base.steps[i].score * hint_keep(level)));
    }
    CHECK(r.total == Approx(base.total * hint_keep(level)).margin(1e-9));
    if (level == kMaxHintsUsed) CHECK(r.total < 75.0);
    CHECK(play_result_json(r)["steps"][0]["hints_used"] == level);
  }
  CHECK(hint_keep(0) == 1.0);
  CHECK(hint_keep(1) == 0.9);
  CHECK(hint_keep(2) == 0.7);
  CHECK(hint_keep(3) == 0.3);

  for (const char* bad : {"4", "-1", "1.5", "\"two\"", "true"}) {
    nlohmann::json with = doc;
    with["bottlenecks"][0]["predict"]["hints_used"] = nlohmann::json::parse(bad);
    try {
      parse_answers(with.dump(), "a.json", "tutorial-first-page", session.build());
      FAIL("hints_used " << bad << " was accepted");
    } catch (const AnswersError& e) {
      CHECK(std::string(e.what()).find("bottlenecks[1].predict.hints_used") != std::string::npos);
    }
  }
}

TEST_CASE("the app records hints where the grader reads them; a changed answer after its explanation is a reveal",
          "[learn][hints]") {
  ui::PlayState play;
  ui::start_play(play, "tutorial-first-page", 1);
  ui::draft_of(play, LoopStep::Observe).hints_used = 2;
  play.observe.endpoint = "GET /invoice";
  play.observe.metric = "p99";
  play.observe.side = "server";
  ui::commit_step(play, LoopStep::Observe, 10.0);
  REQUIRE(play.answers.bottlenecks[0].observe);
  CHECK(play.answers.bottlenecks[0].observe->hints_used == 2);
  CHECK(answers_to_json(play.answers)["bottlenecks"][0]["observe"]["hints_used"] == 2);
  CHECK(ui::hints_used(play, LoopStep::Profile) == 0);

  ui::commit_step(play, LoopStep::Profile, 5.0);
  CHECK(play.answers.bottlenecks[0].profile->hints_used == 0);
  // The coach showed what Profile should have been; answering it again counts as the worked answer.
  play.explained.insert({0, LoopStep::Profile});
  play.profile.hot_frame = "pricing.FormatPrice";
  ui::commit_step(play, LoopStep::Profile, 5.0);
  CHECK(play.answers.bottlenecks[0].profile->hints_used == kMaxHintsUsed);
}

TEST_CASE("every track item: the expert scores >= 95, every reveal stays below solid, the coach fills every text",
          "[learn][coach][catalogue]") {
  const TrackDefinition track = load_track();
  const CoachTexts coach = load_coach();
  for (const auto& id : track.scenarios) {
    DYNAMIC_SECTION(id) {
      ScenarioScript script = ScenarioScript::load(entry(id).file);
      LoopSession session(script, {}, 1);
      const Answers expert = expert_answers(session, id);
      const PlayResult best = grade_answers(session, expert, {false});
      CHECK(best.total >= 95.0);
      Answers revealed = expert;
      for (auto& b : revealed.bottlenecks) {
        b.observe->hints_used = b.profile->hints_used = b.classify->hints_used = b.predict->hints_used = 3;
        b.fix->hints_used = b.verify->hints_used = b.move_on->hints_used = 3;
      }
      revealed.enforce->hints_used = 3;
      const PlayResult low = grade_answers(session, revealed, {false});
      CHECK(low.total <= 30.0 + 1e-9);
      CHECK(low.grade == std::string("low"));

      for (std::size_t k = 0; k < session.build().bottlenecks.size(); ++k) {
        for (LoopStep step : kLoopSteps) {
          INFO("bottleneck " << k << ", step " << step_name(step));
          for (int level = 1; level <= kMaxHintsUsed; ++level) {
            const std::string hint = coach_hint(coach, session.build(), expert, k, step, level);
            CHECK_FALSE(hint.empty());
            CHECK_FALSE(std::regex_search(hint, kPlaceholder));
          }
          if (step == LoopStep::Enforce && k + 1 < session.build().bottlenecks.size()) continue;
          const std::string why = coach_explanation(coach, session.build(), best, k, step);
          INFO(why);
          CHECK(why.size() > 80);
          CHECK_FALSE(std::regex_search(why, kPlaceholder));
          CHECK_FALSE(std::regex_search(why, std::regex("\\b(nan|inf)\\b")));
        }
        // The worked answer is the expert's own.
        CHECK(coach_hint(coach, session.build(), expert, k, LoopStep::Profile, 3).find(expert.bottlenecks[k].profile->hot_frame) !=
              std::string::npos);
      }
    }
  }
}

TEST_CASE("the coach explains Predict with the learner's own p and s", "[learn][coach]") {
  const CoachTexts coach = load_coach();
  ScenarioScript script = ScenarioScript::load(entry("tutorial-first-page").file);
  LoopSession session(script, {}, 1);
  Answers answers = expert_answers(session, "tutorial-first-page");
  answers.bottlenecks[0].predict->share_pct = 50.0;
  answers.bottlenecks[0].predict->speedup = 4.0;
  const PlayResult r = grade_answers(session, answers, {false});
  const std::string why = coach_explanation(coach, session.build(), r, 0, LoopStep::Predict);
  INFO(why);
  CHECK(why.find("p = 50.0%") != std::string::npos);
  CHECK(why.find("s = 4.0x") != std::string::npos);
  CHECK(why.find("= 1.6x") != std::string::npos);  // 1 / (0.5 + 0.125)
  CHECK(why.find("1 / (1 - 0.5) = 2.0x") != std::string::npos);
}

TEST_CASE("coach, glossary and track files: a missing or wrong field is named", "[learn][assets]") {
  nlohmann::json coach = nlohmann::json::parse(file_text(test::source_path("assets/coach.json")));
  CHECK_NOTHROW(parse_coach(coach.dump(), "coach.json"));
  coach["pointers"].erase("observe");
  CHECK_THROWS_WITH(parse_coach(coach.dump(), "coach.json"), Catch::Contains("coach.json: pointers.observe: missing"));
  CHECK_THROWS_WITH(parse_coach("[1]", "coach.json"), Catch::Contains("not a JSON object"));

  CHECK_THROWS_WITH(parse_track(R"({"version": 1, "items": [{"scenario": "a"}, {"scenario": "a"}]})", "t.json"),
                    Catch::Contains("items[1].scenario"));
  CHECK_THROWS_WITH(parse_track(R"({"version": 2, "items": [{"scenario": "a"}]})", "t.json"), Catch::Contains("version"));

  const std::vector<GlossaryEntry> glossary = load_glossary();
  std::set<std::string> ids;
  for (const auto& g : glossary) {
    INFO(g.id);
    ids.insert(g.id);
    CHECK(g.text.size() > 200);
    CHECK_NOTHROW(entry(g.scenario));  // points at a real scenario
  }
  for (const char* id : {"p50-p99", "slo-burn-rate", "amdahl", "utilisation-queueing", "gc-allocation", "n-plus-1",
                         "lock-contention", "syscalls", "bundle-cost", "observer-effect"})
    CHECK(ids.count(id) == 1);
  // An entry about one family would give its scenario away before play.
  for (const auto& g : glossary)
    if (g.id == "n-plus-1" || g.id == "lock-contention" || g.id == "gc-allocation") CHECK(g.spoils);
  CHECK_THROWS_WITH(parse_glossary(R"({"version": 1, "entries": [{"id": "x", "term": "X", "text": ""}]})", "g.json"),
                    Catch::Contains("entries[0].text"));
}

TEST_CASE("the data folder: a newer or unknown marker is reported and the folder left alone", "[learn][data]") {
  TempDir dir("data");
  // A folder that does not exist yet is a new learner's.
  const DataFolder fresh = open_data_folder((dir.path / "new").string());
  CHECK(fresh.writable());
  prepare_data_folder(fresh);
  CHECK(nlohmann::json::parse(file_text(fresh.marker_path()))["version"] == kDataFolderVersion);
  CHECK(open_data_folder(fresh.dir).writable());

  const fs::path newer = dir.path / "newer";
  fs::create_directories(newer);
  { std::ofstream(newer / kDataMarkerName) << R"({"format": "perfloop-data", "version": 9})"; }
  DataFolder folder = open_data_folder(newer.string());
  CHECK_FALSE(folder.writable());
  CHECK(folder.problem.find("newer perfloop") != std::string::npos);
  CHECK(folder.problem.find(kDataMarkerName) != std::string::npos);
  CHECK_THROWS_WITH(prepare_data_folder(folder), Catch::Contains("newer perfloop"));

  const fs::path garbage = dir.path / "garbage";
  fs::create_directories(garbage);
  { std::ofstream(garbage / kDataMarkerName) << "\x01not json"; }
  CHECK(open_data_folder(garbage.string()).problem.find("not a perfloop data folder marker") != std::string::npos);

  { std::ofstream(dir.path / "a-file") << "x"; }
  CHECK(open_data_folder((dir.path / "a-file").string()).problem.find("not a folder") != std::string::npos);

  // play --data into the newer folder: graded and printed, not saved, exit 2.
  const auto solved = test::run_cli("solve tutorial-first-page");
  const std::string answers = (dir.path / "answers.json").string();
  { std::ofstream(answers) << solved.out; }
  const auto play = test::run_cli("play tutorial-first-page --answers '" + answers + "' --data '" + newer.string() + "'");
  CHECK(play.status == 2);
  CHECK(play.out.find("100.0 / 100") != std::string::npos);
  CHECK(play.err.find("newer perfloop") != std::string::npos);
  CHECK_FALSE(fs::exists(newer / "attempts"));
  CHECK(file_text(newer / kDataMarkerName) == R"({"format": "perfloop-data", "version": 9})");
  // track still reads it, with a warning.
  const auto track = test::run_cli("track --data '" + newer.string() + "'");
  CHECK(track.status == 0);
  CHECK(track.err.find("newer perfloop") != std::string::npos);
  // --save and --data name the same thing twice.
  CHECK(test::run_cli("play tutorial-first-page --answers '" + answers + "' --data a --save b").status != 0);
}
