// What the app remembers between sessions: window size, UI scale, the last
// scenario, the home screen's mode. A versioned JSON file, read key by key (a missing or wrong key
// keeps its default and is reported, never fatal) and written atomically.
#pragma once

#include <string>

namespace perfloop::ui {

inline constexpr int kSettingsVersion = 1;

struct Settings {
  int width = 1600, height = 900;  // window size in pixels
  float ui_scale = 1.0f;           // 0.75 .. 2
  std::string last_scenario;
  // The home screen's last choice: learn, practise, gameday or free. The
  // first run opens on learn. (A show_hints key from before the coach is
  // ignored: hints now cost points and are asked for on each step.)
  std::string home_mode = "learn";
};

// The home screen's modes, as the settings file spells them.
inline constexpr const char* kHomeModes[] = {"learn", "practise", "gameday", "free"};

// $XDG_CONFIG_HOME/perfloop/settings.json, or ~/.config/perfloop/settings.json.
std::string default_settings_path();

struct SettingsLoad {
  std::string problem;     // "" or one line naming the file and the field, for the error panel
  // The file is there but could not be used as a whole (unreadable, not
  // JSON, from a newer perfloop): it is not ours to overwrite at exit.
  bool keep_file = false;
};

// A missing file is not a problem (first start). A bad value keeps its
// default and is named; the file is then rewritten with the good values.
SettingsLoad load_settings(const std::string& path, Settings& settings);
// What load_settings does once it has the file's text: apart from the
// reading so that the text alone can be tested and fuzzed (tests/fuzz/).
// `path` only names the file in the problem line. Never throws.
SettingsLoad parse_settings(const std::string& text, const std::string& path, Settings& settings);
// The file's contents for these settings, as save_settings writes them.
std::string settings_text(const Settings& settings);
// Throws std::runtime_error naming the path when it cannot be written.
void save_settings(const std::string& path, const Settings& settings);

}  // namespace perfloop::ui
