// `perfloop quiz next|card|answer|stats`: the self-paced quizzes without the
// app, for tests and for teams that show cards in their own tools. Every
// action reads the catalogue (where cards come from) and the learner's
// review log at --at (default now); only `answer` writes, one log line.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "sim/engine/run_budget.h"
#include "sim/io/bounded_file.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"
#include "sim/learn/data_folder.h"
#include "sim/quiz/quiz_json.h"
#include "sim/quiz/quiz_schedule.h"
#include "sim/quiz/quiz_store.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

namespace {

using nlohmann::json;

json number_or_null(double x, int decimals) { return std::isfinite(x) ? json(round_to(x, decimals)) : json(nullptr); }

void print_card(const QuizCard& card) {
  std::printf("Card %s (%s)\n\n%s\n\n", card.id.c_str(), quiz_kind_name(card.kind()), terminal_line(card.prompt, 300).c_str());
  const HeadlineSeries& h = card.headline;
  if (!h.values.empty()) {
    double lo = h.values.front(), hi = lo;
    for (double v : h.values) lo = std::min(lo, v), hi = std::max(hi, v);
    std::printf("%s %s over %.0f s: from %.1f to %.1f %s (target %.0f %s)\n", h.endpoint.c_str(), h.metric.c_str(),
                h.duration_s, lo, hi, h.unit.c_str(), h.target, h.unit.c_str());
  }
  switch (card.kind()) {
    case QuizKind::Classify:
      for (const StreamView& s : card.classify.streams) {
        std::printf("Widest frames, %s (%s):\n", s.stream.c_str(), s.unit.c_str());
        for (std::size_t i = 0; i < s.widest.size() && i < 3; ++i)
          std::printf("  %8.2f  %s\n", s.widest[i].second, terminal_line(s.widest[i].first, 120).c_str());
      }
      break;
    case QuizKind::Predict: {
      const PredictEvidence& p = card.predict;
      std::printf("Now %.1f %s, target %.0f %s. %s holds %.1f%% of the %s profile.\n", p.current, h.unit.c_str(), p.target,
                  h.unit.c_str(), terminal_line(p.hot_spot, 120).c_str(), p.share_pct, p.stream.c_str());
      std::printf("Fix: %s; its benchmark runs that code %.3gx faster.\n", terminal_line(p.fix_title, 160).c_str(), p.local_speedup);
      std::printf("Load: %.0f req/s on %d cores, %.0f%% busy; the hot spot is %.1f%% of the service's CPU.\n", p.rps,
                  p.cores, 100 * p.cpu_utilisation, p.service_cpu_share_pct);
      break;
    }
    case QuizKind::Enforce:
      std::printf("%s: %.1f -> %.1f %s, fixed by %s.\nComing changes:\n", terminal_line(card.enforce.what_happened, 200).c_str(),
                  card.enforce.before, card.enforce.during, h.unit.c_str(), terminal_line(card.enforce.fix_title, 120).c_str());
      for (const auto& c : card.enforce.changes) std::printf("  day %3.0f  %s\n", c.day, terminal_line(c.title, 160).c_str());
      break;
  }
  if (!card.choices.empty()) {
    std::printf("Choices:\n");
    for (const auto& c : card.choices) std::printf("  %-22s %s\n", c.id.c_str(), terminal_line(c.label, 100).c_str());
  }
}

}  // namespace

