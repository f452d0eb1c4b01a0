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
};

// The *.lua files directly inside `dir` (reference/ and other subfolders are not part of it).
Catalogue load_catalogue(const std::string& dir);

// Everything a scenario can be asked to build: the defaults, every point of
// its timeline, every fix on top of the timeline's end state and every future
// change, each compiled for the engine. Returns one line per problem; empty
// when the scenario is sound.
std::vector<std::string> check_scenario(const std::string& file);

}  // namespace perfloop
