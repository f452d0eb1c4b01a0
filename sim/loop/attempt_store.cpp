#include "sim/loop/attempt_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"

namespace perfloop {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "attempt-";
constexpr const char* kSuffix = ".json";

// The id goes into a file name: anything but letters, digits, '-', '_' and
// '.' (a '/' from a path, a space) becomes '_'.
std::string file_name_part(const std::string& scenario) {
  std::string name = scenario.empty() ? std::string("scenario") : scenario.substr(0, 120);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return name;
}

// "attempt-<name>-<n>.json" -> name and n; false for any other file name.
bool split_attempt_name(const std::string& file, std::string& name, long long& n) {
  if (file.rfind(kPrefix, 0) != 0 || file.size() <= 13 || !file.ends_with(kSuffix)) return false;
  const std::string stem = file.substr(8, file.size() - 8 - 5);
  const std::size_t dash = stem.rfind('-');
  // Up to 18 digits: every n a save could write (a long long holds them all).
  if (dash == std::string::npos || dash == 0 || dash + 1 >= stem.size() || stem.size() - dash > 19) return false;
  for (std::size_t i = dash + 1; i < stem.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(stem[i]))) return false;
  name = stem.substr(0, dash);
  n = std::atoll(stem.c_str() + dash + 1);
  return n > 0;
}

// A temporary file of an interrupted (or running) save: ".attempt-<name>-<n>.json.XXXXXX".
bool is_leftover(const std::string& file, std::string& target) {
  if (file.size() < 9 || file[0] != '.' || file.rfind(std::string(".") + kPrefix, 0) != 0) return false;
  const std::size_t dot = file.rfind('.');
  if (dot == 0 || dot + 7 != file.size()) return false;
  target = file.substr(1, dot - 1);
  std::string name;
  long long n = 0;
  return split_attempt_name(target, name, n);
}

