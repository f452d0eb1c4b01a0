// `perfloop check [--simulate] FILE...` and `perfloop list [--json]`.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "sim/engine/run_budget.h"
#include "sim/scenarios/catalogue.h"
#include "sim/io/json_text.h"
#include "sim/loop/scenario_claims.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

int run_check(const std::vector<std::string>& files, bool simulate) {
  bool all_sound = true;
  for (const auto& file : files) {
    std::vector<std::string> problems = check_scenario(file);
    std::vector<ClaimResult> claims;
    // Only a sound file is run: a broken one has already said what is wrong.
    if (simulate && problems.empty()) {
      try {
        ScenarioScript script = ScenarioScript::load(file);
        claims = prove_claims(script);
        for (const auto& claim : claims)
          if (!claim.ok) problems.push_back(file + ": " + claim_line(claim));
      } catch (const ScenarioError& e) {
        problems.push_back(e.what());
      } catch (const RunBudgetError& e) {
        // A gate's fixture or a future change can ask for more than a run may.
        problems.push_back(file + ": a run the claims need stopped: " + e.what());
      }
    }
    for (const auto& problem : problems) std::cerr << terminal_line(problem) << "\n";
    if (problems.empty()) {
      std::cout << "ok   " << terminal_line(file) << "\n";
      if (simulate) std::cout << "     proved " << claims_summary(claims) << "\n";
    }
    all_sound = all_sound && problems.empty();
  }
  return all_sound ? 0 : 2;
}

int run_list(bool json) {
  const std::string dir = catalogue_dir();
  if (dir.empty()) return fail("no scenarios folder found (set PERFLOOP_SCENARIOS)");
  const Catalogue catalogue = load_catalogue(dir);
  for (const auto& problem : catalogue.problems) std::cerr << "perfloop: skipped " << terminal_line(problem.message) << "\n";
  for (const auto& warning : catalogue.warnings) std::cerr << "perfloop: warning: " << terminal_line(warning.message) << "\n";
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : catalogue.entries)
      out.push_back({{"id", e.id}, {"file", e.file}, {"title", e.title}, {"level", e.meta.level},
                     {"families", e.meta.families}, {"minutes", e.meta.minutes}, {"pager", e.meta.pager}});
    std::cout << json_text(out) << "\n";
  } else {
    for (const auto& e : catalogue.entries) {
      std::string families;
      for (const auto& f : e.meta.families) families += (families.empty() ? "" : ", ") + f;
      std::printf("%-30s %-7s %4.0f min  %-40s %s\n", e.id.c_str(), e.meta.level.c_str(), e.meta.minutes,
                  families.c_str(), e.title.c_str());
    }
  }
  return 0;
}

}  // namespace perfloop::cli
