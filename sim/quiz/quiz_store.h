// Where the quiz keeps a learner's reviews: DATA/quiz/reviews.jsonl, beside
// (and never inside) the loop's attempts. Recording a review appends one
// line and returns where the item stands afterwards, rebuilt from the log.
#pragma once

#include <string>

#include "sim/learn/review_log.h"
#include "sim/quiz/quiz_card.h"

namespace perfloop {

struct RecordedReview {
  ItemSchedule item;       // the item after this review
  double interval_days = 0.0;  // from the review to the next due time
};

// Appends the review for `card` to DATA's log. `create_folder`: make the
// data folder if it is missing (the CLI's first run); the app passes false,
// so a folder removed under it is reported, not silently made anew. Throws
// std::runtime_error naming the file: a folder marked by a newer perfloop,
// a log this version cannot read, a folder that is gone, a failed write.
RecordedReview record_quiz_review(const std::string& data_dir, bool create_folder, const QuizCard& card, Rating rating,
                                  double score, UnixSeconds at, double seconds);

}  // namespace perfloop