bool is_regular(const std::string& dir, const std::string& file) {
  struct stat info {};
  return ::lstat((dir + "/" + file).c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

struct Listing {
  std::vector<std::string> attempts;                // file names, sorted
  std::vector<std::pair<std::string, std::string>> leftovers;  // file name, the attempt name it was for
  std::map<std::string, long long> highest;         // scenario part -> highest n seen
};

// Lists the folder by name only. Throws with a message in words.
Listing list_folder(const std::string& dir) {
  Listing listing;
  DIR* folder = ::opendir(dir.c_str());
  if (!folder) throw std::runtime_error(dir + ": cannot list the folder: " + file_error_text(errno));
  errno = 0;
  while (const dirent* entry = ::readdir(folder)) {
    const std::string file = entry->d_name;
    std::string name, target;
    long long n = 0;
    if (split_attempt_name(file, name, n)) {
      listing.attempts.push_back(file);
      listing.highest[name] = std::max(listing.highest[name], n);
    } else if (is_leftover(file, target) && is_regular(dir, file)) {  // a folder so named is not ours
      listing.leftovers.emplace_back(file, target);
      if (split_attempt_name(target, name, n)) listing.highest[name] = std::max(listing.highest[name], n);
    }
    errno = 0;
  }
  const int error = errno;
  ::closedir(folder);
  if (error != 0) throw std::runtime_error(dir + ": cannot list the folder: " + file_error_text(error));
  std::sort(listing.attempts.begin(), listing.attempts.end());
  std::sort(listing.leftovers.begin(), listing.leftovers.end());
  return listing;
}

// Reads an attempt, bounded; throws std::runtime_error with the reason.
nlohmann::json read_attempt_file(const std::string& path) {
  const FileRead file = read_bounded_file(path, kMaxAttemptBytes, "an attempt");
  if (!file.ok()) throw std::runtime_error(file.problem);
  return parse_attempt(file.text);
}

enum class LeftoverState { Complete, Incomplete, InProgress, Unreadable };

// Opens a leftover and, unless a save still holds it, takes its lock and
// tells whether it holds a whole attempt. Returns the open descriptor (the
// lock lives as long as it does) or -1.
int open_leftover(const std::string& path, LeftoverState& state, std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    state = LeftoverState::Unreadable;
    why = file_error_text(errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    state = LeftoverState::InProgress;
    ::close(fd);
    return -1;
  }
  // Between creating its temporary file and locking it, a save leaves it
  // empty and unlocked for an instant: an empty file that new is a save
  // starting, not one that was interrupted.
  struct stat info {};
  if (::fstat(fd, &info) == 0 && info.st_size == 0 && std::time(nullptr) - info.st_mtime < 10) {
    state = LeftoverState::InProgress;
    ::close(fd);
    return -1;
  }
  const FileRead file = read_bounded_descriptor(fd, kMaxAttemptBytes, "an attempt");
  try {
    if (!file.ok()) throw std::runtime_error(file.problem);
    parse_attempt(file.text);
    state = LeftoverState::Complete;
  } catch (const std::exception& e) {
    state = LeftoverState::Incomplete;
    why = e.what();
  }
  return fd;
}

std::string leftover_line(const std::string& path, LeftoverState state, const std::string& why) {
  switch (state) {
    case LeftoverState::Complete:
      return path + ": a complete attempt left by an interrupted save; the next save moves it to an attempt name";
    case LeftoverState::Incomplete:
      return path + ": left over from an interrupted save, incomplete (" + why + "); not an attempt, safe to delete";
    case LeftoverState::InProgress: return path + ": a save in progress";
    case LeftoverState::Unreadable: return path + ": left over from an interrupted save, unreadable: " + why;
  }
  return path;
}

// Moves `from` to attempt-<name>-<n>.json, n from `next` upwards, never over
// another file. Returns the new path, or "" when it could not.
std::string place_under_free_name(const std::string& dir, const std::string& from, const std::string& name,
                                  long long& next) {
  for (int tries = 0; tries < 1000; ++tries, ++next) {
    const std::string path = dir + "/" + kPrefix + name + "-" + std::to_string(next) + kSuffix;
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return path;
    if (errno == EINVAL || errno == ENOSYS) {  // no renameat2 here: link, then drop the old name
      if (::link(from.c_str(), path.c_str()) == 0) {
        ::unlink(from.c_str());
        return path;
      }
    }
    if (errno != EEXIST) return "";
  }
  return "";
}

void recover_leftovers(const std::string& dir, Listing& listing, std::vector<std::string>* recovered) {
  for (const auto& [file, target] : listing.leftovers) {
    const std::string path = dir + "/" + file;
    LeftoverState state;
    std::string why;
    const int fd = open_leftover(path, state, why);
    if (fd < 0) continue;
    if (state == LeftoverState::Complete) {
      std::string name;
      long long n = 0;
      split_attempt_name(target, name, n);
      long long next = listing.highest[name] + 1;
      const std::string moved = place_under_free_name(dir, path, name, next);
      if (!moved.empty()) {
        listing.highest[name] = next;
        if (recovered) recovered->push_back("recovered " + moved + ", a complete attempt an interrupted save left as " + path);
      }
    }
    ::close(fd);
  }
}

void make_folder(const std::string& dir) {
  std::error_code ec;
  // A dangling symbolic link where the folder should be: say so, rather
  // than "File exists" from create_directories.
  if (fs::is_symlink(fs::symlink_status(dir, ec)) && !fs::exists(dir, ec))
    throw std::runtime_error(dir + ": is a symbolic link to a folder that does not exist");
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": create folder: " + file_error_text(ec.value()));
  if (!fs::is_directory(dir, ec)) throw std::runtime_error(dir + ": is not a folder");
}

}  // namespace

