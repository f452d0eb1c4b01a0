// The quiz's scheduler: FSRS-6 (Free Spaced Repetition Scheduler), as
// py-fsrs 6.x computes it with its default weights and no fuzz, so a
// learner's schedule is reproducible from the review log alone. A memory
// is modelled by its stability S (days until recall falls to 90%) and its
// difficulty D (1..10); each review moves both and sets the next due time.
// Facts and test vectors: /work/shared/reference/fsrs6.md.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/learn/iso_time.h"

namespace perfloop {

enum class Rating { Again = 1, Hard = 2, Good = 3, Easy = 4 };

// "again", "hard", "good", "easy": the words the review log stores.
const char* rating_name(Rating rating);
// Those words, lower case only; std::nullopt for anything else.
std::optional<Rating> parse_rating(std::string_view name);

// The rating a quiz grade suggests (score as a fraction, 0..1): below 0.6
// Again, below 0.85 Hard, else Good. Easy is the learner's own call.
Rating suggested_rating(double score_fraction);

enum class MemoryPhase { New, Learning, Review, Relearning };

// "new", "learning", "review", "relearning".
const char* phase_name(MemoryPhase phase);

struct FsrsParameters {
  // FSRS-6 default weights w0..w20: w0..w3 the first stability per rating,
  // w4..w7 difficulty, w8..w10 recall, w11..w14 forgetting, w15/w16 the Hard
  // penalty and Easy bonus, w17..w19 same-day reviews, w20 the forgetting
  // curve's decay.
  std::array<double, 21> w{0.212,  1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001,  1.8722, 0.1666, 0.796,
                           1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542};
  double desired_retention = 0.9;                // the recall probability a Review interval aims at
  std::vector<int> learning_steps_s{60, 600};    // a new card's short steps, in seconds
  std::vector<int> relearning_steps_s{600};      // after a lapse; empty: straight back to Review
  int maximum_interval_days = 36500;
};

struct MemoryState {
  MemoryPhase phase = MemoryPhase::New;
  int step = 0;              // index into the learning or relearning steps
  double stability = 0.0;    // days; 0 while New
  double difficulty = 0.0;   // 1..10; 0 while New
  UnixSeconds due = 0;
  UnixSeconds last_review = 0;  // meaningless while New
  int reviews = 0;
  int lapses = 0;            // Again while in Review
};

// The memory after a review rated `rating` at `at`, which may be before or
// after `state.due` (an early or a late review).
MemoryState fsrs_review(const MemoryState& state, Rating rating, UnixSeconds at, const FsrsParameters& p = {});

// The probability of recall at `at`: the forgetting curve at the whole days
// since the last review (fractions of a day do not count, as in py-fsrs).
// 0 for a New memory.
double fsrs_retrievability(const MemoryState& state, UnixSeconds at, const FsrsParameters& p = {});

// The forgetting curve itself: recall probability `days` after a review
// that left stability S.
double fsrs_forgetting_curve(double days, double stability, const FsrsParameters& p = {});

// The days after which the forgetting curve reaches the desired retention,
// before rounding: fsrs_forgetting_curve(fsrs_exact_interval(S), S) is the
// desired retention.
double fsrs_exact_interval(double stability, const FsrsParameters& p = {});

// The interval a Review memory is given: the exact interval rounded to whole
// days (half to even, as Python's round()), within 1..maximum_interval_days.
int fsrs_interval_days(double stability, const FsrsParameters& p = {});

}  // namespace perfloop
