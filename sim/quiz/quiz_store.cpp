#include "sim/quiz/quiz_store.h"

#include <cmath>
#include <stdexcept>
#include <sys/stat.h>

#include "sim/learn/data_folder.h"

namespace perfloop {

RecordedReview record_quiz_review(const std::string& data_dir, bool create_folder, const QuizCard& card, Rating rating,
                                  double score, UnixSeconds at, double seconds) {
  const DataFolder folder = open_data_folder(data_dir);
  if (!folder.writable()) throw std::runtime_error(folder.problem);
  struct stat st {};
  if (!create_folder && ::stat(folder.marker_path().c_str(), &st) != 0)
    throw std::runtime_error(data_dir + ": the data folder is gone (removed or moved while the quiz was open); "
                                        "this review was not saved");
  prepare_data_folder(folder);
  const std::string path = review_log_path(data_dir);
  const ReviewLog before = read_review_log(path);
  if (!before.readable_version) throw std::runtime_error(before.problems.empty() ? path + ": unreadable" : before.problems.front());
  // The log is replayed in time order: a review dated before the item's
  // last one would be slotted into its past and report another interval.
  for (const auto& e : before.entries)
    if (e.item == card.item && e.time > at)
      throw std::runtime_error(path + ": " + card.item + " was last reviewed at " + format_iso8601(e.time) +
                               ", after " + format_iso8601(at) + "; a review cannot be dated before it");
  ReviewEntry entry;
  entry.item = card.item;
  entry.card = card.id;
  entry.rating = rating;
  entry.score = score;
  entry.time = at;
  if (seconds >= 0) entry.duration_ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
  append_review(path, entry);
  std::vector<ReviewEntry> entries = before.entries;
  entries.push_back(entry);
  const auto schedule = rebuild_schedule(entries);
  RecordedReview out;
  out.item = schedule.at(card.item);
  out.interval_days = static_cast<double>(out.item.memory.due - at) / kSecondsPerDay;
  return out;
}

}  // namespace perfloop
