// The scenario catalogue and the scenario checker: what `perfloop list` and
// `perfloop check` print, and what the app's scenario picker reads.
#pragma once

#include <string>
#include <vector>

#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

struct CatalogueEntry {
  std::string id;
  std::string file;
  std::string title;
  ScenarioMeta meta;
  std::vector<ParamSpec> params;  // what a learner may change before playing
};

struct CatalogueProblem {
  std::string file;
  std::string message;  // one line: "file:line: field: message"
};

struct Catalogue {
  std::vector<CatalogueEntry> entries;    // sorted by file name
  std::vector<CatalogueProblem> problems; // broken files; they never hide the others
  std::vector<CatalogueProblem> warnings; // listed, but with something to fix (an id that is not the file name)
};

// Empty when `file` is named after `id` (id.lua); otherwise what goes wrong
// when it is not: lookups by id (simulate ID, solve ID, gui --scenario ID)
// look for id.lua, so they never find this file.
std::string id_file_name_problem(const std::string& file, const std::string& id);

// The *.lua files directly inside `dir` (reference/ and other subfolders are not part of it).
Catalogue load_catalogue(const std::string& dir);

// Everything a scenario can be asked to build: the defaults, every point of
// its timeline, every fix on top of the timeline's end state and every future
// change, each compiled for the engine; and that the file is named after its
// id. Returns one line per problem; empty when the scenario is sound. What
// the scenario claims about its simulation is proven by prove_claims
// (sim/loop/scenario_claims.h), which runs it.
std::vector<std::string> check_scenario(const std::string& file);

}  // namespace perfloop
