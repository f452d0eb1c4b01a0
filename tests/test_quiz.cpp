// The quiz: card ids, cards cut from the catalogue with fresh numbers, the
// grading (the truth scores full marks, a wrong family scores nothing), the
// queueing estimate against M/M/c theory, the schedule rebuilt from the
// review log, and `perfloop quiz` as a team's tool would call it.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "sim/io/json_text.h"
#include "sim/learn/data_folder.h"
#include "sim/loop/queueing_estimate.h"
#include "sim/loop/scoring.h"
#include "sim/quiz/quiz_json.h"
#include "sim/quiz/quiz_schedule.h"
#include "sim/quiz/quiz_store.h"
#include "sim/quiz/quiz_variant.h"
#include "test_support.h"
#include "ui/core/practise_state.h"

using namespace perfloop;
namespace fs = std::filesystem;

namespace {

const QuizPool& pool() {
  static const QuizPool p = load_quiz_pool(test::source_path("scenarios"));
  return p;
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("perfloop-quiz-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

QuizCard card_for(const std::string& item, std::uint32_t seed) {
  return make_quiz_card(pool(), draw_card_id(pool(), *parse_quiz_item(item), seed));
}

std::string text_of(const nlohmann::json& j) { return j.dump(); }

// The app's draft holding the expert's answer to `card`.
void draft_truth(ui::PractiseDraft& d, QuizCard& card) {
  const QuizAnswer t = quiz_truth(card);
  d.families = t.families;
  d.headline = t.headline;
  d.go = t.go ? 1 : 0;
  d.gates.clear();
  for (const auto& g : t.gates)
    for (const auto& choice : card.choices)
      if (choice.id == g.id) d.gates[g.id] = g.threshold.value_or(choice.threshold);
}

}  // namespace

TEST_CASE("Card ids round-trip, read as noise and refuse typos", "[quiz]") {
  CardId id;
  id.kind = QuizKind::Predict;
  id.scenario_hash = quiz_scenario_hash("lock-global-mutex");
  id.bottleneck = 2;
  id.family = 3;
  id.seed = 0xdeadbeef;
  const std::string text = encode_card_id(id);
  CHECK(text.size() == 25);
  CHECK(text.rfind("q1p-deadbeef-", 0) == 0);
  CHECK(text.find("lock") == std::string::npos);
  REQUIRE(decode_card_id(text));
  CHECK(*decode_card_id(text) == id);
  // The same scenario under another seed masks differently.
  CardId other = id;
  other.seed = 7;
  CHECK(encode_card_id(other).substr(13) != text.substr(13));
  int refused = 0;
  for (std::size_t i = 13; i < text.size(); ++i) {
    std::string typo = text;
    typo[i] = typo[i] == '0' ? '1' : '0';
    refused += !decode_card_id(typo).has_value();
  }
  CHECK(refused >= 11);  // a check byte lets about one typo in 256 through
  CHECK_FALSE(decode_card_id("q1x-deadbeef-000000000000"));
  CHECK_FALSE(decode_card_id("lock-global-mutex"));
  CHECK_FALSE(decode_card_id(""));
}

TEST_CASE("The catalogue makes cards for every family: classify and enforce all eight, predict the server-side seven",
          "[quiz]") {
  REQUIRE(pool().problems.empty());
  const auto items = pool().items();
  const std::set<std::string> all(items.begin(), items.end());
  for (const char* f : kFamilies) {
    CHECK(all.count(std::string("classify:") + f));
    CHECK(all.count(std::string("enforce:") + f));
    if (std::string(f) != "bundle-bound") CHECK(all.count(std::string("predict:") + f));
  }
  // A browser metric has no server profile share to predict from.
  CHECK_FALSE(all.count("predict:bundle-bound"));
  CHECK(items.size() == 23);
}

TEST_CASE("The same id gives the same card; another seed gives other numbers", "[quiz]") {
  const QuizCard a = card_for("classify:lock-bound", 11);
  const QuizCard again = make_quiz_card(pool(), a.id);
  CHECK(text_of(quiz_card_json(a)) == text_of(quiz_card_json(again)));
  const QuizCard b = card_for("classify:lock-bound", 12);
  CHECK(a.id != b.id);
  CHECK(a.params != b.params);  // the service's figures moved
  REQUIRE(!a.headline.values.empty());
  REQUIRE(!b.headline.values.empty());
  CHECK(a.headline.values != b.headline.values);
  // The case is squeezed to about ten simulated minutes (simulated seconds,
  // not wall clock), the symptom still in it.
  CHECK(a.headline.duration_s < kQuizRunSeconds);
  CHECK(a.classify.capture.window.from_s > 0.0);
  // All three streams, CPU first, whatever the case's: the off-CPU one shows the lock.
  REQUIRE(a.classify.streams.size() == 3);
  CHECK(a.classify.streams[0].stream == "cpu");
  CHECK(a.classify.case_stream == "offcpu");
  REQUIRE(a.classify.stream("offcpu"));
  REQUIRE(!a.classify.stream("offcpu")->widest.empty());
  CHECK(a.classify.stream("offcpu")->widest.front().first == "sync.(*Mutex).Lock");
  CHECK(a.classify.trace == 0);

  const QuizCard p1 = card_for("predict:cpu-algorithmic", 21), p2 = card_for("predict:cpu-algorithmic", 22);
  CHECK((p1.predict.current != p2.predict.current || p1.predict.share_pct != p2.predict.share_pct));
}

TEST_CASE("Nothing on a card gives its answer away", "[quiz]") {
  for (const char* item : {"classify:lock-bound", "classify:io-n-plus-1", "predict:syscall-bound"}) {
    const QuizCard c = card_for(item, 5);
    // The card as printed, but for the choices (all eight families on every
    // classify card): the item too, which names the family.
    nlohmann::json printed = quiz_card_json(c);
    printed.erase("choices");
    const std::string shown = text_of(printed);
    CHECK(shown.find(c.scenario_id) == std::string::npos);
    if (c.kind() == QuizKind::Classify) {
      for (const char* f : kFamilies) CHECK(shown.find(f) == std::string::npos);
      // Every classify card offers the same three flame graphs: which one is shown says nothing.
      CHECK(quiz_card_json(c)["evidence"]["flames"].size() == 3);
    }
  }
}

TEST_CASE("The truth scores full marks and a wrong family scores nothing", "[quiz]") {
  for (const char* item : {"classify:lock-bound", "predict:cpu-algorithmic", "predict:lock-bound", "enforce:lock-bound"}) {
    INFO(item);
    QuizCard c = card_for(item, 3);
    const QuizAnswer truth = quiz_truth(c);
    const QuizResult r = grade_quiz(c, truth);
    CHECK(r.score == Approx(100.0));
    CHECK(suggested_rating(r.score / r.max) == Rating::Good);
    // The truth, printed, is itself a valid answer.
    const QuizAnswer reread = parse_quiz_answer(c, quiz_answer_json(c, truth).dump());
    CHECK(grade_quiz(c, reread).score == Approx(100.0));
  }
  QuizCard c = card_for("classify:lock-bound", 3);
  QuizAnswer wrong;
  wrong.families = {"cpu-algorithmic"};
  const QuizResult r = grade_quiz(c, wrong);
  CHECK(r.score == 0.0);
  CHECK(suggested_rating(r.score / r.max) == Rating::Again);
  CHECK(r.feedback.find("lock-bound") != std::string::npos);
  wrong.families = {"lock-bound", "cpu-algorithmic"};
  CHECK(grade_quiz(c, wrong).score == Approx(50.0));  // one of two: the overlap, as on the loop's Classify

  QuizCard p = card_for("predict:cpu-algorithmic", 3);
  const QuizAnswer t = quiz_truth(p);
  QuizAnswer off = t;
  off.headline = t.headline * 3.0;  // 200% off: no accuracy points
  off.go = !t.go;
  CHECK(grade_quiz(p, off).score <= 25.0);
}

TEST_CASE("A predict card starts off target, and its feedback names the estimate the outcome followed", "[quiz]") {
  int busy_followed_queue = 0, no_go = 0, go = 0;
  for (const char* item : {"predict:syscall-bound", "predict:io-n-plus-1", "predict:lock-bound"})
    for (std::uint32_t seed = 1; seed <= 4; ++seed) {
      INFO(item << " seed " << seed);
      QuizCard c = card_for(item, seed);
      CHECK(c.predict.current > c.predict.target);  // a prediction is about bringing it back
      CHECK(c.predict.cpu_utilisation > 0.0);
      CHECK(c.predict.cpu_utilisation < 1.0);
      const QuizResult r = grade_quiz(c, quiz_truth(c));
      REQUIRE(r.predict);
      const PredictOutcome& o = *r.predict;
      const double off_amdahl = std::fabs(o.amdahl - o.actual), off_queue = std::fabs(o.queueing.headline - o.actual);
      if (relative_error_pct(o.queueing.headline, o.amdahl) < 5.0) {
        CHECK(o.followed == "both");
      } else {
        CHECK(o.followed == (off_queue < off_amdahl ? "queueing" : "amdahl"));
      }
      // "The queue" is said only of busy cores.
      if (r.feedback.find("followed the queue") != std::string::npos) CHECK(o.queueing.utilisation_before >= 0.6);
      busy_followed_queue += o.followed == "queueing" && o.queueing.utilisation_before >= 0.6;
      (r.truth.go ? go : no_go) += 1;
    }
  // The catalogue has cases where the cores' queue decides the outcome, and
  // fixes that are not enough: go/no-go is a judgement, not a constant.
  CHECK(busy_followed_queue >= 1);
  CHECK(go >= 2);
  CHECK(no_go >= 2);
}

TEST_CASE("Classify cards include a case where the widest frame is an effect, not the cause", "[quiz]") {
  // /checkout: the CPU profile's widest frames are JSON encoding and the
  // garbage collector, both paying for a payload that grew; the families
  // are allocation and N+1, not CPU.
  bool found = false;
  for (const QuizSource& s : pool().sources) {
    if (s.scenario_id != "checkout-inventory-payload" || !s.classify) continue;
    CardId id;
    id.kind = QuizKind::Classify;
    id.scenario_hash = quiz_scenario_hash(s.scenario_id);
    id.bottleneck = s.bottleneck;
    id.family = family_index(s.families.front());
    id.seed = 4;
    QuizCard c = make_quiz_card(pool(), id);
    REQUIRE(c.classify.case_stream == "cpu");
    REQUIRE(!c.classify.stream("cpu")->widest.empty());
    const std::string widest = c.classify.stream("cpu")->widest.front().first;
    CHECK((widest == "encoding/json.Marshal" || widest.rfind("runtime.", 0) == 0));
    QuizAnswer fell_for_it;
    fell_for_it.families = {"cpu-algorithmic"};
    const QuizResult r = grade_quiz(c, fell_for_it);
    CHECK(r.score == 0.0);
    CHECK((r.feedback.find("not why") != std::string::npos || r.feedback.find("an effect") != std::string::npos));
    found = true;
  }
  CHECK(found);
}

TEST_CASE("A bad answer is refused naming its field", "[quiz]") {
  QuizCard c = card_for("classify:lock-bound", 3);
  auto message = [&](const std::string& text) {
    try {
      parse_quiz_answer(c, text);
    } catch (const QuizError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(message(R"({"families": ["lock-bound", "lock"]})").find("answer.families[2]") == 0);
  CHECK(message(R"({"families": []})").find("answer.families") == 0);
  CHECK(message(R"({"famlies": ["lock-bound"]})").find("unknown field") != std::string::npos);
  CHECK(message("{").find("not JSON") != std::string::npos);
  QuizCard p = card_for("predict:cpu-algorithmic", 3);
  CHECK_THROWS_WITH(parse_quiz_answer(p, R"({"headline": 12})"), Catch::Contains("answer.go"));
  CHECK_THROWS_WITH(parse_quiz_answer(p, R"({"headline": -1, "go": true})"), Catch::Contains("answer.headline"));
}

TEST_CASE("The queueing estimate follows M/M/c theory", "[quiz][mmc]") {
  CHECK(erlang_c(1, 0.5) == Approx(0.5));            // M/M/1: P(wait) = rho
  CHECK(erlang_c(2, 1.0) == Approx(1.0 / 3.0));      // textbook: 2 servers, 1 erlang
  CHECK(mmc_mean_response(1, 0.9, 1.0) == Approx(10.0));  // 1 / (mu - lambda)
  // M/M/1 at 90%: halving all the work takes the mean from 10 to 0.5 / 0.55.
  const QueueingEstimate q = queueing_estimate(100.0, 1, 0.9, 1.0, 2.0, 1.0);
  CHECK(q.utilisation_after == Approx(0.45));
  CHECK(q.headline == Approx(100.0 * (0.5 / 0.55) / 10.0).epsilon(1e-9));
  // Twice the cores for the same work: only the wait changes.
  const QueueingEstimate doubled = queueing_estimate(100.0, 1, 0.9, 0.5, 1.0, 0.5, 2);
  CHECK(doubled.utilisation_after == Approx(0.45));
  CHECK(doubled.headline == Approx(100.0 * (1.0 + erlang_c(2, 0.9) / (2 * 0.55)) / 10.0).epsilon(1e-9));
  // Idle cores: the estimate is Amdahl's.
  const QueueingEstimate idle = queueing_estimate(100.0, 8, 0.05, 0.5, 4.0, 0.5);
  CHECK(idle.headline == Approx(100.0 / amdahl_speedup(0.5, 4.0)).epsilon(0.01));
  // Busy cores: far below Amdahl's.
  const QueueingEstimate busy = queueing_estimate(100.0, 4, 0.95, 0.5, 4.0, 0.5);
  CHECK(busy.headline < 0.3 * 100.0 / amdahl_speedup(0.5, 4.0));
}

TEST_CASE("The schedule: due items first, then new ones; each review draws a new card", "[quiz]") {
  TempDir dir("schedule");
  const UnixSeconds t0 = *parse_iso8601("2026-12-03T09:00:00Z");
  QuizDeck deck = quiz_deck(pool(), read_review_log(review_log_path(dir.path.string())).entries, t0);
  auto queue = quiz_queue(deck, 3);
  REQUIRE(queue.size() == 3);
  // New items shuffled, not a family at a time (the feedback names an item).
  CHECK((parse_quiz_item(queue[0])->family != parse_quiz_item(queue[1])->family ||
         parse_quiz_item(queue[1])->family != parse_quiz_item(queue[2])->family));
  CHECK(quiz_queue(deck, 3) == queue);  // the same for the same log and time
  CHECK(quiz_card_seed("classify:lock-bound", 0) != quiz_card_seed("classify:lock-bound", 1));

  QuizCard c = card_for("classify:lock-bound", quiz_card_seed("classify:lock-bound", 0));
  const RecordedReview rec = record_quiz_review(dir.path.string(), true, c, Rating::Again, 0.0, t0, 12.5);
  CHECK(rec.item.memory.phase == MemoryPhase::Learning);
  CHECK(rec.interval_days == Approx(60.0 / 86400.0));  // the first learning step, one minute
  // Two minutes later the item is due and comes before every new one.
  deck = quiz_deck(pool(), read_review_log(review_log_path(dir.path.string())).entries, t0 + 120);
  queue = quiz_queue(deck, 2);
  CHECK(queue.front() == "classify:lock-bound");
  const ReviewLog log = read_review_log(review_log_path(dir.path.string()));
  REQUIRE(log.entries.size() == 1);
  CHECK(log.entries[0].duration_ms == 12500);
  CHECK(log.entries[0].card == c.id);
  // The quiz never touches the loop's attempts.
  CHECK_FALSE(fs::exists(dir.path / "attempts"));
  const DeckStats st = deck_stats(deck, log.entries, t0 + 120);
  CHECK(st.streak_days == 1);
  CHECK(st.due_by_day[0] == 1);
}

TEST_CASE("A data folder removed under the app is reported, not made again", "[quiz]") {
  TempDir dir("removed");
  QuizCard c = card_for("classify:lock-bound", 1);
  const UnixSeconds t0 = *parse_iso8601("2026-12-03T09:00:00Z");
  record_quiz_review(dir.path.string(), true, c, Rating::Good, 100.0, t0, -1);
  fs::remove_all(dir.path);
  CHECK_THROWS_WITH(record_quiz_review(dir.path.string(), false, c, Rating::Good, 100.0, t0 + 60, -1),
                    Catch::Contains("the data folder is gone"));
  CHECK_FALSE(fs::exists(dir.path));
}

TEST_CASE("perfloop quiz: next, card, answer and stats", "[quiz][cli]") {
  TempDir dir("cli");
  const std::string data = " --data " + dir.path.string() + " --at 2026-12-03T09:00:00Z --json";
  const auto next = test::run_cli("quiz next --kind predict" + data);
  REQUIRE(next.status == 0);
  const auto card = nlohmann::json::parse(next.out);
  CHECK(card["kind"] == "predict");
  for (const char* key : {"id", "kind", "item", "evidence", "choices", "prompt"}) CHECK(card.contains(key));
  const std::string id = card["id"];
  // Asked again before answering: the same card; its id alone makes it again.
  CHECK(nlohmann::json::parse(test::run_cli("quiz next --kind predict" + data).out)["id"] == id);
  CHECK(nlohmann::json::parse(test::run_cli("quiz card " + id + data).out) == card);

  const auto bad = test::run_cli("quiz answer " + id + " --answer '{\"headline\": 10}'" + data);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("answer.go") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path / "quiz" / "reviews.jsonl"));

  const auto first = test::run_cli("quiz answer " + id + " --answer '{\"headline\": 1, \"go\": false}'" + data);
  REQUIRE(first.status == 0);
  const auto result = nlohmann::json::parse(first.out);
  for (const char* key : {"score", "max", "rating", "feedback", "truth", "next_due", "interval_days", "stability", "difficulty"})
    CHECK(result.contains(key));
  // The truth is a valid answer and scores full marks; --rating overrides the suggestion.
  const auto second = test::run_cli("quiz answer " + id + " --answer '" + result["truth"].dump() + "' --rating easy" + data);
  REQUIRE(second.status == 0);
  const auto truth_result = nlohmann::json::parse(second.out);
  CHECK(truth_result["score"] == 100.0);
  CHECK(truth_result["suggested_rating"] == "good");
  CHECK(truth_result["rating"] == "easy");
  // After the item is reviewed, `next` draws a new card.
  CHECK(nlohmann::json::parse(test::run_cli("quiz next --item " + card["item"].get<std::string>() + data).out)["id"] != id);

  const auto stats = test::run_cli("quiz stats" + data);
  REQUIRE(stats.status == 0);
  const auto s = nlohmann::json::parse(stats.out);
  CHECK(s["reviews"] == 2);
  CHECK(s["items"].size() == 23);
  bool seen = false;
  for (const auto& item : s["items"])
    if (item["item"] == card["item"]) {
      seen = true;
      CHECK(item["reviews"] == 2);
      CHECK(item["stability"].get<double>() > 0);
    }
  CHECK(seen);
  CHECK(test::run_cli("quiz next --at yesterday --data " + dir.path.string()).status == 2);
  // A review dated before the item's last one is graded but not logged.
  const auto early = test::run_cli("quiz answer " + id + " --answer '" + result["truth"].dump() + "' --json --data " +
                                   dir.path.string() + " --at 2026-12-02T09:00:00Z");
  CHECK(early.status == 2);
  CHECK(early.err.find("cannot be dated before") != std::string::npos);
  CHECK(nlohmann::json::parse(test::run_cli("quiz stats" + data).out)["reviews"] == 2);
  // A classify card does not print its item (it names the family) until answered.
  const auto classify = nlohmann::json::parse(test::run_cli("quiz next --kind classify" + data).out);
  CHECK(classify["item"].is_null());
  CHECK(test::run_cli("quiz card q1c-00000000-000000000000 --data " + dir.path.string()).status == 2);
  CHECK(test::run_cli("quiz next --item classify:made-up --data " + dir.path.string()).status == 2);
  CHECK_FALSE(fs::exists(dir.path / "attempts"));
}

TEST_CASE("A damaged review log line is reported by the CLI and left where it is", "[quiz][cli]") {
  TempDir dir("damaged");
  const std::string data = " --data " + dir.path.string() + " --at 2026-12-03T09:00:00Z";
  fs::create_directories(dir.path / "quiz");
  {
    std::ofstream log(dir.path / "quiz" / "reviews.jsonl");
    log << R"({"format":"perfloop-quiz-log","version":1})" << "\n"
        << R"({"item":"classify:lock-bound","card":"x","rating":"good","score":90,"time":"2026-12-01T09:00:00Z","duration_ms":null})" << "\n"
        << "not json at all\n";
  }
  const auto before = fs::file_size(dir.path / "quiz" / "reviews.jsonl");
  const auto stats = test::run_cli("quiz stats --json" + data);
  CHECK(stats.status == 0);
  CHECK(stats.err.find("reviews.jsonl:3") != std::string::npos);
  CHECK(nlohmann::json::parse(stats.out)["reviews"] == 1);
  CHECK(fs::file_size(dir.path / "quiz" / "reviews.jsonl") == before);
}

TEST_CASE("Practise makes the next card while the learner answers this one", "[quiz][ui]") {
  TempDir dir("practise");
  fs::create_directories(dir.path);
  prepare_data_folder(open_data_folder(dir.path.string()));
  ui::PractiseState p;
  const UnixSeconds t0 = *parse_iso8601("2026-12-03T09:00:00Z");
  ui::open_practise(p, test::source_path("scenarios"), dir.path.string());
  p.source_task.wait();
  CHECK(ui::poll_practise(p, t0).empty());
  REQUIRE(p.ready);
  REQUIRE(p.queue.size() == ui::kPractiseSessionCards);
  // Card 0 is being made; once in, card 1 is started at once.
  p.prepare_task.wait();
  ui::poll_practise(p, t0);
  REQUIRE(ui::shown_card(p) != nullptr);
  CHECK(p.preparing);
  CHECK(p.preparing_index == 1);
  p.prepare_task.wait();
  ui::poll_practise(p, t0);
  // The learner answers card 0 with the truth and rates it: card 1 is already there.
  const ui::PreparedCard* shown = ui::shown_card(p);
  REQUIRE(shown);
  draft_truth(p.draft, *shown->card);
  ui::check_practise_answer(p, 10.0);
  p.grade_task.wait();
  ui::poll_practise(p, t0);
  REQUIRE(p.result);
  CHECK(p.result->score == Approx(100.0));
  ui::rate_practise_card(p, dir.path.string(), Rating::Good, t0 + 30);
  CHECK(p.index == 1);
  CHECK(ui::shown_card(p) != nullptr);  // no wait for the engine
  CHECK(read_review_log(review_log_path(dir.path.string())).entries.size() == 1);
  // A folder removed under it: the rating is refused and the card stays.
  draft_truth(p.draft, *ui::shown_card(p)->card);
  ui::check_practise_answer(p, 20.0);
  p.grade_task.wait();
  ui::poll_practise(p, t0 + 40);
  REQUIRE(p.result);
  fs::remove_all(dir.path);
  CHECK_THROWS_WITH(ui::rate_practise_card(p, dir.path.string(), Rating::Good, t0 + 60), Catch::Contains("gone"));
  CHECK(p.index == 1);
  CHECK(p.result);
  CHECK_FALSE(fs::exists(dir.path));
  p.prepare_task.wait();
}
