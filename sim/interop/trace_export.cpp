#include "sim/interop/trace_export.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "sim/engine/rng.h"
#include "sim/engine/simulation.h"

namespace perfloop {

namespace {

// Spans of one endpoint's program that make a downstream call themselves
// (not through a child span): those are the ones waiting on another service.
std::uint32_t spans_calling_out(const EndpointProgram& program) {
  std::uint32_t calling = 0;
  std::vector<int> open;
  for (const Op& op : program.ops) {
    if (op.kind == OpKind::SpanEnter) open.push_back(op.span);
    else if (op.kind == OpKind::SpanExit && !open.empty()) open.pop_back();
    else if (op.kind == OpKind::Downstream && !open.empty()) calling |= 1u << open.back();
  }
  return calling;
}

}  // namespace

TraceSet collect_traces(const Simulation& sim, const TraceExportRequest& request) {
  TraceSet set;
  set.seed = sim.seed();
  set.service = request.service.empty() ? sim.model_at(0).service.name : request.service;
  set.endpoints = sim.symbols().endpoints();
  for (const auto& phase : sim.phases()) set.phases.push_back(phase.name);

  for (const Trace& t : sim.traces()) {
    if (request.endpoint >= 0 && t.endpoint != request.endpoint) continue;
    if (t.start < request.from || t.start >= request.to) continue;
    set.traces.push_back(t);
  }
  // The engine keeps head-sampled traces as they finish and the slowest of
  // each window when it closes; viewers list requests best in arrival order.
  std::sort(set.traces.begin(), set.traces.end(), [](const Trace& a, const Trace& b) {
    return a.start != b.start ? a.start < b.start : a.trace_id < b.trace_id;
  });

  std::map<std::pair<const CompiledModel*, int>, std::uint32_t> calling;
  for (const Trace& t : set.traces) {
    const CompiledModel& model = sim.model_at(t.start);
    const auto key = std::make_pair(&model, t.endpoint);
    auto it = calling.find(key);
    if (it == calling.end()) {
      const bool known = t.endpoint >= 0 && static_cast<std::size_t>(t.endpoint) < model.endpoints.size();
      it = calling.emplace(key, known ? spans_calling_out(model.endpoints[static_cast<std::size_t>(t.endpoint)]) : 0u).first;
    }
    set.client_spans.push_back(it->second);
  }
  return set;
}

OtlpTraceId otlp_trace_id(std::uint64_t seed, std::uint64_t trace_id) {
  // The high half tells runs with other seeds apart, so traces from two
  // seeds loaded into one backend do not merge. All zeros is invalid in OTLP.
  OtlpTraceId id;
  id.high = mix64(seed ^ mix64(trace_id ^ 0x7065726666c6f6fULL));
  id.low = trace_id;
  if ((id.high | id.low) == 0) id.high = 1;
  return id;
}

std::uint64_t otlp_span_id(const OtlpTraceId& trace, int slot) {
  // mix64 is a bijection, so distinct slots give distinct ids within a trace.
  const std::uint64_t id = mix64(trace.high ^ trace.low ^ mix64(static_cast<std::uint64_t>(slot) + 1));
  return id != 0 ? id : 1;  // an all-zero span id is invalid
}

std::string hex_id(std::uint64_t id) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(id));
  return text;
}

}  // namespace perfloop
