#include "sim/learn/review_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"

namespace perfloop {

namespace {

// Years of reviews are a few megabytes; a file this large is not a log
// perfloop wrote, and reading it whole could exhaust memory.
constexpr std::size_t kMaxLogBytes = 64u << 20;
// One entry is about 150 bytes; a longer line is damage, not an entry.
constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxItemBytes = 128;
constexpr std::size_t kMaxCardBytes = 256;
// A file of garbage could hold millions of damaged lines; past this many
// the rest are counted, not listed, so the report stays readable and small.
constexpr std::size_t kMaxListedProblems = 100;

std::string header_line() {
  nlohmann::ordered_json header{{"format", kReviewLogFormat}, {"version", kReviewLogVersion}};
  return header.dump() + "\n";
}

// Why a log with this first line must not be read or appended to, or "".
std::string header_problem(std::string_view first_line) {
  const std::string expected = "not a perfloop quiz log (the first line should be " +
                               header_line().substr(0, header_line().size() - 1) + ")";
  if (first_line.size() > kMaxLineBytes) return expected;
  const nlohmann::json header = nlohmann::json::parse(first_line, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return expected;
  const auto format = header.find("format");
  const auto version = header.find("version");
  if (format == header.end() || !format->is_string() || *format != kReviewLogFormat) return expected;
  if (version == header.end() || !version->is_number_integer()) return expected;
  const auto number = version->get<long long>();
  if (number > kReviewLogVersion)
    return "written by a newer perfloop (log version " + std::to_string(number) + "; this one reads " +
           std::to_string(kReviewLogVersion) + ")";
  if (number < 1) return "log version " + std::to_string(number) + " is not one perfloop ever wrote";
  return "";
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

// The entry a line holds, or std::nullopt with `why` saying what is wrong.
std::optional<ReviewEntry> parse_entry_line(std::string_view line, std::string& why) {
  if (line.size() > kMaxLineBytes) {
    why = "longer than " + std::to_string(kMaxLineBytes) + " bytes (" + std::to_string(line.size()) + ")";
    return std::nullopt;
  }
  const nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    why = line.empty() ? "an empty line" : "not a JSON object (cut short by a crash?): " + quote(line, 60);
    return std::nullopt;
  }
  const auto string_field = [&](const char* key) -> const std::string* {
    const auto it = doc.find(key);
    if (it == doc.end()) why = std::string("no \"") + key + "\"";
    else if (!it->is_string()) why = std::string("\"") + key + "\" is not a string";
    else return it->get_ptr<const std::string*>();
    return nullptr;
  };
  ReviewEntry entry;
  const std::string* item = string_field("item");
  if (!item) return std::nullopt;
  if (!is_review_item_name(*item)) {
    why = "\"item\" " + quote(*item) + " is not kind:family";
    return std::nullopt;
  }
  entry.item = *item;

  const std::string* card = string_field("card");
  if (!card) return std::nullopt;
  if (card->empty()) {
    why = "\"card\" is empty";
    return std::nullopt;
  }
  entry.card = *card;

  const std::string* rating_text = string_field("rating");
  if (!rating_text) return std::nullopt;
  const std::optional<Rating> rating = parse_rating(*rating_text);
  if (!rating) {
    why = "\"rating\" " + quote(*rating_text) + " is not again, hard, good or easy";
    return std::nullopt;
  }
  entry.rating = *rating;

  const auto score = doc.find("score");
  if (score == doc.end() || !score->is_number()) {
    why = score == doc.end() ? "no \"score\"" : "\"score\" is not a number";
    return std::nullopt;
  }
  entry.score = score->get<double>();
  if (!(entry.score >= 0.0 && entry.score <= 100.0)) {
    why = "\"score\" " + printable(score->dump()) + " is outside 0..100";
    return std::nullopt;
  }

  const std::string* time_text = string_field("time");
  if (!time_text) return std::nullopt;
  const std::optional<UnixSeconds> time = parse_iso8601(*time_text);
  if (!time) {
    why = "\"time\" " + quote(*time_text) + " is not an ISO-8601 time";
    return std::nullopt;
  }
  entry.time = *time;

  // Older writers or other tools may leave the duration out: unknown, not damage.
  const auto duration = doc.find("duration_ms");
  if (duration != doc.end() && !duration->is_null()) {
    // Unsigned: a whole number that fits (JSON's larger ones would wrap negative).
    constexpr auto kLargest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (!duration->is_number_unsigned() || duration->get<std::uint64_t>() > kLargest) {
      why = "\"duration_ms\" is not a whole number of milliseconds, 0 or more";
      return std::nullopt;
    }
    entry.duration_ms = static_cast<std::int64_t>(duration->get<std::uint64_t>());
  }
  return entry;
}

// Why `entry` could not be written so that read_review_log reads it back, or "".
std::string entry_problem(const ReviewEntry& entry) {
  if (!is_review_item_name(entry.item)) return "item " + quote(entry.item) + " is not kind:family";
  if (entry.card.empty() || entry.card.size() > kMaxCardBytes || !is_valid_utf8(entry.card))
    return "card " + quote(entry.card) + " is not 1.." + std::to_string(kMaxCardBytes) + " bytes of UTF-8";
  if (static_cast<int>(entry.rating) < 1 || static_cast<int>(entry.rating) > 4) return "the rating is not 1..4";
  if (!(entry.score >= 0.0 && entry.score <= 100.0))
    return "score " + std::to_string(entry.score) + " is outside 0..100";
  // Four-digit years only, so the time reads back through parse_iso8601.
  const UnixSeconds first = days_from_civil(0, 1, 1) * kSecondsPerDay;
  const UnixSeconds past_last = days_from_civil(10000, 1, 1) * kSecondsPerDay;
  if (entry.time < first || entry.time >= past_last) return "the time is outside the years 0000..9999";
  if (entry.duration_ms && *entry.duration_ms < 0) return "the duration is negative";
  return "";
}

std::string entry_line(const ReviewEntry& entry) {
  nlohmann::ordered_json line{{"item", entry.item},
                              {"card", entry.card},
                              {"rating", rating_name(entry.rating)},
                              {"score", entry.score},
                              {"time", format_iso8601(entry.time)},
                              {"duration_ms", nullptr}};
  if (entry.duration_ms) line["duration_ms"] = *entry.duration_ms;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error(printable(path) + ": " + why);
}

// Up to `count` bytes at `offset`; a short result only at the end of the file.
std::string read_at(int fd, std::size_t count, off_t offset, const std::string& path) {
  std::string bytes(count, '\0');
  std::size_t done = 0;
  while (done < count) {
    const ssize_t n = ::pread(fd, bytes.data() + done, count - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "read: " + file_error_text(errno) + "; nothing written");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

void sync_folder(const std::string& folder, const std::string& path) {
  const Descriptor dir(::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) fail(path, "flush the folder: " + file_error_text(errno));
}

}  // namespace

std::string review_log_path(const std::string& data_dir) { return data_dir + "/quiz/reviews.jsonl"; }

bool is_review_item_name(const std::string& item) {
  const std::size_t colon = item.find(':');
  if (item.size() > kMaxItemBytes || colon == std::string::npos || colon == 0 || colon + 1 == item.size())
    return false;
  for (std::size_t i = 0; i < item.size(); ++i)
    if (i != colon && !is_name_char(item[i])) return false;
  return true;
}

ReviewLog read_review_log(const std::string& path) {
  const FileRead file = read_bounded_file(path, kMaxLogBytes, "a quiz review log");
  if (file.status == FileRead::Status::Missing) return ReviewLog{};
  if (!file.ok()) {
    ReviewLog log;
    log.problems.push_back(printable(path) + ": " + file.problem + "; nothing read");
    return log;
  }
  return parse_review_log(file.text, path);
}

ReviewLog parse_review_log(std::string_view text, const std::string& path) {
  ReviewLog log;
  std::size_t damaged = 0;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line_number == 1) {
      if (const std::string why = header_problem(line); !why.empty()) {
        log.readable_version = false;
        log.problems.push_back(printable(path) + ":1: " + why + "; nothing read, nothing will be appended");
        return log;
      }
      continue;
    }
    std::string why;
    if (std::optional<ReviewEntry> entry = parse_entry_line(line, why)) {
      log.entries.push_back(std::move(*entry));
    } else if (++damaged <= kMaxListedProblems) {
      log.problems.push_back(printable(path) + ":" + std::to_string(line_number) + ": " + why + "; line skipped");
    }
  }
  if (damaged > kMaxListedProblems)
    log.problems.push_back(printable(path) + ": " + std::to_string(damaged - kMaxListedProblems) +
                           " more damaged lines skipped");
  return log;
}

void append_review(const std::string& path, const ReviewEntry& entry) {
  if (const std::string why = entry_problem(entry); !why.empty()) fail(path, "not written: " + why);
  const std::string line = entry_line(entry);
  if (line.size() - 1 > kMaxLineBytes) fail(path, "not written: the entry is longer than a log line may be");

  const std::string folder = std::filesystem::path(path).parent_path().string();
  if (!folder.empty()) {
    std::error_code error;
    std::filesystem::create_directory(folder, error);
    if (error) fail(path, "cannot create the folder: " + error.message());
  }
  // O_NONBLOCK: a FIFO put in the log's place must not hang the quiz.
  const Descriptor fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644));
  if (fd.get() < 0) fail(path, "open: " + file_error_text(errno));
  // Two perfloops appending at once must not both write a header, nor
  // interleave a torn-line repair with the other's entry.
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) fail(path, "lock: " + file_error_text(errno));

  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail(path, "stat: " + file_error_text(errno));
  if (!S_ISREG(info.st_mode)) fail(path, "not a regular file; nothing written");
  const auto size = static_cast<std::size_t>(info.st_size);
  if (size > kMaxLogBytes)
    fail(path, "larger than the " + byte_size_text(kMaxLogBytes) + " perfloop reads back; nothing written");

  std::string text;
  if (size == 0) {
    text = header_line();
  } else {
    const std::string head = read_at(fd.get(), std::min(size, kMaxLineBytes + 1), 0, path);
    if (const std::string why = header_problem(head.substr(0, head.find('\n'))); !why.empty())
      fail(path, why + "; nothing written");
    // A crash mid-append leaves a line without its newline: end it, so it
    // stays one damaged line instead of swallowing this entry too.
    if (read_at(fd.get(), 1, static_cast<off_t>(size - 1), path) != "\n") text = "\n";
  }
  text += line;

  // One write() puts the whole line down at the end, so a reader or a crash
  // sees it whole or cut short, never mixed with another writer's bytes. A
  // short write (a signal, a full disk) is finished under the same lock.
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "write: " + file_error_text(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail(path, "flush: " + file_error_text(errno));
  // A new file's name is only durable once its folder is flushed too.
  if (size == 0) sync_folder(folder, path);
}

