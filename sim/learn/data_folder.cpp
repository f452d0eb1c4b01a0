#include "sim/learn/data_folder.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"

namespace perfloop {

namespace {

// The marker is one short object; a larger file is not one of ours.
constexpr std::size_t kMaxMarkerBytes = 4096;

std::string marker_text() {
  return nlohmann::json{{"format", "perfloop-data"}, {"version", kDataFolderVersion}}.dump(2) + "\n";
}

// Why this perfloop may not write to the folder, or "".
std::string marker_problem(const std::string& path) {
  const FileRead file = read_bounded_file(path, kMaxMarkerBytes, "a data folder marker");
  if (file.status == FileRead::Status::Missing) return "";
  const std::string where = printable(path) + ": ";
  if (!file.ok()) return where + file.problem + "; the folder is left as it is";
  nlohmann::json doc = nlohmann::json::parse(file.text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != "perfloop-data" ||
      !doc.contains("version") || !doc["version"].is_number_integer())
    return where + "not a perfloop data folder marker (expected {\"format\": \"perfloop-data\", \"version\": " +
           std::to_string(kDataFolderVersion) + "}); the folder is left as it is";
  const auto version = doc["version"].get<long long>();
  if (version > kDataFolderVersion)
    return where + "written by a newer perfloop (layout version " + std::to_string(version) + "; this one knows " +
           std::to_string(kDataFolderVersion) + "); nothing is written there";
  if (version < 1) return where + "layout version " + std::to_string(version) + " is not one perfloop ever wrote";
  return "";
}

}  // namespace

std::string default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/perfloop";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.local/share/perfloop";
  return "";
}

DataFolder open_data_folder(const std::string& dir) {
  DataFolder folder;
  folder.dir = dir;
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    folder.problem = printable(dir) + ": not a folder; nothing is written there";
  else
    folder.problem = marker_problem(folder.marker_path());
  return folder;
}

void prepare_data_folder(const DataFolder& folder) {
  if (!folder.writable()) throw std::runtime_error(folder.problem);
  std::error_code ec;
  std::filesystem::create_directories(folder.dir, ec);
  if (ec) throw std::runtime_error(printable(folder.dir) + ": cannot create the data folder: " + ec.message());
  // A second perfloop may write the marker at the same time: both write
  // the same text, and write_new_file never replaces a file.
  write_new_file(folder.marker_path(), marker_text());
}

}  // namespace perfloop
