// Where quiz cards come from: every bottleneck of every scenario in the
// catalogue folder (the shipped ones and any a user adds there), with the
// kinds of card it can make. An item, the unit the scheduler remembers, is
// a kind and a family ("classify:lock-bound"); each review draws a card for
// it from any source of that family.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/quiz/quiz_card_id.h"

namespace perfloop {

// A card that cannot be made or graded: a bad id, a bad answer, a scenario
// gone from the catalogue. what() is one printable line; for an answer it
// names the field ("answer.families[1]: ...").
class QuizError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct QuizSource {
  std::string scenario_id, file;
  int bottleneck = 0;
  std::vector<std::string> families;
  bool classify = false, predict = false, enforce = false;
  bool makes(QuizKind kind) const;
};

struct QuizPool {
  std::vector<QuizSource> sources;    // by file name, then bottleneck
  std::vector<std::string> problems;  // scenarios that could not be read, one line each

  // "kind:family" for every pair some source can make, kinds in order, families in kFamilies order.
  std::vector<std::string> items() const;
  std::vector<const QuizSource*> sources_for(QuizKind kind, const std::string& family) const;
  // The source a card id names; nullptr when none (the scenario was removed or changed).
  const QuizSource* find(const CardId& id) const;
};

// Reads every *.lua file directly in `dir`; a broken one is a problem, never fatal.
QuizPool load_quiz_pool(const std::string& dir);

// "classify:lock-bound" -> kind and family; std::nullopt when malformed or unknown.
struct QuizItem {
  QuizKind kind = QuizKind::Classify;
  std::string family;
  std::string name() const;
};
std::optional<QuizItem> parse_quiz_item(const std::string& text);
int family_index(const std::string& family);  // -1 when not one of kFamilies

}  // namespace perfloop
