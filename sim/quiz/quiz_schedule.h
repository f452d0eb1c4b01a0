// Which card comes next, and where each item stands: the review log
// replayed through FSRS (sim/learn/review_log.h), against the items the
// catalogue can make. Everything takes `now` from the caller, so a schedule
// is a pure function of the log, the catalogue and the time asked about.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/learn/review_log.h"
#include "sim/quiz/quiz_pool.h"

namespace perfloop {

struct ItemStatus {
  std::string item;
  QuizKind kind = QuizKind::Classify;
  std::string family;
  MemoryPhase phase = MemoryPhase::New;
  UnixSeconds due = 0;         // 0 while new
  bool is_due = false;         // due at `now` (new items are not "due", they are new)
  double stability = 0.0, difficulty = 0.0;
  double retrievability = 0.0; // at `now`
  int reviews = 0, lapses = 0;
  double retention = 0.0;      // observed: NaN before the second review
  double last_score = 0.0;
};

struct QuizDeck {
  std::vector<ItemStatus> items;  // every item the catalogue can make, in pool order
};

// `entries`: the review log's (read_review_log; its problems are the caller's to report).
QuizDeck quiz_deck(const QuizPool& pool, const std::vector<ReviewEntry>& entries, UnixSeconds now);

// The items to review at `now`, at most `limit`: the due ones, most overdue
// first, then new ones in a fixed shuffled order;
// `kind` filters. When nothing is due or new, the ones due soonest (a
// learner may always practise ahead).
std::vector<std::string> quiz_queue(const QuizDeck& deck, std::size_t limit, std::optional<QuizKind> kind = std::nullopt);

// The seed of the card an item shows next: new at each review of the item,
// the same until it is answered (so asking twice shows one card).
std::uint32_t quiz_card_seed(const std::string& item, int reviews);

struct DeckStats {
  int reviews = 0;
  int streak_days = 0;                 // days in a row, up to today or yesterday, with a review (UTC)
  std::vector<int> due_by_day;         // cards due in each of the next 7 days (index 0: by the end of today)
  double retention = 0.0;              // observed, over every item; NaN before any second review
  std::map<std::string, double> family_stability;  // mean stability of the reviewed items, per family
};

DeckStats deck_stats(const QuizDeck& deck, const std::vector<ReviewEntry>& entries, UnixSeconds now);

}  // namespace perfloop
