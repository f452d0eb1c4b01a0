// Fuzzes the settings reader (ui/settings.h). parse_settings never throws: a
// bad file is a problem line and defaults. What it accepts, written back by
// settings_text as the app does at exit, must read back the same with no
// problem, or the app would complain about its own file at the next start.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_checks.h"
#include "ui/core/settings.h"

namespace {

bool same(const perfloop::ui::Settings& a, const perfloop::ui::Settings& b) {
  return a.width == b.width && a.height == b.height && a.ui_scale == b.ui_scale &&
         a.last_scenario == b.last_scenario && a.home_mode == b.home_mode;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using perfloop::fuzz::finding;
  const std::string text(reinterpret_cast<const char*>(data), size);
  perfloop::ui::Settings settings;
  perfloop::ui::SettingsLoad load;
  try {
    load = perfloop::ui::parse_settings(text, "settings.json", settings);
  } catch (const std::exception& e) {
    finding("parse_settings threw", e.what());
  }
  perfloop::fuzz::expect_printable_line(load.problem, "the settings problem is not one printable line");
  if (load.keep_file && load.problem.empty()) finding("a settings file kept without a word", text);

  const std::string written = perfloop::ui::settings_text(settings);
  perfloop::ui::Settings again;
  const perfloop::ui::SettingsLoad reread = perfloop::ui::parse_settings(written, "settings.json", again);
  if (!reread.problem.empty()) finding("settings_text wrote a file parse_settings complains about", reread.problem);
  if (!same(settings, again)) finding("settings changed on a save and a read", written);
  return 0;
}
