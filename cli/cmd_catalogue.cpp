// `perfloop check FILE...` and `perfloop list [--json]`.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "sim/scenarios/catalogue.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

int run_check(const std::vector<std::string>& files) {
  bool all_sound = true;
  for (const auto& file : files) {
    const auto problems = check_scenario(file);
    for (const auto& problem : problems) std::cerr << terminal_line(problem) << "\n";
    if (problems.empty()) std::cout << "ok   " << terminal_line(file) << "\n";
    all_sound = all_sound && problems.empty();
  }
  return all_sound ? 0 : 2;
}

int run_list(bool json) {
  const std::string dir = catalogue_dir();
  if (dir.empty()) return fail("no scenarios folder found (set PERFLOOP_SCENARIOS)");
  const Catalogue catalogue = load_catalogue(dir);
  for (const auto& problem : catalogue.problems) std::cerr << "perfloop: skipped " << terminal_line(problem.message) << "\n";
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
