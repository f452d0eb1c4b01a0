// `perfloop export`: what a run shows, in the formats real tools open:
// profiles (folded, speedscope, pprof), traces (Chrome, OTLP) and metrics
// (OpenMetrics), for the window, endpoint and fixes asked for.
#include <iostream>

#include "cli/commands.h"
#include "sim/interop/run_export.h"
#include "sim/io/atomic_file.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"
#include "sim/learn/iso_time.h"
#include "sim/scenarios/scenario_loader.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

int run_export(const ExportOptions& options) {
  if (options.request.what != "profile" && options.stream_given) return fail("--stream only applies to --what profile");
  RunExportRequest request = options.request;
  if (!options.epoch.empty()) {
    const auto epoch = parse_iso8601(options.epoch);
    if (!epoch) return fail("--epoch: expected an ISO-8601 time with a zone (2026-01-01T00:00:00Z), got " + quote(options.epoch));
    request.clock.epoch_unix_s = *epoch;
  }
  std::string error;
  for (const auto& p : options.params)
    if (!parse_param(p, request.params, error)) return fail(error);
  request.scenario_path = find_scenario(options.scenario);
  if (request.scenario_path.empty())
    return fail("scenario '" + options.scenario + "' not found (give an id from scenarios/ or a path to a .lua file)");

  RunExport exported;
  try {
    exported = export_run(request);
  } catch (const ScenarioError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  } catch (const std::length_error& e) {
    return fail(request.scenario_path + ": " + e.what());
  }
  if (options.output == "-") {
    std::cout.write(exported.bytes.data(), static_cast<std::streamsize>(exported.bytes.size()));
    std::cout.flush();
    return std::cout ? 0 : fail("could not write to standard output");
  }
  try {
    write_output_file(options.output, exported.bytes);
  } catch (const FileWriteError& e) {
    return fail(e.what());
  }
  std::cerr << "perfloop: wrote " << terminal_line(options.output) << " (" << exported.format << ", " << exported.summary
            << ", " << byte_size_text(static_cast<double>(exported.bytes.size())) << ")\n";
  return 0;
}

}  // namespace perfloop::cli