std::map<std::string, ItemSchedule> rebuild_schedule(const std::vector<ReviewEntry>& entries,
                                                     const FsrsParameters& p) {
  std::map<std::string, std::vector<const ReviewEntry*>> by_item;
  for (const ReviewEntry& entry : entries) by_item[entry.item].push_back(&entry);

  std::map<std::string, ItemSchedule> schedules;
  for (auto& [item, reviews] : by_item) {
    // Two perfloops (or a restored backup) may have appended out of order;
    // FSRS needs the reviews in the order they happened.
    std::stable_sort(reviews.begin(), reviews.end(),
                     [](const ReviewEntry* a, const ReviewEntry* b) { return a->time < b->time; });
    ItemSchedule& schedule = schedules[item];
    schedule.item = item;
    for (const ReviewEntry* review : reviews) {
      schedule.memory = fsrs_review(schedule.memory, review->rating, review->time, p);
      if (review->rating == Rating::Again) {
        ++schedule.again;
        if (schedule.reviews == 0) schedule.first_again = true;
      }
      ++schedule.reviews;
      schedule.last_score = review->score;
      schedule.last_review = review->time;
      schedule.last_card = review->card;
    }
  }
  return schedules;
}

double recall_rate(const ItemSchedule& schedule) {
  const int later_reviews = schedule.reviews - 1;
  if (later_reviews <= 0) return std::numeric_limits<double>::quiet_NaN();
  const int later_again = schedule.again - (schedule.first_again ? 1 : 0);
  return static_cast<double>(later_reviews - later_again) / later_reviews;
}

}  // namespace perfloop
