#include "sim/quiz/quiz_schedule.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/engine/model.h"
#include "sim/engine/rng.h"

namespace perfloop {

QuizDeck quiz_deck(const QuizPool& pool, const std::vector<ReviewEntry>& entries, UnixSeconds now) {
  QuizDeck deck;
  const auto schedule = rebuild_schedule(entries);
  for (const std::string& name : pool.items()) {
    const auto item = parse_quiz_item(name);
    if (!item) continue;
    ItemStatus s;
    s.item = name;
    s.kind = item->kind;
    s.family = item->family;
    if (const auto it = schedule.find(name); it != schedule.end()) {
      const ItemSchedule& h = it->second;
      s.phase = h.memory.phase;
      s.due = h.memory.due;
      s.is_due = h.memory.due <= now;
      s.stability = h.memory.stability;
      s.difficulty = h.memory.difficulty;
      s.retrievability = fsrs_retrievability(h.memory, now);
      s.reviews = h.reviews;
      s.lapses = h.memory.lapses;
      s.retention = recall_rate(h);
      s.last_score = h.last_score;
    } else {
      s.retention = NAN;
    }
    deck.items.push_back(std::move(s));
  }
  return deck;
}

std::vector<std::string> quiz_queue(const QuizDeck& deck, std::size_t limit, std::optional<QuizKind> kind) {
  std::vector<const ItemStatus*> due, fresh, ahead;
  for (const auto& s : deck.items) {
    if (kind && s.kind != *kind) continue;
    (s.reviews == 0 ? fresh : s.is_due ? due : ahead).push_back(&s);
  }
  auto by_due = [](const ItemStatus* a, const ItemStatus* b) { return a->due != b->due ? a->due < b->due : a->item < b->item; };
  std::stable_sort(due.begin(), due.end(), by_due);
  std::stable_sort(ahead.begin(), ahead.end(), by_due);
  // New items in a shuffled order (the same for everyone): in family order,
  // the feedback that names one card's item would tell the next classify
  // card's family before it is asked.
  std::stable_sort(fresh.begin(), fresh.end(), [](const ItemStatus* a, const ItemStatus* b) {
    return mix64(hash_name(a->item)) < mix64(hash_name(b->item));
  });
  std::vector<std::string> out;
  for (const auto* list : {&due, &fresh})
    for (const ItemStatus* s : *list)
      if (out.size() < limit) out.push_back(s->item);
  if (out.empty())
    for (const ItemStatus* s : ahead)
      if (out.size() < limit) out.push_back(s->item);
  return out;
}

std::uint32_t quiz_card_seed(const std::string& item, int reviews) {
  return static_cast<std::uint32_t>(mix64(hash_name(item) ^ mix64(static_cast<std::uint64_t>(reviews) + 0x2545f491u)) >> 32);
}

DeckStats deck_stats(const QuizDeck& deck, const std::vector<ReviewEntry>& entries, UnixSeconds now) {
  DeckStats st;
  st.reviews = static_cast<int>(entries.size());
  st.due_by_day.assign(7, 0);
  const UnixSeconds today = now >= 0 ? now / kSecondsPerDay : (now - kSecondsPerDay + 1) / kSecondsPerDay;
  for (const auto& s : deck.items) {
    if (s.reviews == 0) continue;
    const UnixSeconds day = s.due / kSecondsPerDay - today;
    st.due_by_day[static_cast<std::size_t>(std::clamp<UnixSeconds>(day, 0, 7 - 1))] += day < 7 ? 1 : 0;
  }
  std::set<UnixSeconds> days;
  for (const auto& e : entries) days.insert(e.time >= 0 ? e.time / kSecondsPerDay : -1);
  // A streak still counts on a day not yet reviewed: it ends only when a whole day passes without one.
  UnixSeconds d = days.count(today) ? today : today - 1;
  while (days.count(d)) {
    ++st.streak_days;
    --d;
  }
  // The items' own retentions, weighted by the reviews they were measured over.
  double kept = 0.0;
  int later = 0;
  std::map<std::string, std::pair<double, int>> stability;
  for (const auto& s : deck.items) {
    if (s.reviews == 0) continue;
    if (!std::isnan(s.retention)) {
      later += s.reviews - 1;
      kept += s.retention * (s.reviews - 1);
    }
    stability[s.family].first += s.stability;
    stability[s.family].second += 1;
  }
  st.retention = later > 0 ? kept / later : NAN;
  for (const auto& [family, sum] : stability) st.family_stability[family] = sum.first / sum.second;
  return st;
}

}  // namespace perfloop