nlohmann::json parse_attempt(const std::string& text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann quotes the bytes it stopped at, whatever they are.
    throw std::runtime_error("not JSON (" + terminal_line(e.what(), 200) + ")");
  }
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != "perfloop-attempt")
    throw std::runtime_error("not a perfloop attempt (format)");
  // An exact integer: 4294967297 is not 1, and 1.5 is no version.
  const nlohmann::json version = doc.contains("version") ? doc["version"] : nlohmann::json();
  bool readable = false;
  if (version.is_number_unsigned()) readable = version.get<std::uint64_t>() == kAttemptVersion;
  else if (version.is_number_integer()) readable = version.get<std::int64_t>() == kAttemptVersion;
  if (!readable)
    throw std::runtime_error("unsupported version " + terminal_line(json_text(version, -1), 40) +
                             " (this perfloop reads version " + std::to_string(kAttemptVersion) + ")");
  if (!doc.contains("result") || !doc["result"].is_object() || !doc["result"].contains("total") ||
      !doc["result"]["total"].is_number())
    throw std::runtime_error("result: missing or without a total");
  return std::move(doc["result"]);
}

std::string save_attempt(const std::string& dir, const std::string& scenario, const nlohmann::json& result,
                         std::vector<std::string>* recovered) {
  const std::string name = file_name_part(scenario);
  make_folder(dir);
  const nlohmann::json doc = {{"format", "perfloop-attempt"}, {"version", kAttemptVersion}, {"result", result}};
  const std::string text = json_text(doc) + "\n";
  if (text.size() > kMaxAttemptBytes)
    throw std::runtime_error(dir + ": the attempt is " + byte_size_text(static_cast<double>(text.size())) +
                             ", more than the " + byte_size_text(kMaxAttemptBytes) + " perfloop reads back");
  Listing listing = list_folder(dir);
  recover_leftovers(dir, listing, recovered);
  // Past the highest number there: a broken file, a link or a folder under
  // a name only makes the save take the next one.
  long long n = listing.highest[name] + 1;
  for (int tries = 0; tries < 1000; ++tries, ++n) {
    const std::string path = (fs::path(dir) / (kPrefix + name + "-" + std::to_string(n) + kSuffix)).string();
    try {
      if (write_new_file(path, text)) return path;
    } catch (const FileWriteError& e) {
      throw std::runtime_error(e.what());
    }
  }
  throw std::runtime_error(dir + ": no free attempt file name after " + std::to_string(n - 1));
}

std::vector<std::string> visit_attempts(const std::string& dir,
                                        const std::function<void(const std::string&, nlohmann::json&&)>& visit) {
  std::vector<std::string> problems;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec)) && !ec) return problems;  // nothing saved yet
  Listing listing;
  try {
    listing = list_folder(dir);
  } catch (const std::exception& e) {
    return {e.what()};
  }
  for (const std::string& file : listing.attempts) {
    const std::string path = dir + "/" + file;
    try {
      visit(path, read_attempt_file(path));
    } catch (const std::exception& e) {
      problems.push_back(path + ": skipped: " + e.what());
    }
  }
  for (const std::string& problem : leftover_problems(dir)) problems.push_back(problem);
  return problems;
}

AttemptFolder load_attempts(const std::string& dir) {
  AttemptFolder folder;
  folder.problems = visit_attempts(
      dir, [&](const std::string& path, nlohmann::json&& result) { folder.attempts.push_back({path, std::move(result)}); });
  return folder;
}

std::vector<std::string> leftover_problems(const std::string& dir) {
  std::vector<std::string> problems;
  Listing listing;
  try {
    listing = list_folder(dir);
  } catch (const std::exception& e) {
    return {e.what()};
  }
  for (const auto& leftover : listing.leftovers) {
    const std::string path = dir + "/" + leftover.first;
    LeftoverState state;
    std::string why;
    const int fd = open_leftover(path, state, why);
    if (fd >= 0) ::close(fd);
    if (state != LeftoverState::InProgress) problems.push_back(leftover_line(path, state, why));
  }
  return problems;
}

}  // namespace perfloop
