// Cards and results as the CLI prints them (`perfloop quiz ... --json`):
// plain data a team's own tools can show, with every figure's unit named.
#pragma once

#include <nlohmann/json.hpp>

#include "sim/quiz/quiz_grade.h"

namespace perfloop {

// `id`, `kind`, `item`, `prompt`, `evidence`, `choices`: nothing in it tells
// the answer, so a classify card's `item` (which names the family) is null;
// `quiz answer` gives it.
nlohmann::json quiz_card_json(const QuizCard& card);
// `score`, `max`, `feedback`, `truth` (a valid answer), `families`, `root_cause` and the outcome.
nlohmann::json quiz_result_json(const QuizCard& card, const QuizResult& result);

}  // namespace perfloop
