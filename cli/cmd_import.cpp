// `perfloop import`: a profile from outside (folded, speedscope, pprof) read
// into perfloop's model, with its top frames and what their names suggest.
#include <iostream>

#include "cli/commands.h"
#include "sim/interop/import_error.h"
#include "sim/interop/profile_import.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"

namespace perfloop::cli {

int run_import(const ImportOptions& options) {
  ImportedProfile imported;
  try {
    imported = import_profile_file(options.file);
  } catch (const ImportError& e) {
    return fail(e.what());
  }
  if (options.json) std::cout << json_text(import_summary_json(imported, static_cast<std::size_t>(options.top))) << "\n";
  else std::cout << import_summary_text(imported, static_cast<std::size_t>(options.top));
  return 0;
}

}  // namespace perfloop::cli
