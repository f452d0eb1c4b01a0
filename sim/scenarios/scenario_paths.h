// Where scenario files live, so commands accept an id as well as a path.
#pragma once

#include <string>
#include <vector>

namespace perfloop {

// Folders searched for scenarios: $PERFLOOP_SCENARIOS, ./scenarios, and the
// source tree's scenarios/ the binary was built from.
std::vector<std::string> scenario_dirs();

// The first of scenario_dirs() that is a folder, else "": the catalogue.
std::string catalogue_dir();

// `name_or_path` itself if it is a file; else <dir>/<name>.lua or
// <dir>/reference/<name>.lua in the first folder that has it; else "".
std::string find_scenario(const std::string& name_or_path);

}  // namespace perfloop
