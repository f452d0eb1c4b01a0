// Fuzzes the scenario loader (sim/scenario_loader.h) on script text: the Lua
// sandbox, the prelude, and the checks that turn what a script returns into
// model data. ScenarioError is the documented way to refuse a script.
//
// In process, with small limits: the default runner forks a child per
// script, which libFuzzer cannot follow, and the catalogue's own scripts need
// far less than these limits to load and build (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scenarios/scenario_loader.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

perfloop::ScriptOptions fuzz_options() {
  perfloop::ScriptOptions options;
  options.isolation = perfloop::ScriptIsolation::InProcess;
  options.limits.memory_bytes = std::size_t{16} << 20;
  options.limits.instructions = 2'000'000;
  options.limits.wall_time = std::chrono::milliseconds(2000);
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const perfloop::ScriptOptions options = fuzz_options();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    perfloop::ScenarioScript script = perfloop::ScenarioScript::from_text(text, "fuzz.lua", options);
    script.build(script.resolve({}));
  } catch (const perfloop::ScenarioError& e) {
    perfloop::fuzz::expect_printable_line(e.what(), "ScenarioError::what() is not one printable line");
  } catch (const std::exception& e) {
    perfloop::fuzz::finding("the loader threw something other than ScenarioError", e.what());
  }
  return 0;
}
