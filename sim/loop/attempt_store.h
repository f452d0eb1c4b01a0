// Graded attempts kept on disk, one JSON file per attempt, written with
// write_new_file (atomic, never over another file). Reading skips and
// reports a file it cannot use; it never deletes one. Every file is read
// only up to the size perfloop writes, and the folder is listed by name
// only: finding the next free name does not open a single attempt.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfloop {

inline constexpr int kAttemptVersion = 1;
// An attempt perfloop writes is tens of kilobytes; it refuses to write or
// read one past this.
inline constexpr std::size_t kMaxAttemptBytes = std::size_t{4} << 20;

struct SavedAttempt {
  std::string path;
  nlohmann::json result;  // the play result, as written
};

struct AttemptFolder {
  std::vector<SavedAttempt> attempts;  // by file name
  std::vector<std::string> problems;   // "path: what is wrong", one per skipped file
};

// Writes {"format", "version", "result"} as attempt-<scenario>-<n>.json, n
// one past the highest there for that scenario (or the first free name
// after it); creates the folder. Complete attempts that interrupted saves
// left in the folder are moved to attempt names first, each with a line in
// `recovered`. Returns the path. Throws std::runtime_error naming the path
// and, in words, what went wrong.
std::string save_attempt(const std::string& dir, const std::string& scenario, const nlohmann::json& result,
                         std::vector<std::string>* recovered = nullptr);

AttemptFolder load_attempts(const std::string& dir);

// The same reading, one attempt at a time, for readers that keep only part
// of each (the picker's best scores): 20,000 attempts never sit in memory
// at once. Returns the problems load_attempts would list.
std::vector<std::string> visit_attempts(const std::string& dir,
                                        const std::function<void(const std::string& path, nlohmann::json&& result)>& visit);

// What interrupted saves left in the folder, one line each, opening only
// those files: what a save reports after it, instead of reading every attempt.
std::vector<std::string> leftover_problems(const std::string& dir);

// Parses an attempt file's text; throws std::runtime_error saying what is
// wrong with it. Returns the result.
nlohmann::json parse_attempt(const std::string& text);

}  // namespace perfloop
