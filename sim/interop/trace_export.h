// A run's sampled traces in the formats trace viewers read: Chrome Trace
// Event JSON (Perfetto, chrome://tracing) and OTLP/JSON (OpenTelemetry
// backends such as Jaeger or Tempo). Both show the same requests with the
// same ids, so a learner can find one trace in either tool.
//
// Each request becomes a root (the endpoint, from arrival to response), a
// "queued" child while it waited for a worker, and its spans as the engine
// recorded them (sim/engine/signals.h, Trace).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"
#include "sim/interop/export_clock.h"

namespace perfloop {

class Simulation;

struct TraceExportRequest {
  int endpoint = -1;  // Symbols endpoint id; -1: every endpoint
  // The traces whose request arrived in [from, to).
  SimTime from = 0;
  SimTime to = std::numeric_limits<SimTime>::max();
  ExportClock clock;
  // OTLP's resource service.name and the start of Chrome's process names;
  // empty: the name the scenario gives its service (RunPlan models[0].service.name).
  std::string service;
};

// What the writers need from a run: the chosen traces and the names they
// refer to. collect_traces builds it from a Simulation; tests build one by
// hand to export traces the engine does not make.
struct TraceSet {
  std::uint64_t seed = 0;  // the run's seed, for OTLP ids that differ between runs
  std::string service;
  std::vector<EndpointInfo> endpoints;  // names and span names, by endpoint id
  std::vector<std::string> phases;      // phase names, by Trace::phase
  std::vector<Trace> traces;            // by start, then trace id
  // Parallel to `traces`: bit s is set when span s waits on a remote
  // service itself (a downstream call), which OTLP calls a client span.
  std::vector<std::uint32_t> client_spans;
};

TraceSet collect_traces(const Simulation& sim, const TraceExportRequest& request);

// Chrome Trace Event JSON: {"traceEvents": [...], "displayTimeUnit": "ms"}.
std::string chrome_trace_json(const TraceSet& set, const ExportClock& clock);
// OTLP/JSON: {"resourceSpans": [...]}, one resource (the service), one scope (perfloop).
std::string otlp_trace_json(const TraceSet& set, const ExportClock& clock);

inline std::string chrome_trace_json(const Simulation& sim, const TraceExportRequest& request) {
  return chrome_trace_json(collect_traces(sim, request), request.clock);
}
inline std::string otlp_trace_json(const Simulation& sim, const TraceExportRequest& request) {
  return otlp_trace_json(collect_traces(sim, request), request.clock);
}

// OTLP ids, derived from the run's seed and the engine's trace id so the same
// run exports the same ids. The low 64 bits of the trace id are the
// engine's trace id itself, as perfloop's report and Chrome's thread names
// print it; span ids are distinct within a trace.
struct OtlpTraceId {
  std::uint64_t high = 0, low = 0;
};
OtlpTraceId otlp_trace_id(std::uint64_t seed, std::uint64_t trace_id);
// `slot` 0 is the request, 1 its queueing, 2 + s the span with local index s.
std::uint64_t otlp_span_id(const OtlpTraceId& trace, int slot);
// 16 lowercase hex digits, as trace viewers and perfloop's report print ids.
std::string hex_id(std::uint64_t id);

}  // namespace perfloop
