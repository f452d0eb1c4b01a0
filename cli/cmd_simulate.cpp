#include <charconv>
#include <chrono>
#include <cmath>
#include <iostream>

#include "cli/commands.h"
#include "sim/io/json_text.h"
#include "sim/scenarios/run_report.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_paths.h"
#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"

namespace perfloop::cli {

int fail(const std::string& message) {
  std::cerr << "perfloop: " << terminal_line(message) << "\n";
  return 2;
}

// "NAME=VALUE" with a finite number; returns false with `error` set otherwise.
bool parse_param(const std::string& text, ParamValues& out, std::string& error) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    error = "--param " + quote(text) + ": expected NAME=VALUE";
    return false;
  }
  const std::string name = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  double number = 0.0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(number)) {
    error = "--param " + printable(name, 80) + ": " + quote(value) + " is not a number";
    return false;
  }
  out[name] = number;
  return true;
}

int run_simulate(const SimulateOptions& options) {
  ParamValues overrides;
  std::string error;
  for (const auto& p : options.params)
    if (!parse_param(p, overrides, error)) return fail(error);

  const std::string path = find_scenario(options.scenario);
  if (path.empty()) return fail("scenario '" + options.scenario + "' not found (give an id from scenarios/ or a path to a .lua file)");

  try {
    ScenarioScript script = ScenarioScript::load(path);
    PlannedRun planned = plan_run(script, overrides, options.fixes, options.seed);
    Simulation sim(planned.plan);
    const auto start = std::chrono::steady_clock::now();
    sim.run();
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RunInfo info{script.id(), script.title(), &planned, wall_s};
    if (options.json) {
      ReportOptions report_options{options.windows, options.traces};
      std::cout << json_text(report_json(sim, info, report_options)) << "\n";
    } else {
      std::cout << report_text(sim, info);
    }
  } catch (const ScenarioError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(path + ": " + e.what());
  } catch (const std::length_error& e) {
    return fail(path + ": " + e.what());
  }
  return 0;
}

}  // namespace perfloop::cli
