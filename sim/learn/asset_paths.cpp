#include "sim/learn/asset_paths.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "sim/io/bounded_file.h"

namespace perfloop {

std::vector<std::string> asset_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PERFLOOP_ASSETS"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back("assets");
#ifdef PERFLOOP_SOURCE_DIR
  dirs.emplace_back(std::string(PERFLOOP_SOURCE_DIR) + "/assets");
#endif
  return dirs;
}

std::string find_asset(const std::string& name) {
  std::error_code ec;
  for (const auto& dir : asset_dirs()) {
    const std::string candidate = dir + "/" + name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return "";
}

std::string read_asset(const std::string& name) {
  const std::string path = find_asset(name);
  if (path.empty()) {
    std::string searched;
    for (const auto& dir : asset_dirs()) searched += (searched.empty() ? "" : ", ") + dir;
    throw std::runtime_error(name + ": not found in " + searched + " (set PERFLOOP_ASSETS to the assets folder)");
  }
  const FileRead file = read_bounded_file(path, kMaxAssetBytes, "an asset");
  if (!file.ok()) throw std::runtime_error(path + ": " + file.problem);
  return file.text;
}

}  // namespace perfloop
