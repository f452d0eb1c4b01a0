// Graded attempts kept on disk, one JSON file per attempt. A write goes to a
// temporary file in the same folder, is flushed to the disk, then moved into
// place under a name that must still be free (renameat2 with NOREPLACE, or
// link where that is missing), so a crash leaves either the old folder or
// the new file, never half a file, and no attempt overwrites another.
// Reading skips and reports a file it cannot parse; it never deletes one.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfloop {

inline constexpr int kAttemptVersion = 1;

struct SavedAttempt {
  std::string path;
  nlohmann::json result;  // the play result, as written
};

struct AttemptFolder {
  std::vector<SavedAttempt> attempts;  // by file name
  std::vector<std::string> problems;   // "path: what is wrong", one per skipped file
};

// Writes {"format", "version", "result"} as attempt-<scenario>-<n>.json with
// the first free n; creates the folder. Returns the path. Throws
// std::runtime_error naming the path and the failing step.
std::string save_attempt(const std::string& dir, const std::string& scenario, const nlohmann::json& result);

AttemptFolder load_attempts(const std::string& dir);

// Writes `text` to `path` atomically, replacing it (temp file, fsync, rename,
// fsync of the folder): for files that have one current version, like settings.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace perfloop
