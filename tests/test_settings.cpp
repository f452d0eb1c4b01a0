// The settings file: versioned, written atomically, read key by key so a
// bad value is named and the rest still applies.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "ui/core/settings.h"

using perfloop::ui::Settings;

namespace {

std::string temp_path(const char* name) {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop-settings-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string nlohmann_quote(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

TEST_CASE("settings survive a save and a load, in a folder created on demand", "[settings]") {
  const std::string path = temp_path("nested/deeper/settings.json");
  Settings saved;
  saved.width = 1280;
  saved.height = 800;
  saved.ui_scale = 1.25f;
  saved.last_scenario = "orders-n-plus-1";
  saved.home_mode = "free";
  perfloop::ui::save_settings(path, saved);
  Settings loaded;
  CHECK(perfloop::ui::load_settings(path, loaded).problem.empty());
  CHECK(loaded.width == 1280);
  CHECK(loaded.height == 800);
  CHECK(loaded.ui_scale == Approx(1.25f));
  CHECK(loaded.last_scenario == "orders-n-plus-1");
  CHECK(loaded.home_mode == "free");
  // No temporary file is left next to it.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) files += e.is_regular_file();
  CHECK(files == 1);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path().parent_path().parent_path());
}

TEST_CASE("a missing settings file is a first start, not a problem", "[settings]") {
  Settings s;
  CHECK(perfloop::ui::load_settings("/nonexistent/perfloop/settings.json", s).problem.empty());
  CHECK(s.width == 1600);
  CHECK(s.height == 900);
}

TEST_CASE("a bad settings value is named, and the others still apply", "[settings]") {
  const std::string path = temp_path("bad.json");
  write(path, R"({"format":"perfloop-settings","version":1,"window":{"width":"wide","height":700},"ui_scale":1.5,"last_scenario":"x"})");
  Settings s;
  const perfloop::ui::SettingsLoad load = perfloop::ui::load_settings(path, s);
  const std::string& problem = load.problem;
  CHECK_FALSE(load.keep_file);  // one bad value: the rest is rewritten at exit
  CHECK(problem.find(path) != std::string::npos);
  CHECK(problem.find("window") != std::string::npos);
  CHECK(s.width == 1600);  // kept its default
  CHECK(s.ui_scale == Approx(1.5f));
  CHECK(s.last_scenario == "x");

  write(path, R"({"version":1,"ui_scale":9})");
  Settings t;
  CHECK(perfloop::ui::load_settings(path, t).problem.find("ui_scale") != std::string::npos);
  CHECK(t.ui_scale == Approx(1.0f));

  write(path, "{ not json");
  Settings u;
  const perfloop::ui::SettingsLoad garbled = perfloop::ui::load_settings(path, u);
  CHECK(garbled.problem.find("not JSON") != std::string::npos);
  CHECK(garbled.keep_file);

  write(path, R"({"version":7,"ui_scale":1.5})");
  Settings v;
  const perfloop::ui::SettingsLoad newer = perfloop::ui::load_settings(path, v);
  CHECK(newer.problem.find("version") != std::string::npos);
  CHECK(newer.keep_file);  // a newer perfloop's file survives this one
  CHECK(v.ui_scale == Approx(1.0f));  // a newer file is not half-read

  // Something there that is not a readable file: reported, and kept.
  std::filesystem::remove(path);
  std::filesystem::create_directories(path);
  Settings w;
  const perfloop::ui::SettingsLoad folder = perfloop::ui::load_settings(path, w);
  CHECK(folder.problem.find(path) != std::string::npos);
  CHECK(folder.problem.find("cannot be read") != std::string::npos);
  CHECK(folder.keep_file);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("a settings file that is a FIFO or huge is refused without waiting or reading it", "[settings][errors]") {
  const std::string fifo = temp_path("fifo.json");
  std::filesystem::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Settings s;
  // Opened before the file-type check, a FIFO would block the app before its first frame.
  const perfloop::ui::SettingsLoad from_fifo = perfloop::ui::load_settings(fifo, s);
  CHECK(from_fifo.problem == fifo + ": cannot be read (is a FIFO, not a file); using the defaults, and the file is "
                                    "left as it is");
  CHECK(from_fifo.keep_file);

  const std::string huge = temp_path("huge.json");
  { std::ofstream(huge) << "{"; }
  std::filesystem::resize_file(huge, std::uintmax_t{4} << 30);  // sparse
  const perfloop::ui::SettingsLoad from_huge = perfloop::ui::load_settings(huge, s);
  CHECK(from_huge.problem == huge + ": cannot be read (is 4 GiB, more than the 64 KiB perfloop reads for a settings "
                                    "file); using the defaults, and the file is left as it is");
  CHECK(from_huge.keep_file);
  std::filesystem::remove(huge);
  std::filesystem::remove(fifo);
}

TEST_CASE("integers past 2^32 are out of range, not wrapped", "[settings][errors]") {
  const std::string path = temp_path("wrapped.json");
  write(path, R"({"version":4294967297,"ui_scale":1.5})");
  Settings s;
  const perfloop::ui::SettingsLoad version = perfloop::ui::load_settings(path, s);
  CHECK(version.problem.find("version: this perfloop reads versions 1 to 1") != std::string::npos);
  CHECK(version.keep_file);
  CHECK(s.ui_scale == Approx(1.0f));

  write(path, R"({"version":1,"window":{"width":4294967996,"height":700}})");
  Settings t;
  const perfloop::ui::SettingsLoad width = perfloop::ui::load_settings(path, t);
  CHECK(width.problem.find("window: expected") != std::string::npos);
  CHECK(t.width == 1600);  // its default, not 4294967996 cut to 32 bits
  CHECK(t.height == 900);
}

TEST_CASE("last_scenario names a scenario, never any file to run", "[settings][errors]") {
  const std::string path = temp_path("last.json");
  for (const char* refused : {"/etc/passwd", "../../.bashrc", "checkout\ninventory"}) {
    write(path, std::string(R"({"version":1,"last_scenario":)") + nlohmann_quote(refused) + "}");
    Settings s;
    const perfloop::ui::SettingsLoad load = perfloop::ui::load_settings(path, s);
    INFO(refused);
    CHECK(load.problem.find("last_scenario: expected a scenario id or the path of a .lua file") != std::string::npos);
    CHECK(s.last_scenario.empty());
  }
  for (const char* kept : {"checkout-inventory-payload", "/home/me/scenarios/mine.lua"}) {
    write(path, std::string(R"({"version":1,"last_scenario":)") + nlohmann_quote(kept) + "}");
    Settings s;
    CHECK(perfloop::ui::load_settings(path, s).problem.empty());
    CHECK(s.last_scenario == kept);
  }
}
