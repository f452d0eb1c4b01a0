// Fuzzes parse_answers (sim/answers.h) against one catalogue scenario's build.
// AnswersError is the documented way to refuse a file; any other exception,
// a sanitizer report or a broken promise is a finding. Answers that parse
// must survive answers_to_json and a second parse unchanged: that is how an
// attempt's answers are saved and read back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sim/loop/answers.h"
#include "sim/scenarios/scenario_loader.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

// The /checkout incident: several bottlenecks, fixes and gates, so most
// of the checks against the scenario are reachable. The seeds in
// corpus/answers/ are mostly for this scenario.
constexpr const char* kScenarioFile = PERFLOOP_SOURCE_DIR "/scenarios/checkout-inventory-payload.lua";

struct Loaded {
  std::string id;
  perfloop::ScenarioBuild build;
};
std::unique_ptr<Loaded> loaded;  // built once: loading runs Lua, far slower than a parse

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  perfloop::ScriptOptions options;
  options.isolation = perfloop::ScriptIsolation::InProcess;  // no child process under libFuzzer
  perfloop::ScenarioScript script = perfloop::ScenarioScript::load(kScenarioFile, options);
  loaded = std::make_unique<Loaded>(Loaded{script.id(), script.build(script.resolve({}))});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using perfloop::fuzz::finding;
  const std::string text(reinterpret_cast<const char*>(data), size);
  perfloop::Answers answers;
  try {
    answers = perfloop::parse_answers(text, "fuzz.json", loaded->id, loaded->build);
  } catch (const perfloop::AnswersError& e) {
    perfloop::fuzz::expect_printable_line(e.what(), "AnswersError::what() is not one printable line");
    return 0;
  } catch (const std::exception& e) {
    finding("parse_answers threw something other than AnswersError", e.what());
  }
  const std::string saved = perfloop::answers_to_json(answers).dump();
  try {
    const perfloop::Answers again = perfloop::parse_answers(saved, "saved.json", loaded->id, loaded->build);
    if (perfloop::answers_to_json(again).dump() != saved)
      finding("answers changed on a save and a read", saved);
  } catch (const std::exception& e) {
    finding("answers_to_json wrote answers parse_answers refuses", std::string(e.what()) + " in " + saved);
  }
  return 0;
}
