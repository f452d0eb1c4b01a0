// OTLP/JSON traces (the JSON mapping of opentelemetry-proto's
// ExportTraceServiceRequest): hex ids, integer enums, 64-bit integers as
// decimal strings, times in Unix nanoseconds from the export clock's epoch.
//
// Each request is a server span (the endpoint, from arrival to response)
// with a "queued" child while it waited for a worker, and the engine's
// spans below it. A span that waits on another service itself is a client
// span; the rest are internal.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "sim/interop/trace_export.h"

#ifndef PERFLOOP_VERSION
#define PERFLOOP_VERSION "unknown"
#endif

namespace perfloop {

namespace {

using ojson = nlohmann::ordered_json;

// SpanKind and StatusCode of opentelemetry-proto's trace.proto.
constexpr int kKindInternal = 1;
constexpr int kKindServer = 2;
constexpr int kKindClient = 3;
constexpr int kStatusUnset = 0;
constexpr int kStatusError = 2;

ojson string_attribute(const char* key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}
ojson bool_attribute(const char* key, bool value) { return {{"key", key}, {"value", {{"boolValue", value}}}}; }
ojson int_attribute(const char* key, std::int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}

struct Interval {
  SimTime start = 0, end = 0;
};

ojson span_json(const OtlpTraceId& trace, int slot, int parent_slot, const std::string& name, int kind,
                const Interval& at, const ExportClock& clock) {
  ojson span = {{"traceId", hex_id(trace.high) + hex_id(trace.low)}, {"spanId", hex_id(otlp_span_id(trace, slot))}};
  if (parent_slot >= 0) span["parentSpanId"] = hex_id(otlp_span_id(trace, parent_slot));
  span["name"] = name;
  span["kind"] = kind;
  span["startTimeUnixNano"] = std::to_string(clock.unix_ns(at.start));
  span["endTimeUnixNano"] = std::to_string(clock.unix_ns(at.end));
  return span;
}

// The spans of one request, parents before children.
void add_request_spans(const TraceSet& set, std::size_t index, const ExportClock& clock, ojson& out) {
  const Trace& t = set.traces[index];
  const auto& endpoint = set.endpoints.at(static_cast<std::size_t>(t.endpoint));
  const OtlpTraceId trace = otlp_trace_id(set.seed, t.trace_id);
  constexpr int kRequestSlot = 0, kQueueSlot = 1, kFirstSpanSlot = 2;

  const Interval request{t.start, t.start + t.duration};
  ojson server = span_json(trace, kRequestSlot, -1, endpoint.name, kKindServer, request, clock);
  const bool phase_known = t.phase >= 0 && static_cast<std::size_t>(t.phase) < set.phases.size();
  server["attributes"] = {string_attribute("http.route", endpoint.name),
                          string_attribute("perfloop.phase", phase_known ? set.phases[static_cast<std::size_t>(t.phase)] : ""),
                          string_attribute("perfloop.sampling", t.tail_sampled ? "slowest-in-window" : "head"),
                          bool_attribute("perfloop.tail_sampled", t.tail_sampled),
                          int_attribute("perfloop.queued_ns", t.queued)};
  server["status"] = t.error ? ojson{{"code", kStatusError}, {"message", "the request failed or outlived its timeout"}}
                             : ojson{{"code", kStatusUnset}};
  out.push_back(std::move(server));

  if (t.queued > 0) {
    ojson queued = span_json(trace, kQueueSlot, kRequestSlot, "queued", kKindInternal,
                             {t.start, std::min(t.start + t.queued, request.end)}, clock);
    queued["status"] = {{"code", kStatusUnset}};
    out.push_back(std::move(queued));
  }

  // A span's parent is the nearest ancestor the trace holds, else the
  // request. Its interval is clamped into its parent's: the engine's spans
  // enter and exit in program order, so they nest, except where an
  // endpoint names two spans alike: the engine keeps one local index per
  // name, with the parent of the first, and the trace has the timing of the
  // last run. Viewers and backends assume a child inside its parent.
  const std::size_t span_count = endpoint.spans.size();
  std::vector<int> present(span_count, -1);  // local span index -> position in t.spans
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const int s = t.spans[i].span;
    if (s >= 0 && static_cast<std::size_t>(s) < span_count) present[static_cast<std::size_t>(s)] = static_cast<int>(i);
  }
  auto parent_in_trace = [&](int span) {
    int p = endpoint.spans[static_cast<std::size_t>(span)].parent;
    for (int hops = 0; p >= 0 && static_cast<std::size_t>(p) < span_count && hops <= kMaxSpansPerEndpoint; ++hops) {
      if (present[static_cast<std::size_t>(p)] >= 0 && p != span) return p;
      p = endpoint.spans[static_cast<std::size_t>(p)].parent;
    }
    return -1;
  };
  std::vector<int> parent(t.spans.size(), -1), depth(t.spans.size(), 0);
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const int s = t.spans[i].span;
    if (s < 0 || static_cast<std::size_t>(s) >= span_count || present[static_cast<std::size_t>(s)] != static_cast<int>(i))
      continue;  // unknown, or a repeat of a span already in the trace: left out
    parent[i] = parent_in_trace(s);
    for (int p = parent[i]; p >= 0 && depth[i] <= kMaxSpansPerEndpoint; p = parent_in_trace(p)) ++depth[i];
  }
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < t.spans.size(); ++i) {
    const int s = t.spans[i].span;
    if (s >= 0 && static_cast<std::size_t>(s) < span_count && present[static_cast<std::size_t>(s)] == static_cast<int>(i))
      order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return depth[a] < depth[b]; });

  std::vector<Interval> placed(span_count);
  for (std::size_t i : order) {
    const TraceSpan& s = t.spans[i];
    const Interval outer = parent[i] >= 0 ? placed[static_cast<std::size_t>(parent[i])] : request;
    Interval at{t.start + s.start_offset, t.start + s.start_offset + s.duration};
    at.start = std::clamp(at.start, outer.start, outer.end);
    at.end = std::clamp(at.end, at.start, outer.end);
    placed[static_cast<std::size_t>(s.span)] = at;

    const bool calls_out = index < set.client_spans.size() && ((set.client_spans[index] >> s.span) & 1u) != 0;
    ojson span = span_json(trace, kFirstSpanSlot + s.span, parent[i] >= 0 ? kFirstSpanSlot + parent[i] : kRequestSlot,
                           endpoint.spans[static_cast<std::size_t>(s.span)].name,
                           calls_out ? kKindClient : kKindInternal, at, clock);
    span["status"] = {{"code", kStatusUnset}};
    out.push_back(std::move(span));
  }
}

}  // namespace

std::string otlp_trace_json(const TraceSet& set, const ExportClock& clock) {
  ojson spans = ojson::array();
  for (std::size_t i = 0; i < set.traces.size(); ++i) add_request_spans(set, i, clock, spans);
  ojson resource = {{"attributes", ojson::array({string_attribute("service.name", set.service),
                                                 // The same seed replays these very requests.
                                                 string_attribute("perfloop.seed", std::to_string(set.seed))})}};
  ojson doc = {{"resourceSpans",
                ojson::array({{{"resource", std::move(resource)},
                               {"scopeSpans", ojson::array({{{"scope", {{"name", "perfloop"}, {"version", PERFLOOP_VERSION}}},
                                                             {"spans", std::move(spans)}}})}}})}};
  return doc.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace perfloop
