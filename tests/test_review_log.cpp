// The quiz's review log: entries read back as written, damage reported by
// line and left in place, a newer or foreign log neither read nor written,
// the schedule rebuilt from the log as fsrs_review computes it by hand; and
// the ISO-8601 times the log stores.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/io/safe_text.h"
#include "sim/learn/iso_time.h"
#include "sim/learn/review_log.h"

using namespace perfloop;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("perfloop-review-log-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string log_path() const { return review_log_path(path.string()); }
};

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void add_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

const std::string kHeader = "{\"format\":\"perfloop-quiz-log\",\"version\":1}\n";

UnixSeconds at(const char* text) { return *parse_iso8601(text); }

ReviewEntry entry(const std::string& item, Rating rating, UnixSeconds time, double score = 90.0,
                  std::optional<std::int64_t> duration_ms = std::nullopt) {
  return ReviewEntry{item, "card-" + std::to_string(time % 1000), rating, score, time, duration_ms};
}

void check_same(const ReviewEntry& a, const ReviewEntry& b) {
  CHECK(a.item == b.item);
  CHECK(a.card == b.card);
  CHECK(a.rating == b.rating);
  CHECK(a.score == b.score);
  CHECK(a.time == b.time);
  CHECK(a.duration_ms == b.duration_ms);
}

void check_same(const MemoryState& a, const MemoryState& b) {
  CHECK(a.phase == b.phase);
  CHECK(a.step == b.step);
  CHECK(a.stability == b.stability);
  CHECK(a.difficulty == b.difficulty);
  CHECK(a.due == b.due);
  CHECK(a.last_review == b.last_review);
  CHECK(a.reviews == b.reviews);
  CHECK(a.lapses == b.lapses);
}

}  // namespace

TEST_CASE("appended reviews read back as written, under a header, one line each", "[review_log]") {
  TempDir dir("round-trip");
  const std::string path = dir.log_path();
  CHECK(read_review_log(path).entries.empty());  // missing: an empty log
  CHECK(read_review_log(path).problems.empty());

  const std::vector<ReviewEntry> written{
      {"classify:lock-bound", "c-17", Rating::Good, 87.5, at("2026-12-03T09:00:00Z"), 41000},
      {"classify:io-n-plus-1", "c \"quoted\" \xC3\xA9", Rating::Again, 0.0, at("2026-12-03T09:01:00Z"), std::nullopt},
      {"predict:cache-bound", "c-3", Rating::Easy, 100.0, at("2026-12-04T10:00:00Z"), 0},
  };
  for (const ReviewEntry& e : written) append_review(path, e);

  const std::string text = file_text(path);
  CHECK(text.rfind(kHeader + "{\"item\":\"classify:lock-bound\",\"card\":\"c-17\",\"rating\":\"good\",\"score\":87.5,"
                             "\"time\":\"2026-12-03T09:00:00Z\",\"duration_ms\":41000}\n",
                   0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);

  const ReviewLog log = read_review_log(path);
  CHECK(log.problems.empty());
  CHECK(log.readable_version);
  REQUIRE(log.entries.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) check_same(log.entries[i], written[i]);
}

TEST_CASE("a torn last line stays one damaged line when the next review is appended", "[review_log]") {
  TempDir dir("torn");
  const std::string path = dir.log_path();
  const ReviewEntry first = entry("classify:lock-bound", Rating::Good, at("2026-12-03T09:00:00Z"));
  const ReviewEntry second = entry("classify:lock-bound", Rating::Hard, at("2026-12-05T09:00:00Z"));
  append_review(path, first);
  add_raw(path, "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rat");  // a crash mid-write
  append_review(path, second);

  const ReviewLog log = read_review_log(path);
  REQUIRE(log.entries.size() == 2);
  check_same(log.entries[0], first);
  check_same(log.entries[1], second);
  REQUIRE(log.problems.size() == 1);
  CHECK(log.problems[0].find(":3: ") != std::string::npos);
}

TEST_CASE("damaged lines are reported by line number, printable, and never rewritten", "[review_log]") {
  TempDir dir("damaged");
  const std::string path = dir.log_path();
  const std::string good_line =
      "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"good\",\"score\":90,"
      "\"time\":\"2026-12-03T09:00:00Z\",\"duration_ms\":null}\n";
  const std::string original = kHeader + good_line +                                       // lines 1, 2
                               "\x1b[31mnot json \xff\n" +                                 // 3
                               "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"great\","
                               "\"score\":90,\"time\":\"2026-12-03T09:00:00Z\"}\n" +     // 4
                               "{\"item\":\"lock-bound\",\"card\":\"c-1\",\"rating\":\"good\","
                               "\"score\":90,\"time\":\"2026-12-03T09:00:00Z\"}\n" +     // 5
                               "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"good\","
                               "\"score\":120,\"time\":\"2026-12-03T09:00:00Z\"}\n" +    // 6
                               "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"good\","
                               "\"score\":90,\"time\":\"2026-04-31T09:00:00Z\"}\n" +     // 7
                               "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"good\","
                               "\"score\":\"90\",\"time\":\"2026-12-03T09:00:00Z\"}\n" + // 8
                               std::string(5000, ' ') + "\n" +                             // 9
                               good_line;                                                  // 10
  write_text(path, original);

  const ReviewLog log = read_review_log(path);
  CHECK(log.readable_version);
  CHECK(log.entries.size() == 2);
  REQUIRE(log.problems.size() == 7);
  for (int i = 0; i < 7; ++i) {
    INFO(log.problems[i]);
    CHECK(log.problems[i].rfind(fs::path(path).string() + ":" + std::to_string(i + 3) + ": ", 0) == 0);
    CHECK(std::all_of(log.problems[i].begin(), log.problems[i].end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; }));
    CHECK(is_valid_utf8(log.problems[i]));
  }
  CHECK(log.problems[1].find("\"great\"") != std::string::npos);
  CHECK(log.problems[2].find("kind:family") != std::string::npos);
  CHECK(log.problems[3].find("0..100") != std::string::npos);
  CHECK(log.problems[6].find("4096") != std::string::npos);
  CHECK(file_text(path) == original);

  const ReviewEntry later = entry("classify:lock-bound", Rating::Good, at("2026-12-09T09:00:00Z"), 95.0, 1200);
  append_review(path, later);
  const std::string after = file_text(path);
  REQUIRE(after.size() > original.size());
  CHECK(after.compare(0, original.size(), original) == 0);
  CHECK(std::count(after.begin() + static_cast<std::ptrdiff_t>(original.size()), after.end(), '\n') == 1);
  const ReviewLog again = read_review_log(path);
  CHECK(again.entries.size() == 3);
  CHECK(again.problems.size() == 7);
}

