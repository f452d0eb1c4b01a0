#include "sim/scenarios/scenario_paths.h"

#include <cstdlib>
#include <filesystem>

namespace perfloop {

std::vector<std::string> scenario_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PERFLOOP_SCENARIOS"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back("scenarios");
#ifdef PERFLOOP_SOURCE_DIR
  dirs.emplace_back(std::string(PERFLOOP_SOURCE_DIR) + "/scenarios");
#endif
  return dirs;
}

std::string catalogue_dir() {
  std::error_code ec;
  for (const auto& dir : scenario_dirs())
    if (std::filesystem::is_directory(dir, ec)) return dir;
  return "";
}

std::string find_scenario(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  if (name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".lua")) return "";
  for (const auto& dir : scenario_dirs()) {
    for (const auto& candidate : {dir + "/" + name_or_path + ".lua", dir + "/reference/" + name_or_path + ".lua"}) {
      if (fs::is_regular_file(candidate, ec)) return candidate;
    }
  }
  return "";
}

}  // namespace perfloop
