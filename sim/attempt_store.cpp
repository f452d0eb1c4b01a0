#include "sim/attempt_store.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace perfloop {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step) {
  throw std::runtime_error(path + ": " + step + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write");
    }
    done += static_cast<std::size_t>(n);
  }
}

void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // the rename is done; a folder we cannot open for sync is not worth failing over
  ::fsync(fd);
  ::close(fd);
}

// Writes a temporary file next to `path`, flushes it, then puts it in place:
// replacing what is there, or (replace = false) only if the name is free.
// Returns false when the name was taken and replace was false.
bool place_file(const std::string& path, const std::string& text, bool replace) {
  const fs::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  // Hidden, next to the target (rename is atomic only within one file system).
  std::string temp = dir;
  temp.append("/.").append(target.filename().string()).append(".XXXXXX");
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(temp, "create temporary file");
  try {
    // mkstemp makes the file private; a saved attempt is for the learner's tools to read too.
    if (::fchmod(fd, 0644) != 0) fail(temp, "chmod");
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) fail(temp, "fsync");
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail(temp, "close");
  }
  // Without replacing: renameat2(RENAME_NOREPLACE) fails if the name exists;
  // file systems without it get link(), which also refuses an existing name.
  int placed = 0;
  bool linked = false;
  if (replace) {
    placed = ::rename(temp.c_str(), path.c_str());
  } else {
    placed = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    if (placed != 0 && (errno == EINVAL || errno == ENOSYS)) {
      placed = ::link(temp.c_str(), path.c_str());
      linked = true;
    }
  }
  const int saved = errno;
  if (placed != 0 || linked) ::unlink(temp.c_str());
  if (placed != 0) {
    if (!replace && saved == EEXIST) return false;
    errno = saved;
    fail(path, "move into place");
  }
  sync_folder(dir);
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) { place_file(path, text, true); }

std::string save_attempt(const std::string& dir, const std::string& scenario, const nlohmann::json& result) {
  // The id goes into a file name: anything but letters, digits, '-', '_' and
  // '.' (a '/' from a path, a space) becomes '_'.
  std::string name = scenario.empty() ? std::string("scenario") : scenario;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": create folder: " + ec.message());
  const nlohmann::json doc = {{"format", "perfloop-attempt"}, {"version", kAttemptVersion}, {"result", result}};
  const std::string text = doc.dump(2) + "\n";
  for (int n = 1; n < 1000000; ++n) {
    const std::string path = (fs::path(dir) / ("attempt-" + name + "-" + std::to_string(n) + ".json")).string();
    if (fs::exists(path)) continue;
    if (place_file(path, text, false)) return path;  // else taken since the check: try the next name
  }
  throw std::runtime_error(dir + ": no free attempt file name");
}

AttemptFolder load_attempts(const std::string& dir) {
  AttemptFolder folder;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return folder;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec), end;
  if (ec) {
    folder.problems.push_back(dir + ": cannot list: " + ec.message());
    return folder;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      folder.problems.push_back(dir + ": cannot list: " + ec.message());
      break;
    }
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    if (name.rfind("attempt-", 0) == 0 && it->path().extension() == ".json") files.push_back(it->path());
    // A save interrupted between writing and linking leaves its temporary file.
    if (name.rfind(".attempt-", 0) == 0)
      folder.problems.push_back(it->path().string() + ": left over from an interrupted save (not an attempt; safe to delete)");
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    try {
      nlohmann::json doc = nlohmann::json::parse(text.str());
      if (!doc.is_object() || doc.value("format", "") != "perfloop-attempt")
        throw std::runtime_error("not a perfloop attempt (format)");
      if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"].get<int>() != kAttemptVersion)
        throw std::runtime_error("unsupported version (this perfloop reads version " + std::to_string(kAttemptVersion) + ")");
      if (!doc.contains("result") || !doc["result"].is_object() || !doc["result"].contains("total"))
        throw std::runtime_error("result: missing or without a total");
      folder.attempts.push_back({path.string(), std::move(doc["result"])});
    } catch (const std::exception& e) {
      folder.problems.push_back(path.string() + ": skipped: " + e.what());
    }
  }
  return folder;
}

}  // namespace perfloop
