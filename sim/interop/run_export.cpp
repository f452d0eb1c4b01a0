#include "sim/interop/run_export.h"

#include <cmath>
#include <stdexcept>

#include "sim/engine/capture.h"
#include "sim/engine/simulation.h"
#include "sim/interop/capture_profile.h"
#include "sim/interop/metrics_export.h"
#include "sim/interop/profile_export.h"
#include "sim/interop/trace_export.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_plan.h"

namespace perfloop {

std::string default_export_format(const std::string& what) {
  if (what == "trace") return "chrome";
  if (what == "metrics") return "openmetrics";
  return "pprof";
}

std::string export_formats_of(const std::string& what) {
  if (what == "trace") return "chrome, otlp";
  if (what == "metrics") return "openmetrics";
  return "folded, speedscope, pprof";
}

namespace {

bool format_fits(const std::string& what, const std::string& format) {
  if (what == "profile") return is_profile_format(format);
  if (what == "trace") return format == "chrome" || format == "otlp";
  return format == "openmetrics";
}

std::string seconds_text(double s) { return std::to_string(std::lround(s)) + " s"; }

SimTime to_ns(double s) { return static_cast<SimTime>(std::llround(s * 1e9)); }

}  // namespace

RunExport export_run(const RunExportRequest& request) {
  const std::string& what = request.what;
  if (what != "profile" && what != "trace" && what != "metrics")
    throw std::invalid_argument("--what: expected profile, trace or metrics, got " + quote(what));
  RunExport out;
  out.format = request.format.empty() ? default_export_format(what) : request.format;
  if (!format_fits(what, out.format))
    throw std::invalid_argument("--format " + quote(out.format) + " does not fit --what " + what + " (" + export_formats_of(what) + ")");
  if (what == "profile" && !is_profile_stream(request.stream))
    throw std::invalid_argument("--stream: expected cpu, alloc, offcpu or mutex, got " + quote(request.stream));

  ScenarioScript script = ScenarioScript::load(request.scenario_path);
  PlannedRun planned = plan_run(script, request.params, request.fixes, request.seed);
  Simulation sim(planned.plan);
  const double run_s = static_cast<double>(sim.duration()) / 1e9;
  const double from_s = request.from_s < 0 ? 0.0 : request.from_s;
  const double to_s = request.to_s < 0 ? run_s : std::min(request.to_s, run_s);
  if (from_s >= run_s) throw std::invalid_argument("--from-s " + seconds_text(from_s) + " is past the run's end (" + seconds_text(run_s) + ")");
  if (!(to_s > from_s)) throw std::invalid_argument("--to-s must be after --from-s");
  // Only as far as the window needs: what comes later cannot change it.
  sim.run_until(std::min(sim.duration(), static_cast<SimTime>(std::ceil(to_s * 1e9))));

  const Symbols& symbols = sim.symbols();
  if (!request.endpoint.empty() && symbols.find_endpoint(request.endpoint) < 0) {
    std::string names;
    for (const auto& e : symbols.endpoints()) names += (names.empty() ? "" : ", ") + e.name;
    throw std::invalid_argument("--endpoint " + quote(request.endpoint) + " is not an endpoint of " + script.id() + " (" + names + ")");
  }
  const ModelSpec& model = planned.plan.models.front();
  if (what == "profile") {
    // One endpoint's profile, as the app's flame graph shows: the SLO's unless named.
    std::string endpoint = request.endpoint;
    if (endpoint.empty()) endpoint = !planned.slo.endpoint.empty() ? planned.slo.endpoint : symbols.endpoints().front().name;
    const Capture captured = capture(sim, capture_window_for(endpoint, from_s, to_s, 0.0));
    if (captured.empty)
      throw std::invalid_argument("no complete 10 s metrics window between " + seconds_text(from_s) + " and " + seconds_text(to_s));
    const StackProfile profile = profile_from_capture(captured, request.stream, model.profile_hz, request.clock.epoch_unix_s);
    out.bytes = encode_profile(profile, out.format);
    out.summary = request.stream + " profile of " + endpoint + ", " + std::to_string(captured.requests) + " requests";
    return out;
  }
  const int endpoint = request.endpoint.empty() ? -1 : symbols.find_endpoint(request.endpoint);
  if (what == "trace") {
    TraceExportRequest r;
    r.endpoint = endpoint;
    r.from = to_ns(from_s);
    r.to = to_ns(to_s);
    r.clock = request.clock;
    r.service = model.service.name;
    out.bytes = out.format == "chrome" ? chrome_trace_json(sim, r) : otlp_trace_json(sim, r);
    out.summary = "sampled traces, " + seconds_text(from_s) + " to " + seconds_text(to_s);
    return out;
  }
  MetricsExportRequest r;
  r.endpoint = endpoint;
  r.from = to_ns(from_s);
  r.to = to_ns(to_s);
  r.clock = request.clock;
  out.bytes = openmetrics_text(sim, r);
  out.summary = "10 s windows, " + seconds_text(from_s) + " to " + seconds_text(to_s);
  return out;
}

}  // namespace perfloop
