// The quiz's FSRS-6 scheduler: the published py-fsrs vectors (default
// weights, no fuzz), the forgetting curve's defining property, and the
// learning and relearning steps rating by rating.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sim/learn/fsrs.h"
#include "sim/learn/iso_time.h"

using namespace perfloop;

namespace {

constexpr UnixSeconds kMinute = 60;
constexpr UnixSeconds kDay = kSecondsPerDay;

UnixSeconds vector_start() { return *parse_iso8601("2022-11-29T12:30:00Z"); }

MemoryState reviewed(std::initializer_list<Rating> ratings, UnixSeconds at, const FsrsParameters& p = {}) {
  MemoryState memory;
  for (Rating rating : ratings) memory = fsrs_review(memory, rating, at, p);
  return memory;
}

}  // namespace

TEST_CASE("py-fsrs vector: each review at its due time gives the published intervals", "[fsrs]") {
  using R = Rating;
  const std::vector<Rating> ratings{R::Good,  R::Good, R::Good, R::Good, R::Good, R::Good, R::Again,
                                    R::Again, R::Good, R::Good, R::Good, R::Good, R::Good};
  MemoryState memory;
  UnixSeconds at = vector_start();
  std::vector<std::int64_t> intervals;
  for (Rating rating : ratings) {
    memory = fsrs_review(memory, rating, at);
    REQUIRE(memory.last_review == at);
    intervals.push_back((memory.due - memory.last_review) / kDay);
    at = memory.due;
  }
  CHECK(intervals == std::vector<std::int64_t>{0, 2, 11, 46, 163, 498, 0, 0, 2, 4, 7, 12, 21});
  CHECK(memory.phase == MemoryPhase::Review);
  CHECK(memory.reviews == 13);
  CHECK(memory.lapses == 1);  // the second Again was already in Relearning
}

TEST_CASE("py-fsrs vector: Again then Good x5 leaves the published stability and difficulty", "[fsrs]") {
  using R = Rating;
  // Each gap is counted from the review before (py-fsrs adds it to the last
  // review time): the reviews fall on days 0, 0, 1, 4, 12 and 33.
  const std::vector<Rating> ratings{R::Again, R::Good, R::Good, R::Good, R::Good, R::Good};
  const std::vector<int> gap_days{0, 0, 1, 3, 8, 21};
  MemoryState memory;
  UnixSeconds at = vector_start();
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    at += gap_days[i] * kDay;
    memory = fsrs_review(memory, ratings[i], at);
  }
  CHECK(memory.stability == Approx(53.62691).margin(1e-4));
  CHECK(memory.difficulty == Approx(6.3574867).margin(1e-4));
}

TEST_CASE("the curve reaches the desired retention exactly at the unrounded interval", "[fsrs]") {
  FsrsParameters p;
  const auto desired_retention_at_interval = [&](double stability) {
    return fsrs_forgetting_curve(fsrs_exact_interval(stability, p), stability, p);
  };
  for (double stability : {0.1, 1.0, 2.3065, 17.0, 400.0}) {
    CHECK(desired_retention_at_interval(stability) == Approx(0.9).epsilon(1e-12));
    // At 90% the interval is the stability itself: that is what S means.
    CHECK(fsrs_exact_interval(stability, p) == Approx(stability).epsilon(1e-12));
  }
  // Another retention and another decay: an implementation that returned S,
  // or ignored w20, fails here.
  p.desired_retention = 0.8;
  p.w[20] = 0.5;
  for (double stability : {0.5, 3.0, 90.0}) {
    CHECK(desired_retention_at_interval(stability) == Approx(0.8).epsilon(1e-12));
    CHECK(fsrs_exact_interval(stability, p) > stability * 1.5);
  }
  CHECK(fsrs_forgetting_curve(5.0, 5.0, p) == Approx(0.9).epsilon(1e-12));
}

TEST_CASE("recall falls with time and counts whole days only", "[fsrs]") {
  const FsrsParameters p;
  CHECK(fsrs_forgetting_curve(0.0, 3.0, p) == 1.0);
  double previous = 1.0;
  for (int day = 1; day <= 400; ++day) {
    const double recall = fsrs_forgetting_curve(day, 3.0, p);
    REQUIRE(recall < previous);
    REQUIRE(recall > 0.0);
    previous = recall;
  }
  const MemoryState memory = reviewed({Rating::Good}, vector_start());
  CHECK(fsrs_retrievability(MemoryState{}, vector_start()) == 0.0);
  CHECK(fsrs_retrievability(memory, vector_start() + kDay - 1) == 1.0);
  CHECK(fsrs_retrievability(memory, vector_start() + 2 * kDay - 1) ==
        fsrs_forgetting_curve(1.0, memory.stability, p));
  CHECK(fsrs_retrievability(memory, vector_start() - 5 * kDay) == 1.0);  // a clock set back is no time at all
}

TEST_CASE("the first review sets S and D from the rating; D0 is clamped to 1..10", "[fsrs]") {
  const FsrsParameters defaults;
  const MemoryState good = reviewed({Rating::Good}, 0);
  CHECK(good.stability == defaults.w[2]);
  CHECK(good.difficulty == Approx(defaults.w[4] - std::exp(defaults.w[5] * 2) + 1));
  // Unclamped, Easy's D0 is 6.4133 - e^(3 * 0.8334) + 1 = -4.77.
  CHECK(reviewed({Rating::Easy}, 0).difficulty == 1.0);
  FsrsParameters hard_start;
  hard_start.w[4] = 20.0;
  CHECK(reviewed({Rating::Again}, 0, hard_start).difficulty == 10.0);
  CHECK(reviewed({Rating::Again}, 0).difficulty < 10.0);
}

