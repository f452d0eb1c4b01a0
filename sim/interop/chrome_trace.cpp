// Chrome Trace Event JSON for Perfetto and chrome://tracing: one process per
// endpoint, one thread (or a few, see trace_lanes.h) per request, complete
// "X" events in microseconds.
//
// Time: ts is whole microseconds since the Unix epoch, with simulated 0 at
// the export clock's epoch, so a request sits at the same instant here as
// in the OTLP export and the metrics. Whole microseconds keep every value
// exact in the double a JSON reader parses it into (2^53 µs is the year
// 2255), where fractions at this magnitude would be rounded by the reader.
// Start and end are each rounded to the nearest microsecond and dur is
// their difference, so an event that nests in the engine's data still
// nests after rounding.
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "sim/interop/trace_export.h"
#include "sim/interop/trace_lanes.h"

namespace perfloop {

namespace {

using ojson = nlohmann::ordered_json;

std::int64_t unix_us(const ExportClock& clock, SimTime t) {
  const std::int64_t ns = clock.unix_ns(t);
  const std::int64_t us = ns / 1000, rest = ns % 1000;
  return rest >= 500 ? us + 1 : rest < -500 ? us - 1 : us;
}

// One event of a request before it is placed on a thread.
struct RequestEvent {
  std::string name;
  const char* category = "span";
  std::int64_t start_us = 0, end_us = 0;
  int depth = 0;  // ties between events with the same interval put the shallower outside
  ojson args;
};

int span_depth(const std::vector<SpanInfo>& infos, int span) {
  int depth = 0;
  for (int s = span; s >= 0 && static_cast<std::size_t>(s) < infos.size() && depth <= kMaxSpansPerEndpoint; ++depth)
    s = infos[static_cast<std::size_t>(s)].parent;
  return depth;
}

std::vector<RequestEvent> request_events(const TraceSet& set, const Trace& t, const ExportClock& clock) {
  const auto& endpoint = set.endpoints.at(static_cast<std::size_t>(t.endpoint));
  const std::string trace_id = hex_id(t.trace_id);
  std::vector<RequestEvent> events;

  RequestEvent root{endpoint.name, "request", unix_us(clock, t.start), unix_us(clock, t.start + t.duration), 0, {}};
  const bool phase_known = t.phase >= 0 && static_cast<std::size_t>(t.phase) < set.phases.size();
  root.args = {{"trace_id", trace_id},
               {"endpoint", endpoint.name},
               {"phase", phase_known ? set.phases[static_cast<std::size_t>(t.phase)] : std::string()},
               {"error", t.error},
               {"tail_sampled", t.tail_sampled}};
  events.push_back(std::move(root));

  if (t.queued > 0) {
    RequestEvent queued{"queued", "queue", unix_us(clock, t.start), unix_us(clock, t.start + t.queued), 1, {}};
    queued.args = {{"trace_id", trace_id}, {"why", "waiting for a free worker"}};
    events.push_back(std::move(queued));
  }

  std::vector<RequestEvent> spans;
  for (const TraceSpan& s : t.spans) {
    const bool named = s.span >= 0 && static_cast<std::size_t>(s.span) < endpoint.spans.size();
    const bool has_parent = s.parent >= 0 && static_cast<std::size_t>(s.parent) < endpoint.spans.size();
    const SimTime start = t.start + s.start_offset;
    RequestEvent e{named ? endpoint.spans[static_cast<std::size_t>(s.span)].name : "span " + std::to_string(s.span),
                   "span", unix_us(clock, start), unix_us(clock, start + s.duration),
                   1 + span_depth(endpoint.spans, s.span), {}};
    e.args = {{"trace_id", trace_id},
              {"parent", has_parent ? endpoint.spans[static_cast<std::size_t>(s.parent)].name : endpoint.name}};
    spans.push_back(std::move(e));
  }
  std::stable_sort(spans.begin(), spans.end(), [](const RequestEvent& a, const RequestEvent& b) {
    return a.start_us != b.start_us ? a.start_us < b.start_us : a.depth < b.depth;
  });
  for (auto& e : spans) events.push_back(std::move(e));
  return events;
}

ojson name_event(const char* what, int pid, int tid, const std::string& name) {
  return {{"ph", "M"}, {"name", what}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}};
}

}  // namespace

std::string chrome_trace_json(const TraceSet& set, const ExportClock& clock) {
  ojson events = ojson::array();
  std::map<int, int> next_tid;  // by pid; a process per endpoint, pid = endpoint id + 1
  for (const Trace& t : set.traces) {
    const int pid = t.endpoint + 1;
    if (next_tid.emplace(pid, 1).second) {
      const auto& endpoint = set.endpoints.at(static_cast<std::size_t>(t.endpoint));
      events.push_back(name_event("process_name", pid, 0, set.service + " " + endpoint.name));
    }

    std::vector<RequestEvent> request = request_events(set, t, clock);
    std::vector<LaneEvent> intervals;
    for (const auto& e : request) intervals.push_back({e.start_us, e.end_us});
    const std::vector<int> lanes = assign_lanes(intervals);
    const int lane_count = lanes.empty() ? 1 : *std::max_element(lanes.begin(), lanes.end()) + 1;

    const int first_tid = next_tid[pid];
    next_tid[pid] += lane_count;
    for (int lane = 0; lane < lane_count; ++lane) {
      std::string name = "request " + hex_id(t.trace_id);
      if (lane > 0) name += " (" + std::to_string(lane + 1) + ")";
      events.push_back(name_event("thread_name", pid, first_tid + lane, name));
      // Threads in arrival order, each request's lanes together.
      events.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", pid}, {"tid", first_tid + lane},
                        {"args", {{"sort_index", first_tid + lane}}}});
    }
    for (std::size_t i = 0; i < request.size(); ++i) {
      auto& e = request[i];
      events.push_back({{"ph", "X"},
                        {"name", e.name},
                        {"cat", e.category},
                        {"pid", pid},
                        {"tid", first_tid + lanes[i]},
                        {"ts", e.start_us},
                        {"dur", e.end_us - e.start_us},
                        {"args", std::move(e.args)}});
    }
  }
  ojson doc = {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
  return doc.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace perfloop
