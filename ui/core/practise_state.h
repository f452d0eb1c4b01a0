// The Practise screen's session, with no drawing in it: the catalogue's
// cards and the learner's log read off the UI thread, a queue of up to ten
// items, each card made in the background while the learner works on the
// one before (so the next is there when they ask for it), the answer's
// draft, its grading (an Enforce replay takes a second) and the review
// written to the log.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/quiz/quiz_grade.h"
#include "sim/quiz/quiz_schedule.h"
#include "ui/core/background_task.h"
#include "ui/core/flame_layout.h"
#include "ui/core/waterfall_layout.h"

namespace perfloop::ui {

inline constexpr std::size_t kPractiseSessionCards = 10;

// What the catalogue and the log hold, read together when Practise opens.
struct PractiseSource {
  std::shared_ptr<const QuizPool> pool;
  ReviewLog log;
};

// A card with what its evidence draws from, built off the UI thread.
struct PreparedCard {
  std::size_t index = 0;  // in the session's queue
  std::shared_ptr<QuizCard> card;
  // classify: CPU, allocation and off-CPU flame graphs, in the card's stream order
  std::vector<std::shared_ptr<const FlameTree>> flames;
  WaterfallTrace waterfall;                // classify: the slowest trace
  bool has_waterfall = false;
};

struct PractiseDraft {
  std::vector<std::string> families;
  double headline = 0.0;
  int go = -1;  // -1: not chosen, 0 no-go, 1 go
  std::map<std::string, double> gates;  // chosen gate -> threshold
  // The calculator's inputs, from the card, then the learner's.
  double share_pct = 0.0, speedup = 1.0, utilisation = 0.0;
  int cores = 1;        // now, from the card
  int cores_after = 1;  // once the fix lands: the learner's reading of the fix
  std::size_t flame_stream = 0;  // classify: which of the card's streams the flame graph shows (CPU first)
};

struct PractiseState {
  bool opened = false;                 // the source was asked for since Practise opened
  BackgroundTask<PractiseSource> source_task;
  std::shared_ptr<const QuizPool> pool;
  std::vector<ReviewEntry> entries;    // the log, as read, plus this session's reviews
  std::vector<std::string> log_problems;
  bool log_writable = true;
  bool ready = false;                  // pool and log are in

  std::vector<std::string> queue;      // this session's items
  std::vector<int> reviews_at_start;   // each item's reviews when the session began (its card's seed)
  std::size_t index = 0;               // the card shown
  std::map<std::size_t, PreparedCard> prepared;
  BackgroundTask<PreparedCard> prepare_task;
  bool preparing = false;
  std::size_t preparing_index = 0;
  std::vector<std::size_t> failed;     // cards that could not be made (reported, skipped)

  PractiseDraft draft;
  double card_shown_at = -1.0;         // UI clock when the card appeared, for the log's duration
  BackgroundTask<QuizResult> grade_task;
  bool grading = false;
  std::optional<QuizResult> result;
  // Where the shown card's item would stand after each rating (Again .. Easy), worked out when the result came.
  std::vector<MemoryState> rating_outcomes;
  UnixSeconds outcomes_at = 0;
  std::optional<Rating> rating_request;  // clicked this frame, applied at the next
  double seconds = -1.0;               // time the learner took on the card
  std::vector<double> scores;          // this session's, for its summary
  bool show_stats = false;
  // The schedule and its stats, rebuilt when a review is added or a second
  // has passed, not every frame.
  QuizDeck deck;
  DeckStats stats;
  std::size_t deck_entries = 0;
  UnixSeconds deck_at = -1;
};

// Starts reading the catalogue's cards and the log (once per opening of Practise).
void open_practise(PractiseState& practise, const std::string& catalogue_dir, const std::string& data_dir);
// Takes what the background tasks produced; starts the next card's preparation when nothing runs.
// Returns the error messages to report (a card that could not be made, the log's damaged lines).
std::vector<std::string> poll_practise(PractiseState& practise, UnixSeconds now);
// A new session: the due and new items at `now`.
void start_practise_session(PractiseState& practise, UnixSeconds now);
// The card shown, once prepared; null while it is being made.
const PreparedCard* shown_card(const PractiseState& practise);
// Grades the draft on the grading task.
void check_practise_answer(PractiseState& practise, double now_s);
// The draft as an answer to `card`.
QuizAnswer draft_answer(const QuizCard& card, const PractiseDraft& draft);
// The schedule as it stands at `now` (and its stats in practise.stats).
const QuizDeck& practise_deck(PractiseState& practise, UnixSeconds now);
// Logs the review with `rating` in DATA's log and moves to the next card;
// with `data_dir` empty (no folder, or one this version may not write)
// moves on without logging. Throws std::runtime_error (the folder is gone)
// with nothing moved.
void rate_practise_card(PractiseState& practise, const std::string& data_dir, Rating rating, UnixSeconds now);
// True when every card of the session has been rated or skipped.
bool practise_session_done(const PractiseState& practise);
// Fills the draft's calculator from a new card.
void reset_practise_draft(PractiseState& practise, const QuizCard& card);

}  // namespace perfloop::ui