TEST_CASE("a quiz grade suggests a rating: below 60% Again, below 85% Hard, else Good", "[fsrs]") {
  CHECK(suggested_rating(0.0) == Rating::Again);
  CHECK(suggested_rating(0.599) == Rating::Again);
  CHECK(suggested_rating(0.6) == Rating::Hard);
  CHECK(suggested_rating(0.849) == Rating::Hard);
  CHECK(suggested_rating(0.85) == Rating::Good);
  CHECK(suggested_rating(1.0) == Rating::Good);
  CHECK(suggested_rating(std::nan("")) == Rating::Again);
}

TEST_CASE("ratings and phases have lower-case names; other spellings are refused", "[fsrs]") {
  for (Rating r : {Rating::Again, Rating::Hard, Rating::Good, Rating::Easy}) CHECK(parse_rating(rating_name(r)) == r);
  CHECK(std::string(rating_name(Rating::Again)) == "again");
  CHECK_FALSE(parse_rating("Good"));
  CHECK_FALSE(parse_rating("3"));
  CHECK_FALSE(parse_rating(""));
  CHECK(std::string(phase_name(MemoryPhase::Relearning)) == "relearning");
  CHECK(std::string(phase_name(MemoryPhase::New)) == "new");
}

TEST_CASE("learning steps: Again 1 min, Hard 5.5 min then its step, Good the next step, Easy to Review", "[fsrs]") {
  const UnixSeconds t = vector_start();
  const MemoryState again = reviewed({Rating::Again}, t);
  CHECK(again.phase == MemoryPhase::Learning);
  CHECK(again.step == 0);
  CHECK(again.due == t + kMinute);

  CHECK(reviewed({Rating::Hard}, t).due == t + 330);

  const MemoryState good = reviewed({Rating::Good}, t);
  CHECK(good.phase == MemoryPhase::Learning);
  CHECK(good.step == 1);
  CHECK(good.due == t + 10 * kMinute);

  const MemoryState hard_later = fsrs_review(good, Rating::Hard, good.due);
  CHECK(hard_later.step == 1);
  CHECK(hard_later.due == good.due + 10 * kMinute);

  const MemoryState back = fsrs_review(good, Rating::Again, good.due);
  CHECK(back.step == 0);
  CHECK(back.due == good.due + kMinute);

  const MemoryState easy = reviewed({Rating::Easy}, t);
  CHECK(easy.phase == MemoryPhase::Review);
  CHECK(easy.due == t + fsrs_interval_days(easy.stability) * kDay);

  FsrsParameters one_step;
  one_step.learning_steps_s = {100};
  CHECK(reviewed({Rating::Hard}, t, one_step).due == t + 150);
  CHECK(reviewed({Rating::Good}, t, one_step).phase == MemoryPhase::Review);

  FsrsParameters no_steps;
  no_steps.learning_steps_s.clear();
  CHECK(reviewed({Rating::Again}, t, no_steps).phase == MemoryPhase::Review);
  CHECK(reviewed({Rating::Again}, t, no_steps).due == t + kDay);
}

TEST_CASE("a lapse in Review relearns for 10 min; Good there returns to Review", "[fsrs]") {
  const UnixSeconds t = vector_start();
  MemoryState memory = reviewed({Rating::Easy}, t);
  REQUIRE(memory.phase == MemoryPhase::Review);
  const UnixSeconds later = memory.due;
  memory = fsrs_review(memory, Rating::Again, later);
  CHECK(memory.phase == MemoryPhase::Relearning);
  CHECK(memory.step == 0);
  CHECK(memory.due == later + 10 * kMinute);
  CHECK(memory.lapses == 1);

  // One relearning step: Hard waits one and a half of it.
  CHECK(fsrs_review(memory, Rating::Hard, memory.due).due == memory.due + 15 * kMinute);
  CHECK(fsrs_review(memory, Rating::Hard, memory.due).phase == MemoryPhase::Relearning);

  const MemoryState relearnt = fsrs_review(memory, Rating::Good, memory.due);
  CHECK(relearnt.phase == MemoryPhase::Review);
  CHECK(relearnt.due == memory.due + fsrs_interval_days(relearnt.stability) * kDay);

  FsrsParameters no_relearning;
  no_relearning.relearning_steps_s.clear();
  const MemoryState straight = fsrs_review(reviewed({Rating::Easy}, t), Rating::Again, later, no_relearning);
  CHECK(straight.phase == MemoryPhase::Review);
  CHECK(straight.lapses == 1);
}

TEST_CASE("review intervals: rounded half to even, at least a day, at most the maximum", "[fsrs]") {
  FsrsParameters p;
  CHECK(fsrs_interval_days(0.001, p) == 1);
  CHECK(fsrs_interval_days(2.4, p) == 2);
  CHECK(fsrs_interval_days(2.6, p) == 3);
  CHECK(fsrs_interval_days(1e9, p) == 36500);
  p.maximum_interval_days = 30;
  CHECK(fsrs_interval_days(100.0, p) == 30);
  // Stability grows with successful reviews, and the next review is later.
  MemoryState memory = reviewed({Rating::Good, Rating::Good}, vector_start());
  for (int i = 0; i < 5; ++i) {
    const MemoryState next = fsrs_review(memory, Rating::Good, memory.due);
    CHECK(next.stability > memory.stability);
    CHECK(next.due - next.last_review > memory.due - memory.last_review);
    memory = next;
  }
}
