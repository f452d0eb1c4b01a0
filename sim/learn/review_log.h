// The quiz's review log, DATA/quiz/reviews.jsonl: one line per answered
// card, appended and never rewritten, so the schedule can always be rebuilt
// from it (and the log fed to an FSRS optimiser). A header line names the
// format and version:
//   {"format":"perfloop-quiz-log","version":1}
//   {"item":"classify:lock-bound","card":"c-17","rating":"good","score":87.5,
//    "time":"2026-12-03T09:00:00Z","duration_ms":41000}
// A damaged line (a crash mid-append, an edit by hand) is reported and
// skipped, and stays where it is; a log written by a newer perfloop or in
// another format is read no further and never appended to.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/learn/fsrs.h"
#include "sim/learn/iso_time.h"

namespace perfloop {

inline constexpr int kReviewLogVersion = 1;
inline constexpr const char* kReviewLogFormat = "perfloop-quiz-log";

// DATA/quiz/reviews.jsonl for the data folder DATA.
std::string review_log_path(const std::string& data_dir);

struct ReviewEntry {
  std::string item;   // what is learnt, "kind:family": "classify:lock-bound"
  std::string card;   // which question was shown; opaque to the log
  Rating rating = Rating::Good;
  double score = 0.0;  // the quiz's grade, 0..100
  UnixSeconds time = 0;
  std::optional<std::int64_t> duration_ms;  // time spent answering, when known
};

struct ReviewLog {
  std::vector<ReviewEntry> entries;   // in file order
  // "PATH:LINE: why", one per damaged line (after the first 100, one line
  // counting the rest), or "PATH: why" when the file could not be read.
  // Printable: text taken from the file is quoted and escaped.
  std::vector<std::string> problems;
  // False when the header names a newer version or another format: nothing
  // was read, and append_review refuses the file.
  bool readable_version = true;
};

// True for "kind:family": two non-empty words of a-z, 0-9, '-' and '_'.
bool is_review_item_name(const std::string& item);

// A missing file is an empty log. A file over 64 MiB is refused unread; a
// line over 4096 bytes is a damaged line.
ReviewLog read_review_log(const std::string& path);
// The same for a log already in memory; `path` names it in the problems.
ReviewLog parse_review_log(std::string_view text, const std::string& path);

// Appends one entry as one line: creates the file's folder (one level) and
// the header when missing, first ends a torn last line so it stays one
// damaged line, then writes the line with a single write() on an O_APPEND
// descriptor under an flock and fsyncs. Throws std::runtime_error naming the
// path when the header is a newer or foreign one (the file is left
// untouched), when the entry is not one the log could read back, or when
// the write fails.
void append_review(const std::string& path, const ReviewEntry& entry);

// One item's schedule, rebuilt from its entries in the log.
struct ItemSchedule {
  std::string item;
  MemoryState memory;
  int reviews = 0;
  int again = 0;              // reviews rated Again, the first included
  bool first_again = false;   // the very first review was rated Again
  double last_score = 0.0;
  UnixSeconds last_review = 0;
  std::string last_card;
};

// Replays each item's entries in time order (file order for equal times)
// through fsrs_review. Keyed by item.
std::map<std::string, ItemSchedule> rebuild_schedule(const std::vector<ReviewEntry>& entries,
                                                     const FsrsParameters& p = {});

// The observed retention: the share of the reviews after the first that were
// not rated Again (the first review tests nothing learnt yet). NaN when there
// were none.
double recall_rate(const ItemSchedule& schedule);

}  // namespace perfloop