TEST_CASE("duration_ms: left out or null is unknown; negative or fractional is damage", "[review_log]") {
  TempDir dir("duration");
  const std::string path = dir.log_path();
  const std::string start = "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"hard\",\"score\":70,"
                            "\"time\":\"2026-12-03T09:00:00+01:00\"";
  write_text(path, kHeader + start + "}\n" + start + ",\"duration_ms\":null}\n" + start + ",\"duration_ms\":-5}\n" +
                       start + ",\"duration_ms\":1.5}\n" + start + ",\"duration_ms\":18446744073709551615}\n" +
                       start + ",\"duration_ms\":7}");  // a last line complete but for its newline
  const ReviewLog log = read_review_log(path);
  REQUIRE(log.entries.size() == 3);
  CHECK_FALSE(log.entries[0].duration_ms);
  CHECK_FALSE(log.entries[1].duration_ms);
  CHECK(log.entries[2].duration_ms == 7);
  CHECK(log.entries[0].time == at("2026-12-03T08:00:00Z"));
  CHECK(log.entries[0].rating == Rating::Hard);
  REQUIRE(log.problems.size() == 3);
  CHECK(log.problems[0].find(":4: ") != std::string::npos);
  CHECK(log.problems[1].find(":5: ") != std::string::npos);
  CHECK(log.problems[2].find(":6: ") != std::string::npos);
}

