#include "sim/learn/fsrs.h"

#include <algorithm>
#include <cmath>

namespace perfloop {

namespace {

// py-fsrs never lets stability reach 0: the forgetting curve divides by it.
constexpr double kMinimumStability = 0.001;

double decay(const FsrsParameters& p) { return -p.w[20]; }

// Chosen so that the curve passes through 90% at t = S, whatever the decay:
// that is what makes stability "days until recall falls to 90%".
double curve_factor(const FsrsParameters& p) { return std::pow(0.9, 1.0 / decay(p)) - 1.0; }

int grade(Rating rating) { return static_cast<int>(rating); }

double clamp_stability(double s) { return std::max(s, kMinimumStability); }

double unclamped_initial_difficulty(Rating rating, const FsrsParameters& p) {
  return p.w[4] - std::exp(p.w[5] * (grade(rating) - 1)) + 1.0;
}

double initial_difficulty(Rating rating, const FsrsParameters& p) {
  return std::clamp(unclamped_initial_difficulty(rating, p), 1.0, 10.0);
}

double initial_stability(Rating rating, const FsrsParameters& p) { return clamp_stability(p.w[grade(rating) - 1]); }

double next_difficulty(double d, Rating rating, const FsrsParameters& p) {
  // The step shrinks as D nears 10 (linear damping), then D is pulled a
  // little (w7) towards the Easy starting point so it cannot drift for ever.
  const double step = -p.w[6] * (grade(rating) - 3);
  const double damped = d + (10.0 - d) * step / 9.0;
  const double reverted = p.w[7] * unclamped_initial_difficulty(Rating::Easy, p) + (1.0 - p.w[7]) * damped;
  return std::clamp(reverted, 1.0, 10.0);
}

double stability_after_recall(double s, double d, double r, Rating rating, const FsrsParameters& p) {
  const double hard_penalty = rating == Rating::Hard ? p.w[15] : 1.0;
  const double easy_bonus = rating == Rating::Easy ? p.w[16] : 1.0;
  const double growth =
      std::exp(p.w[8]) * (11.0 - d) * std::pow(s, -p.w[9]) * (std::exp(p.w[10] * (1.0 - r)) - 1.0);
  return clamp_stability(s * (1.0 + growth * hard_penalty * easy_bonus));
}

double stability_after_lapse(double s, double d, double r, const FsrsParameters& p) {
  const double long_term =
      p.w[11] * std::pow(d, -p.w[12]) * (std::pow(s + 1.0, p.w[13]) - 1.0) * std::exp(p.w[14] * (1.0 - r));
  // A lapse never leaves the memory more stable than a same-day Again would.
  const double short_term = s / std::exp(p.w[17] * p.w[18]);
  return clamp_stability(std::min(long_term, short_term));
}

double same_day_stability(double s, Rating rating, const FsrsParameters& p) {
  double increase = std::exp(p.w[17] * (grade(rating) - 3 + p.w[18])) * std::pow(s, -p.w[19]);
  // Remembering, even the same day, must not make the memory weaker.
  if (rating == Rating::Good || rating == Rating::Easy) increase = std::max(increase, 1.0);
  return clamp_stability(s * increase);
}

// Whole days from `from` to `to`, rounded down as Python's timedelta.days.
std::int64_t whole_days_between(UnixSeconds from, UnixSeconds to) {
  const std::int64_t diff = to - from;
  return diff >= 0 ? diff / kSecondsPerDay : -((-diff + kSecondsPerDay - 1) / kSecondsPerDay);
}

// Python's round(): halves go to the even neighbour.
double round_half_even(double x) {
  const double nearest = std::round(x);
  if (std::fabs(x - std::trunc(x)) == 0.5) return 2.0 * std::round(x / 2.0);
  return nearest;
}

void update_memory(MemoryState& next, Rating rating, UnixSeconds at, const FsrsParameters& p) {
  if (next.phase == MemoryPhase::New) {
    next.stability = initial_stability(rating, p);
    next.difficulty = initial_difficulty(rating, p);
    return;
  }
  const double s = next.stability, d = next.difficulty;
  if (whole_days_between(next.last_review, at) < 1) {
    next.stability = same_day_stability(s, rating, p);
  } else {
    const double r = fsrs_retrievability(next, at, p);
    next.stability = rating == Rating::Again ? stability_after_lapse(s, d, r, p)
                                             : stability_after_recall(s, d, r, rating, p);
  }
  next.difficulty = next_difficulty(d, rating, p);
}

void enter_review(MemoryState& next, UnixSeconds at, const FsrsParameters& p) {
  next.phase = MemoryPhase::Review;
  next.step = 0;
  next.due = at + fsrs_interval_days(next.stability, p) * kSecondsPerDay;
}

// Learning and Relearning share their rules; only the steps differ.
void schedule_in_steps(MemoryState& next, const std::vector<int>& steps, MemoryPhase stepping, Rating rating,
                       UnixSeconds at, const FsrsParameters& p) {
  const auto step_count = static_cast<int>(steps.size());
  // A memory may be past the last step if the steps were shortened since.
  if (steps.empty() || (next.step >= step_count && rating != Rating::Again)) return enter_review(next, at, p);
  next.phase = stepping;
  switch (rating) {
    case Rating::Again:
      next.step = 0;
      next.due = at + steps[0];
      return;
    case Rating::Hard: {
      // Stays on its step; on the first step it waits between the first two.
      double wait = steps[next.step];
      if (next.step == 0) wait = step_count == 1 ? steps[0] * 1.5 : (steps[0] + steps[1]) / 2.0;
      next.due = at + std::llround(wait);
      return;
    }
    case Rating::Good:
      if (next.step + 1 >= step_count) return enter_review(next, at, p);
      ++next.step;
      next.due = at + steps[next.step];
      return;
    case Rating::Easy:
      return enter_review(next, at, p);
  }
}

}  // namespace

const char* rating_name(Rating rating) {
  switch (rating) {
    case Rating::Again: return "again";
    case Rating::Hard: return "hard";
    case Rating::Good: return "good";
    case Rating::Easy: return "easy";
  }
  return "?";
}

std::optional<Rating> parse_rating(std::string_view name) {
  for (Rating r : {Rating::Again, Rating::Hard, Rating::Good, Rating::Easy})
    if (name == rating_name(r)) return r;
  return std::nullopt;
}

Rating suggested_rating(double score_fraction) {
  if (!(score_fraction >= 0.6)) return Rating::Again;  // NaN too: no grade, no credit
  if (score_fraction < 0.85) return Rating::Hard;
  return Rating::Good;
}

const char* phase_name(MemoryPhase phase) {
  switch (phase) {
    case MemoryPhase::New: return "new";
    case MemoryPhase::Learning: return "learning";
    case MemoryPhase::Review: return "review";
    case MemoryPhase::Relearning: return "relearning";
  }
  return "?";
}

double fsrs_forgetting_curve(double days, double stability, const FsrsParameters& p) {
  return std::pow(1.0 + curve_factor(p) * days / stability, decay(p));
}

double fsrs_exact_interval(double stability, const FsrsParameters& p) {
  return stability / curve_factor(p) * (std::pow(p.desired_retention, 1.0 / decay(p)) - 1.0);
}

int fsrs_interval_days(double stability, const FsrsParameters& p) {
  const double rounded = round_half_even(fsrs_exact_interval(stability, p));
  if (!(rounded >= 1.0)) return 1;  // NaN included
  return static_cast<int>(std::min(rounded, static_cast<double>(std::max(1, p.maximum_interval_days))));
}

double fsrs_retrievability(const MemoryState& state, UnixSeconds at, const FsrsParameters& p) {
  if (state.phase == MemoryPhase::New) return 0.0;
  const auto days = std::max<std::int64_t>(0, whole_days_between(state.last_review, at));
  return fsrs_forgetting_curve(static_cast<double>(days), state.stability, p);
}

MemoryState fsrs_review(const MemoryState& state, Rating rating, UnixSeconds at, const FsrsParameters& p) {
  MemoryState next = state;
  update_memory(next, rating, at, p);
  switch (state.phase) {
    case MemoryPhase::New:
      next.step = 0;
      [[fallthrough]];
    case MemoryPhase::Learning:
      schedule_in_steps(next, p.learning_steps_s, MemoryPhase::Learning, rating, at, p);
      break;
    case MemoryPhase::Relearning:
      schedule_in_steps(next, p.relearning_steps_s, MemoryPhase::Relearning, rating, at, p);
      break;
    case MemoryPhase::Review:
      if (rating == Rating::Again) {
        ++next.lapses;
        if (!p.relearning_steps_s.empty()) {
          next.phase = MemoryPhase::Relearning;
          next.step = 0;
          next.due = at + p.relearning_steps_s[0];
          break;
        }
      }
      enter_review(next, at, p);
      break;
  }
  next.last_review = at;
  ++next.reviews;
  return next;
}

}  // namespace perfloop
