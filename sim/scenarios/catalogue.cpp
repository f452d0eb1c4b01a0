#include "sim/scenarios/catalogue.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "sim/engine/program.h"
#include "sim/engine/run_budget.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_plan.h"

namespace perfloop {

Catalogue load_catalogue(const std::string& dir) {
  namespace fs = std::filesystem;
  Catalogue catalogue;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && entry.path().extension() == ".lua") files.push_back(entry.path().string());
  if (ec) catalogue.problems.push_back({dir, dir + ": " + ec.message()});
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    try {
      const ScenarioScript script = ScenarioScript::load(file);
      catalogue.entries.push_back({script.id(), file, script.title(), script.meta(), script.params()});
      if (const std::string problem = id_file_name_problem(file, script.id()); !problem.empty())
        catalogue.warnings.push_back({file, file + ": id: " + problem});
    } catch (const ScenarioError& e) {
      catalogue.problems.push_back({file, e.what()});
    }
  }
  return catalogue;
}

std::string id_file_name_problem(const std::string& file, const std::string& id) {
  const std::string stem = std::filesystem::path(file).stem().string();
  if (stem == id) return "";
  return "is " + quote(id, 80) + " but the file is named " + quote(stem + ".lua", 80) + ": lookups by id look for " +
         quote(id + ".lua", 80) + " and do not find it; name the file after the id";
}

namespace {

// Builds `values` and compiles the model as the engine would; throws on a problem.
void build_and_compile(ScenarioScript& script, const ParamValues& values, const std::string& what) {
  const ScenarioBuild build = script.build(values);
  Symbols symbols;
  LockTable locks;
  try {
    compile_model(build.model, symbols, locks);
  } catch (const std::exception& e) {
    throw ScenarioError(script.file(), 0, what, e.what());
  }
}

// Plans a run with the default params and `fixes`; throws when it would cost more than a run may.
void check_plan_cost(ScenarioScript& script, const std::vector<std::string>& fixes, const std::string& what) {
  const PlannedRun planned = plan_run(script, {}, fixes, 1);
  try {
    check_run_budget(planned.plan);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(script.file(), 0, "", what + ": " + e.what());
  }
}

}  // namespace

std::vector<std::string> check_scenario(const std::string& file) {
  try {
    ScenarioScript script = ScenarioScript::load(file);
    const ParamValues defaults = script.resolve({});
    const ScenarioBuild initial = script.build(defaults);
    build_and_compile(script, defaults, "build(defaults)");
    ParamValues state = defaults;
    for (std::size_t i = 0; i < initial.timeline.size(); ++i) {
      for (const auto& [name, value] : initial.timeline[i].set) state[name] = value;
      build_and_compile(script, state, "timeline[" + std::to_string(i + 1) + "]");
    }
    for (const auto& fix : initial.fixes) {
      ParamValues fixed = state;
      for (const auto& [name, value] : fix.set) fixed[name] = value;
      build_and_compile(script, fixed, "fixes." + fix.id);
    }
    for (std::size_t i = 0; i < initial.enforce.future.size(); ++i) {
      ParamValues changed = state;
      for (const auto& [name, value] : initial.enforce.future[i].set) changed[name] = value;
      build_and_compile(script, changed, "enforce.future[" + std::to_string(i + 1) + "]");
    }
    // What the engine will be asked to run: the incident as written, and with each fix.
    check_plan_cost(script, {}, "the default run");
    for (const auto& fix : initial.fixes) check_plan_cost(script, {fix.id}, "the run with fixes." + fix.id);
    if (const std::string problem = id_file_name_problem(file, script.id()); !problem.empty())
      throw ScenarioError(script.file(), 0, "id", problem);
  } catch (const ScenarioError& e) {
    return {e.what()};
  }
  return {};
}

}  // namespace perfloop