TEST_CASE("a log from a newer perfloop or in another format is neither read nor appended to", "[review_log]") {
  TempDir dir("newer");
  const std::string path = dir.log_path();
  const std::string good_line =
      "{\"item\":\"classify:lock-bound\",\"card\":\"c-1\",\"rating\":\"good\",\"score\":90,"
      "\"time\":\"2026-12-03T09:00:00Z\",\"duration_ms\":null}\n";
  for (const std::string& header : {std::string("{\"format\":\"perfloop-quiz-log\",\"version\":2}\n"),
                                   std::string("{\"format\":\"anki-export\",\"version\":1}\n"),
                                   std::string("card,rating,time\n")}) {
    INFO(header);
    const std::string original = header + good_line;
    write_text(path, original);
    const ReviewLog log = read_review_log(path);
    CHECK_FALSE(log.readable_version);
    CHECK(log.entries.empty());
    REQUIRE(log.problems.size() == 1);
    CHECK(log.problems[0].find(":1: ") != std::string::npos);

    const ReviewEntry e = entry("classify:lock-bound", Rating::Good, at("2026-12-04T09:00:00Z"));
    try {
      append_review(path, e);
      FAIL("append_review wrote to a log it cannot read");
    } catch (const std::runtime_error& error) {
      CHECK(std::string(error.what()).find(path) != std::string::npos);
    }
    CHECK(file_text(path) == original);
  }
  const std::string problem = read_review_log(path).problems[0];
  CHECK(problem.find("newer", problem.find(":1: ")) == std::string::npos);  // a CSV is foreign, not newer
}

TEST_CASE("a log over 64 MiB is refused unread and not appended to", "[review_log]") {
  TempDir dir("large");
  const std::string path = dir.log_path();
  write_text(path, kHeader);
  fs::resize_file(path, (64u << 20) + 1);  // sparse: no disk used
  const ReviewLog log = read_review_log(path);
  CHECK(log.entries.empty());
  REQUIRE(log.problems.size() == 1);
  CHECK(log.problems[0].find("nothing read") != std::string::npos);
  CHECK_THROWS_AS(append_review(path, entry("classify:lock-bound", Rating::Good, 0)), std::runtime_error);
  CHECK(fs::file_size(path) == (64u << 20) + 1);
}

TEST_CASE("an entry the log could not read back is refused before anything is written", "[review_log]") {
  TempDir dir("invalid");
  const std::string path = dir.log_path();
  const UnixSeconds t = at("2026-12-03T09:00:00Z");
  CHECK_THROWS_AS(append_review(path, entry("classify:lock-bound", Rating::Good, t, 120.0)), std::runtime_error);
  CHECK_THROWS_AS(append_review(path, entry("lock-bound", Rating::Good, t)), std::runtime_error);
  CHECK_THROWS_AS(append_review(path, entry("classify:Lock Bound", Rating::Good, t)), std::runtime_error);
  ReviewEntry no_card = entry("classify:lock-bound", Rating::Good, t);
  no_card.card.clear();
  CHECK_THROWS_AS(append_review(path, no_card), std::runtime_error);
  CHECK_FALSE(fs::exists(fs::path(path).parent_path()));
  CHECK(is_review_item_name("classify:lock-bound"));
  CHECK_FALSE(is_review_item_name("classify:lock:bound"));
  CHECK_FALSE(is_review_item_name(":lock-bound"));
}

TEST_CASE("the schedule rebuilt from the log is fsrs_review replayed by hand", "[review_log]") {
  const UnixSeconds t = at("2026-12-03T09:00:00Z");
  const std::vector<ReviewEntry> entries{
      entry("classify:lock-bound", Rating::Again, t, 40.0),
      entry("predict:cache-bound", Rating::Good, t + 30, 88.0),
      entry("classify:lock-bound", Rating::Good, t + 600, 90.0),
      entry("classify:lock-bound", Rating::Good, t + 86400 + 5, 92.0),
      entry("classify:lock-bound", Rating::Again, t + 5 * 86400, 10.0),
      entry("classify:lock-bound", Rating::Good, t + 5 * 86400 + 600, 95.0),
  };
  MemoryState by_hand;
  for (const ReviewEntry& e : entries)
    if (e.item == "classify:lock-bound") by_hand = fsrs_review(by_hand, e.rating, e.time);

  const auto schedules = rebuild_schedule(entries);
  REQUIRE(schedules.size() == 2);
  const ItemSchedule& lock = schedules.at("classify:lock-bound");
  check_same(lock.memory, by_hand);
  CHECK(lock.item == "classify:lock-bound");
  CHECK(lock.reviews == 5);
  CHECK(lock.again == 2);
  CHECK(lock.last_score == 95.0);
  CHECK(lock.last_review == t + 5 * 86400 + 600);
  CHECK(lock.last_card == entries.back().card);
  // The first review's Again tests nothing learnt yet: 3 of the 4 later ones recalled.
  CHECK(recall_rate(lock) == 0.75);
  CHECK(std::isnan(recall_rate(schedules.at("predict:cache-bound"))));
  check_same(schedules.at("predict:cache-bound").memory, fsrs_review(MemoryState{}, Rating::Good, t + 30));
}

