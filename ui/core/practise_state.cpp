#include "ui/core/practise_state.h"

#include <algorithm>
#include <stdexcept>

#include "sim/quiz/quiz_store.h"

namespace perfloop::ui {

namespace {

PreparedCard prepare(std::shared_ptr<const QuizPool> pool, std::size_t index, std::string item, int reviews) {
  const auto parsed = parse_quiz_item(item);
  if (!parsed) throw QuizError("not an item: " + item);
  PreparedCard out;
  out.index = index;
  out.card = std::make_shared<QuizCard>(make_quiz_card(*pool, draw_card_id(*pool, *parsed, quiz_card_seed(item, reviews))));
  const QuizCard& card = *out.card;
  if (card.kind() == QuizKind::Classify) {
    const Capture& c = card.classify.capture;
    const std::size_t endpoint = static_cast<std::size_t>(std::max(0, c.endpoint));
    for (const StreamView& v : card.classify.streams) {
      const FlameMeasure measure = v.stream == "alloc"    ? FlameMeasure::AllocBytes
                                   : v.stream == "offcpu" ? FlameMeasure::OffCpuNs
                                                          : FlameMeasure::CpuSamples;
      out.flames.push_back(std::make_shared<const FlameTree>(
          build_flame_tree(c.symbols, c.profile, endpoint, measure, c.has_baseline ? &c.baseline : nullptr)));
    }
    if (card.classify.trace >= 0 && c.endpoint >= 0) {
      const auto& spans = c.symbols.endpoints()[endpoint].spans;
      std::vector<double> ghosts(spans.size());
      for (std::size_t s = 0; s < spans.size(); ++s) ghosts[s] = c.span_baseline_ms(s);
      out.waterfall = build_waterfall(c.slow_traces[static_cast<std::size_t>(card.classify.trace)], spans, ghosts);
      out.has_waterfall = true;
    }
  }
  return out;
}

void start_preparing(PractiseState& p, std::size_t index) {
  const std::shared_ptr<const QuizPool> pool = p.pool;
  const std::string item = p.queue[index];
  const int reviews = p.reviews_at_start[index];
  p.preparing = true;
  p.preparing_index = index;
  p.prepare_task.start([pool, index, item, reviews] { return prepare(pool, index, item, reviews); });
}

std::vector<MemoryState> outcomes_of(const PractiseState& p, const std::string& item, UnixSeconds now) {
  const auto schedule = rebuild_schedule(p.entries);
  const auto it = schedule.find(item);
  const MemoryState memory = it == schedule.end() ? MemoryState{} : it->second.memory;
  std::vector<MemoryState> out;
  for (Rating r : {Rating::Again, Rating::Hard, Rating::Good, Rating::Easy}) out.push_back(fsrs_review(memory, r, now));
  return out;
}

bool skipped(const PractiseState& p, std::size_t index) {
  return std::find(p.failed.begin(), p.failed.end(), index) != p.failed.end();
}

}  // namespace

void open_practise(PractiseState& p, const std::string& catalogue_dir, const std::string& data_dir) {
  if (p.opened) return;
  p.opened = true;
  p.source_task.start([catalogue_dir, data_dir] {
    PractiseSource s;
    s.pool = std::make_shared<const QuizPool>(load_quiz_pool(catalogue_dir));
    if (!data_dir.empty()) s.log = read_review_log(review_log_path(data_dir));
    return s;
  });
}

std::vector<std::string> poll_practise(PractiseState& p, UnixSeconds now) {
  std::vector<std::string> problems;
  if (auto source = p.source_task.take()) {
    p.pool = source->pool;
    p.entries = std::move(source->log.entries);
    p.log_problems = std::move(source->log.problems);
    p.log_writable = source->log.readable_version;
    p.ready = true;
    for (const auto& problem : p.pool->problems) problems.push_back("A scenario makes no quiz cards: " + problem);
    for (const auto& problem : p.log_problems) problems.push_back("Review log: " + problem);
    start_practise_session(p, now);
  }
  if (std::string e = p.source_task.take_error(); !e.empty()) problems.push_back("Practise could not start: " + e);
  if (auto card = p.prepare_task.take()) {
    p.prepared[card->index] = std::move(*card);
    p.preparing = false;
  }
  if (std::string e = p.prepare_task.take_error(); !e.empty()) {
    problems.push_back("A card could not be made, and is skipped: " + e);
    p.failed.push_back(p.preparing_index);
    p.preparing = false;
  }
  if (auto result = p.grade_task.take()) {
    p.result = std::move(*result);
    p.grading = false;
    if (const PreparedCard* shown = shown_card(p)) {
      p.rating_outcomes = outcomes_of(p, shown->card->item, now);
      p.outcomes_at = now;
    }
  }
  if (std::string e = p.grade_task.take_error(); !e.empty()) {
    problems.push_back("The answer could not be graded: " + e);
    p.grading = false;
  }
  // Skip past cards that failed; then keep the shown card and the one after it ready.
  while (p.index < p.queue.size() && skipped(p, p.index)) ++p.index;
  if (!p.preparing && p.ready)
    for (std::size_t i = p.index; i < p.queue.size() && i <= p.index + 1; ++i)
      if (!p.prepared.count(i) && !skipped(p, i)) {
        start_preparing(p, i);
        break;
      }
  return problems;
}

void start_practise_session(PractiseState& p, UnixSeconds now) {
  const QuizDeck& deck = practise_deck(p, now);
  p.queue = quiz_queue(deck, kPractiseSessionCards);
  p.reviews_at_start.clear();
  for (const auto& item : p.queue) {
    int reviews = 0;
    for (const auto& s : deck.items)
      if (s.item == item) reviews = s.reviews;
    p.reviews_at_start.push_back(reviews);
  }
  p.index = 0;
  p.prepared.clear();
  p.failed.clear();
  p.result.reset();
  p.scores.clear();
  p.card_shown_at = -1.0;
}

const PreparedCard* shown_card(const PractiseState& p) {
  const auto it = p.prepared.find(p.index);
  return it == p.prepared.end() ? nullptr : &it->second;
}

void reset_practise_draft(PractiseState& p, const QuizCard& card) {
  p.draft = PractiseDraft{};
  p.draft.share_pct = card.predict.share_pct;
  p.draft.speedup = card.predict.local_speedup;
  p.draft.cores = card.predict.cores;
  p.draft.cores_after = card.predict.cores;
  p.draft.utilisation = card.predict.cpu_utilisation;
}

QuizAnswer draft_answer(const QuizCard& card, const PractiseDraft& d) {
  QuizAnswer a;
  a.families = d.families;
  a.headline = d.headline;
  a.go = d.go == 1;
  for (const auto& choice : card.choices)  // in the card's order
    if (const auto it = d.gates.find(choice.id); it != d.gates.end()) a.gates.push_back({choice.id, it->second});
  return a;
}

void check_practise_answer(PractiseState& p, double now_s) {
  const PreparedCard* shown = shown_card(p);
  if (!shown || p.grading) return;
  const std::shared_ptr<QuizCard> card = shown->card;
  const QuizAnswer answer = draft_answer(*card, p.draft);
  p.seconds = p.card_shown_at >= 0 ? now_s - p.card_shown_at : -1.0;
  p.grading = true;
  p.grade_task.start([card, answer] { return grade_quiz(*card, answer); });
}

const QuizDeck& practise_deck(PractiseState& p, UnixSeconds now) {
  if (p.pool && (p.deck_entries != p.entries.size() || p.deck_at != now)) {
    p.deck = quiz_deck(*p.pool, p.entries, now);
    p.stats = deck_stats(p.deck, p.entries, now);
    p.deck_entries = p.entries.size();
    p.deck_at = now;
  }
  return p.deck;
}



void rate_practise_card(PractiseState& p, const std::string& data_dir, Rating rating, UnixSeconds now) {
  const PreparedCard* shown = shown_card(p);
  if (!shown || !p.result) return;
  if (!data_dir.empty()) record_quiz_review(data_dir, false, *shown->card, rating, p.result->score, now, p.seconds);
  ReviewEntry e;
  e.item = shown->card->item;
  e.card = shown->card->id;
  e.rating = rating;
  e.score = p.result->score;
  e.time = now;
  p.entries.push_back(e);
  p.scores.push_back(p.result->score);
  p.prepared.erase(p.index);
  ++p.index;
  p.result.reset();
  p.card_shown_at = -1.0;
}

bool practise_session_done(const PractiseState& p) { return p.ready && p.index >= p.queue.size(); }

}  // namespace perfloop::ui
