// A quiz answer, checked and graded the way `play` grades the same step:
// classify by the overlap of families, predict by the error curve and the
// go/no-go against the simulated outcome of this case with this fix,
// enforce by replaying the months after the incident against the set.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/loop/answers.h"
#include "sim/loop/enforce_replay.h"
#include "sim/loop/queueing_estimate.h"
#include "sim/quiz/quiz_card.h"

namespace perfloop {

struct QuizAnswer {
  std::vector<std::string> families;  // classify
  double headline = 0.0;              // predict
  bool go = false;
  std::vector<GateChoice> gates;      // enforce
  double seconds = -1.0;              // time the learner took; <0: not recorded
};

// Parses `text` (JSON) for `card`. Throws QuizError naming the field:
// "answer.families[2]: not one of the eight families: \"lock\"".
QuizAnswer parse_quiz_answer(const QuizCard& card, const std::string& text);
nlohmann::json quiz_answer_json(const QuizCard& card, const QuizAnswer& answer);

struct PredictOutcome {
  double actual = 0.0;       // the headline once the fix landed, in this case's run
  bool target_met = false;
  double amdahl = 0.0;       // the headline Amdahl's law gives on the card's share and speed-up
  QueueingEstimate queueing; // and the M/M/c estimate from the cores' utilisation
  // "amdahl" or "queueing": the estimate the outcome was clearly nearer;
  // "both" when the two agree within 5% (idle cores: nothing to queue for).
  std::string followed;
};

struct QuizResult {
  double score = 0.0, max = 100.0;
  std::string feedback;         // what was right, the truth, the outcome and why
  QuizAnswer truth;             // the expert's answer: scores full marks
  std::vector<std::string> families;  // the bottleneck's, shown after any card
  std::string root_cause;
  std::optional<PredictOutcome> predict;
  std::optional<EnforceReport> enforce;
};

// Grading runs the card's case (for enforce, the replay): a card is graded by one thread at a time.
QuizResult grade_quiz(QuizCard& card, const QuizAnswer& answer);
QuizAnswer quiz_truth(QuizCard& card);

}  // namespace perfloop