TEST_CASE("entries out of time order are replayed in time order, equal times in log order", "[review_log]") {
  const UnixSeconds t = at("2026-12-03T09:00:00Z");
  const ReviewEntry a = entry("classify:lock-bound", Rating::Good, t);
  const ReviewEntry b = entry("classify:lock-bound", Rating::Good, t + 600);
  const ReviewEntry c = entry("classify:lock-bound", Rating::Hard, t + 3 * 86400);
  ReviewEntry d = entry("classify:lock-bound", Rating::Again, t + 3 * 86400);
  d.card = "last";

  const auto in_order = rebuild_schedule({a, b, c, d});
  const auto shuffled = rebuild_schedule({c, a, d, b});
  check_same(shuffled.at(a.item).memory, in_order.at(a.item).memory);
  CHECK(shuffled.at(a.item).last_card == "last");
  // c and d share a time: their order in the log decides. Again last
  // relearns for 10 min; Hard after it, on the one relearning step, for 15.
  const auto swapped = rebuild_schedule({a, b, d, c});
  CHECK(in_order.at(a.item).memory.due == d.time + 600);
  CHECK(swapped.at(a.item).memory.due == c.time + 900);
  CHECK(swapped.at(a.item).last_card == c.card);
}

TEST_CASE("ISO-8601: UTC, offsets, a space, fractions and dates; nothing out of range", "[review_log][iso_time]") {
  const UnixSeconds vector_start = 1669725000;  // 2022-11-29T12:30:00Z
  CHECK(parse_iso8601("2022-11-29T12:30:00Z") == vector_start);
  CHECK(parse_iso8601("2022-11-29T12:30Z") == vector_start);
  CHECK(parse_iso8601("2022-11-29T14:30:00+02:00") == vector_start);
  CHECK(parse_iso8601("2022-11-29T07:00:00-05:30") == vector_start);
  CHECK(parse_iso8601("2022-11-29 12:30:00Z") == vector_start);
  CHECK(parse_iso8601("2022-11-29T12:30:00.999999Z") == vector_start);
  CHECK(parse_iso8601("2022-11-29") == vector_start - (12 * 3600 + 30 * 60));
  CHECK(parse_iso8601("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_iso8601("1969-12-31T23:59:59Z") == -1);
  CHECK(parse_iso8601("2000-02-29T00:00:00Z") == 951782400);
  CHECK(parse_iso8601("2024-02-29"));

  for (const char* bad : {"", "2022-11-29T12:30:00", "2022-13-01", "2022-04-31", "2023-02-29", "1900-02-29",
                          "2022-11-29T24:00:00Z", "2022-11-29T12:60:00Z", "2022-11-29T12:30:60Z",
                          "2022-11-29T12:30:00+24:00", "2022-11-29T12:30:00+02", "2022-11-29T12:30:00.Z",
                          "2022-11-29T12:30:00Zjunk", "2022-11-29x", "22-11-29", "2022-1-29", "2022-11-29T1:30Z",
                          "2022-00-10", "2022-11-00", " 2022-11-29", "2022-11-29t12:30:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad));
  }

  CHECK(format_iso8601(vector_start) == "2022-11-29T12:30:00Z");
  CHECK(format_iso8601(-1) == "1969-12-31T23:59:59Z");
  CHECK(format_iso8601(951782400) == "2000-02-29T00:00:00Z");
  // Every day of four centuries, through leap years and the year 2000.
  int mismatches = 0;
  for (std::int64_t day = days_from_civil(1900, 1, 1); day < days_from_civil(2300, 1, 1); day += 1) {
    const UnixSeconds t = day * kSecondsPerDay + 45296;  // 12:34:56
    if (parse_iso8601(format_iso8601(t)) != t) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(days_from_civil(2300, 1, 1) - days_from_civil(1900, 1, 1) == 400 * 365 + 97);
}