int run_quiz(const QuizOptions& o) {
  UnixSeconds now = static_cast<UnixSeconds>(std::time(nullptr));
  if (!o.at.empty()) {
    const auto at = parse_iso8601(o.at);
    if (!at) return fail("--at: not an ISO-8601 time with a zone (e.g. 2026-12-03T09:00:00Z): " + quote(o.at, 60));
    now = *at;
  }
  const std::string data_dir = o.data_dir.empty() ? default_data_dir() : o.data_dir;
  if (data_dir.empty()) return fail("no data folder: give --data DIR (HOME is not set)");
  const std::string dir = catalogue_dir();
  if (dir.empty()) return fail("no scenarios folder found (set PERFLOOP_SCENARIOS)");
  const QuizPool pool = load_quiz_pool(dir);
  for (const auto& p : pool.problems) std::cerr << "perfloop: skipped " << terminal_line(p) << "\n";
  const ReviewLog log = read_review_log(review_log_path(data_dir));
  for (const auto& p : log.problems) std::cerr << "perfloop: " << terminal_line(p) << "\n";
  const QuizDeck deck = quiz_deck(pool, log.entries, now);

  if (o.action == "stats") {
    const DeckStats st = deck_stats(deck, log.entries, now);
    json items = json::array();
    for (const auto& s : deck.items)
      items.push_back({{"item", s.item},
                       {"state", phase_name(s.phase)},
                       {"due", s.reviews ? json(format_iso8601(s.due)) : json(nullptr)},
                       {"is_due", s.is_due},
                       {"stability", round_to(s.stability, 4)},
                       {"difficulty", round_to(s.difficulty, 4)},
                       {"retrievability", round_to(s.retrievability, 4)},
                       {"reviews", s.reviews},
                       {"lapses", s.lapses},
                       {"retention", number_or_null(s.retention, 3)},
                       {"last_score", s.last_score}});
    json families = json::object();
    for (const auto& [f, s] : st.family_stability) families[f] = round_to(s, 3);
    const json out = {{"at", format_iso8601(now)}, {"reviews", st.reviews}, {"streak_days", st.streak_days},
                      {"due_by_day", st.due_by_day}, {"retention", number_or_null(st.retention, 3)},
                      {"family_stability", families}, {"items", items}, {"problems", log.problems}};
    if (o.json) {
      std::cout << json_text(out) << "\n";
      return 0;
    }
    std::printf("%d reviews, a %d-day streak; due in the next 7 days:", st.reviews, st.streak_days);
    for (int n : st.due_by_day) std::printf(" %d", n);
    std::printf("\n\n%-28s %-10s %-20s %9s %6s %7s\n", "item", "state", "due", "stability", "diff.", "reviews");
    for (const auto& s : deck.items)
      std::printf("%-28s %-10s %-20s %9.2f %6.2f %7d\n", s.item.c_str(), phase_name(s.phase),
                  s.reviews ? format_iso8601(s.due).c_str() : "-", s.stability, s.difficulty, s.reviews);
    return 0;
  }

  try {
    if (o.action == "next") {
      std::optional<QuizKind> kind;
      if (!o.kind.empty() && !(kind = parse_quiz_kind(o.kind)))
        return fail("--kind: expected classify, predict or enforce, got " + quote(o.kind, 40));
      std::string item = o.item;
      if (item.empty()) {
        const auto queue = quiz_queue(deck, 1, kind);
        if (queue.empty()) return fail("no scenario in " + dir + " makes " + (kind ? o.kind + " " : "") + "cards");
        item = queue.front();
      }
      const auto parsed = parse_quiz_item(item);
      if (!parsed) return fail("--item: expected KIND:FAMILY (e.g. classify:lock-bound), got " + quote(item, 60));
      if (kind && parsed->kind != *kind) return fail("--item " + item + " is not a " + o.kind + " item");
      int reviews = 0;
      for (const auto& s : deck.items)
        if (s.item == item) reviews = s.reviews;
      const QuizCard card = make_quiz_card(pool, draw_card_id(pool, *parsed, quiz_card_seed(item, reviews)));
      if (o.json)
        std::cout << json_text(quiz_card_json(card)) << "\n";
      else
        print_card(card);
      return 0;
    }
    if (o.action == "card") {
      const QuizCard card = make_quiz_card(pool, o.card_id);
      if (o.json)
        std::cout << json_text(quiz_card_json(card)) << "\n";
      else
        print_card(card);
      return 0;
    }
    // answer
    QuizCard card = make_quiz_card(pool, o.card_id);
    std::string text = o.answer;
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (text[first] != '{' && text[first] != '[')) {
      const FileRead read = read_bounded_file(o.answer, kMaxAnswersBytes, "an answer");
      if (!read.ok()) return fail(quote(o.answer, 200) + ": " + read.problem);
      text = read.text;
    }
    std::optional<Rating> rating;
    if (!o.rating.empty() && !(rating = parse_rating(o.rating)))
      return fail("--rating: expected again, hard, good or easy, got " + quote(o.rating, 40));
    const QuizAnswer answer = parse_quiz_answer(card, text);
    const QuizResult result = grade_quiz(card, answer);
    const Rating chosen = rating ? *rating : suggested_rating(result.score / result.max);
    json out = quiz_result_json(card, result);
    out["item"] = card.item;
    out["rating"] = rating_name(chosen);
    out["suggested_rating"] = rating_name(suggested_rating(result.score / result.max));
    int status = 0;
    try {
      const RecordedReview rec = record_quiz_review(data_dir, true, card, chosen, result.score, now, answer.seconds);
      out["next_due"] = format_iso8601(rec.item.memory.due);
      out["interval_days"] = round_to(rec.interval_days, 4);
      out["stability"] = round_to(rec.item.memory.stability, 4);
      out["difficulty"] = round_to(rec.item.memory.difficulty, 4);
      out["state"] = phase_name(rec.item.memory.phase);
    } catch (const std::exception& e) {
      std::cerr << "perfloop: not saved: " << terminal_line(e.what()) << "\n";
      out["next_due"] = nullptr;
      status = 2;
    }
    if (o.json) {
      std::cout << json_text(out) << "\n";
    } else {
      std::printf("Score %.1f of %.0f, rated %s.\n%s\n", result.score, result.max, rating_name(chosen),
                  terminal_line(result.feedback, 2000).c_str());
      if (out["next_due"].is_string())
        std::printf("Next review of %s: %s (in %.2f days).\n", card.item.c_str(), out["next_due"].get<std::string>().c_str(),
                    out["interval_days"].get<double>());
    }
    return status;
  } catch (const QuizError& e) {
    return fail(e.what());
  } catch (const ScenarioError& e) {  // a scenario changed under its card, or a user's that breaks
    return fail(e.what());
  } catch (const RunBudgetError& e) {  // a user's scenario too big for a card
    return fail(e.what());
  }
}

}  // namespace perfloop::cli
