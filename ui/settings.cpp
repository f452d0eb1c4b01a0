#include "ui/settings.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/attempt_store.h"

namespace perfloop::ui {

std::string default_settings_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/perfloop/settings.json";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/perfloop/settings.json";
  return "perfloop-settings.json";
}

SettingsLoad load_settings(const std::string& path, Settings& settings) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return {};
  std::ifstream in(path);
  if (!in || !std::filesystem::is_regular_file(path, ec))
    return {path + ": cannot be read; using the defaults, and the file is left as it is", true};
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return {path + ": not JSON (" + e.what() + "); using the defaults, and the file is left as it is", true};
  }
  if (!doc.is_object()) return {path + ": expected an object; using the defaults, and the file is left as it is", true};
  if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"].get<int>() > kSettingsVersion)
    return {path + ": version: expected an integer up to " + std::to_string(kSettingsVersion) +
                " (a newer perfloop wrote it?); using the defaults, and the file is left as it is",
            true};
  std::string problem;
  auto note = [&](const char* field, const char* expected) {
    if (problem.empty()) problem = path + ": " + field + ": expected " + expected + "; that setting keeps its default";
  };
  if (doc.contains("window")) {
    const auto& w = doc["window"];
    const bool numbers = w.is_object() && w.contains("width") && w.contains("height") && w["width"].is_number_integer() &&
                         w["height"].is_number_integer();
    if (numbers && w["width"].get<int>() >= 640 && w["height"].get<int>() >= 400) {
      settings.width = std::min(w["width"].get<int>(), 7680);
      settings.height = std::min(w["height"].get<int>(), 4320);
    } else {
      note("window", "{width >= 640, height >= 400}");
    }
  }
  if (doc.contains("ui_scale")) {
    if (doc["ui_scale"].is_number() && doc["ui_scale"].get<double>() >= 0.75 && doc["ui_scale"].get<double>() <= 2.0)
      settings.ui_scale = doc["ui_scale"].get<float>();
    else
      note("ui_scale", "a number from 0.75 to 2");
  }
  if (doc.contains("last_scenario")) {
    if (doc["last_scenario"].is_string()) settings.last_scenario = doc["last_scenario"].get<std::string>();
    else note("last_scenario", "a string");
  }
  if (doc.contains("show_hints")) {
    if (doc["show_hints"].is_boolean()) settings.show_hints = doc["show_hints"].get<bool>();
    else note("show_hints", "true or false");
  }
  return {problem, false};
}

void save_settings(const std::string& path, const Settings& settings) {
  const nlohmann::json doc = {{"format", "perfloop-settings"},
                              {"version", kSettingsVersion},
                              {"window", {{"width", settings.width}, {"height", settings.height}}},
                              {"ui_scale", settings.ui_scale},
                              {"last_scenario", settings.last_scenario},
                              {"show_hints", settings.show_hints}};
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  write_file_atomically(path, doc.dump(2) + "\n");
}

}  // namespace perfloop::ui
