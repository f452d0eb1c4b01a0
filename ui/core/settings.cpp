#include "sim/io/json_text.h"
#include "ui/core/settings.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"

namespace perfloop::ui {

std::string default_settings_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/perfloop/settings.json";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/perfloop/settings.json";
  return "perfloop-settings.json";
}

namespace {

// A settings file is a few hundred bytes; anything past this is not ours.
constexpr std::size_t kMaxSettingsBytes = std::size_t{64} << 10;

// The integer in `value` when it is one from `low` to `high` exactly:
// 4294967297 is not 1, and neither is 1.0000001.
std::optional<long long> whole_number(const nlohmann::json& value, long long low, long long high) {
  long long n = 0;
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) return std::nullopt;
    n = static_cast<long long>(value.get<std::uint64_t>());
  } else if (value.is_number_integer()) {
    n = value.get<std::int64_t>();
  } else {
    return std::nullopt;
  }
  if (n < low || n > high) return std::nullopt;
  return n;
}

// A scenario the app may open by itself at start: a catalogue id, or a
// path to a .lua file (a file opened by path is remembered by its path).
// Nothing else is run as a script because a settings file says so.
bool is_scenario_reference(const std::string& text) {
  if (text.empty() || text.size() > 4096 || !is_valid_utf8(text)) return false;
  const bool id = std::all_of(text.begin(), text.end(),
                              [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  return id || text.ends_with(".lua");
}

// Said of a file perfloop reads but will not use as a whole.
constexpr const char* kKeptAsItIs = "; using the defaults, and the file is left as it is";

}  // namespace

SettingsLoad load_settings(const std::string& path, Settings& settings) {
  const FileRead file = read_bounded_file(path, kMaxSettingsBytes, "a settings file");
  if (file.status == FileRead::Status::Missing) return {};
  if (!file.ok()) return {terminal_line(path, 300) + ": cannot be read (" + file.problem + ")" + kKeptAsItIs, true};
  return parse_settings(file.text, path, settings);
}

SettingsLoad parse_settings(const std::string& text, const std::string& path, Settings& settings) {
  const std::string kept = kKeptAsItIs;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return {terminal_line(path, 300) + ": not JSON (" + terminal_line(e.what(), 200) + ")" + kept, true};
  }
  if (!doc.is_object()) return {terminal_line(path, 300) + ": expected an object" + kept, true};
  if (!doc.contains("version") || !whole_number(doc["version"], 1, kSettingsVersion))
    return {terminal_line(path, 300) + ": version: this perfloop reads versions 1 to " + std::to_string(kSettingsVersion) +
                " (a newer perfloop wrote it?)" + kept,
            true};
  std::string problem;
  auto note = [&](const char* field, const char* expected) {
    if (problem.empty())
      problem = terminal_line(path, 300) + ": " + field + ": expected " + expected + "; that setting keeps its default";
  };
  if (doc.contains("window")) {
    const auto& w = doc["window"];
    const auto width = w.is_object() && w.contains("width") ? whole_number(w["width"], 640, 100000) : std::nullopt;
    const auto height = w.is_object() && w.contains("height") ? whole_number(w["height"], 400, 100000) : std::nullopt;
    if (width && height) {
      settings.width = static_cast<int>(std::min<long long>(*width, 7680));
      settings.height = static_cast<int>(std::min<long long>(*height, 4320));
    } else {
      note("window", "{width >= 640, height >= 400} in whole pixels");
    }
  }
  if (doc.contains("ui_scale")) {
    if (doc["ui_scale"].is_number() && doc["ui_scale"].get<double>() >= 0.75 && doc["ui_scale"].get<double>() <= 2.0)
      settings.ui_scale = doc["ui_scale"].get<float>();
    else
      note("ui_scale", "a number from 0.75 to 2");
  }
  if (doc.contains("last_scenario")) {
    const auto& last = doc["last_scenario"];
    if (last.is_string() && (last.get_ref<const std::string&>().empty() || is_scenario_reference(last.get<std::string>())))
      settings.last_scenario = last.get<std::string>();
    else
      note("last_scenario", "a scenario id or the path of a .lua file");
  }
  if (doc.contains("home_mode")) {
    const auto& mode = doc["home_mode"];
    const auto known = mode.is_string() && std::any_of(std::begin(kHomeModes), std::end(kHomeModes),
                                                        [&](const char* m) { return mode.get<std::string>() == m; });
    if (known) settings.home_mode = mode.get<std::string>();
    else note("home_mode", "one of learn, practise, gameday, free");
  }
  return {problem, false};
}

std::string settings_text(const Settings& settings) {
  const nlohmann::json doc = {{"format", "perfloop-settings"},
                              {"version", kSettingsVersion},
                              {"window", {{"width", settings.width}, {"height", settings.height}}},
                              {"ui_scale", settings.ui_scale},
                              {"last_scenario", settings.last_scenario},
                              {"home_mode", settings.home_mode}};
  return json_text(doc) + "\n";
}

void save_settings(const std::string& path, const Settings& settings) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  write_file_atomically(path, settings_text(settings));
}

}  // namespace perfloop::ui
