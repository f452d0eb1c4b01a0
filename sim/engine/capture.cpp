#include "sim/engine/capture.h"

#include <algorithm>
#include <map>

#include "sim/engine/profile_query.h"

namespace perfloop {

CaptureWindow capture_window_for(std::string endpoint, double from_s, double to_s, double onset_s) {
  CaptureWindow window;
  window.endpoint = std::move(endpoint);
  window.from_s = from_s;
  window.to_s = to_s;
  const double length = to_s - from_s;
  if (onset_s > 0 && length > 0) {
    window.base_from_s = std::max(0.0, onset_s - length);
    window.base_to_s = onset_s;
  }
  return window;
}

double Capture::span_baseline_ms(std::size_t span) const {
  if (endpoint < 0 || span >= symbols.endpoints()[static_cast<std::size_t>(endpoint)].spans.size()) return -1.0;
  const std::string& name = symbols.endpoints()[static_cast<std::size_t>(endpoint)].spans[span].name;
  for (const SpanSummary& s : baseline_summary.spans)
    if (s.name == name) return s.mean_ms;
  return -1.0;
}

namespace {

const EndpointSummary* endpoint_summary(const PhaseSummary& range, const std::string& name) {
  for (const EndpointSummary& e : range.endpoints)
    if (e.name == name) return &e;
  return nullptr;
}

double span_mean(const EndpointSummary& summary, const std::string& name) {
  for (const SpanSummary& s : summary.spans)
    if (s.name == name) return s.mean_ms;
  return NAN;
}

}  // namespace

Capture capture(const Simulation& sim, const CaptureWindow& window) {
  Capture data;
  data.window = window;
  data.symbols = sim.symbols();
  data.endpoint = data.symbols.find_endpoint(window.endpoint);
  const SimTime from = s_to_ns(window.from_s), to = s_to_ns(window.to_s);
  for (const WindowStats& w : sim.windows())
    if (w.start >= from && w.end <= to) data.empty = false;
  data.profile = range_profile(sim, from, to);
  if (data.endpoint < 0) return data;
  const auto endpoint = static_cast<std::size_t>(data.endpoint);
  data.requests = range_requests(sim, endpoint, from, to);
  const PhaseSummary range = summarise_range(sim, SloSpec{}, from, to);
  if (const EndpointSummary* s = endpoint_summary(range, window.endpoint)) data.summary = *s;
  const SimTime base_from = s_to_ns(window.base_from_s), base_to = s_to_ns(window.base_to_s);
  if (base_to > base_from) {
    data.baseline = range_profile(sim, base_from, base_to);
    data.has_baseline = true;
    const PhaseSummary base = summarise_range(sim, SloSpec{}, base_from, base_to);
    if (const EndpointSummary* s = endpoint_summary(base, window.endpoint)) data.baseline_summary = *s;
  }
  std::vector<const Trace*> in_window;
  for (const Trace& t : sim.traces())
    if (t.endpoint == data.endpoint && t.start >= from && t.start < to) in_window.push_back(&t);
  std::sort(in_window.begin(), in_window.end(), [](const Trace* a, const Trace* b) {
    return a->duration != b->duration ? a->duration > b->duration : a->trace_id < b->trace_id;
  });
  for (std::size_t i = 0; i < in_window.size() && i < kCaptureTraces; ++i) data.slow_traces.push_back(*in_window[i]);
  const CompiledModel& model = sim.model_at((from + to) / 2);
  if (endpoint < model.endpoints.size() && model.endpoints[endpoint].client.enabled)
    data.client = model.endpoints[endpoint].client.spec;
  return data;
}

StreamReading read_stream(const Capture& c, const std::string& stream, const std::string& frame) {
  StreamReading r;
  r.empty = c.empty;
  if (c.empty || c.endpoint < 0) return r;
  const auto ep = static_cast<std::size_t>(c.endpoint);
  if (stream == "bundle") {
    // What a bundle analyzer can say without module data: the route's size.
    if (c.client.enabled) r.top.push_back({c.client.route + " JavaScript", c.client.bundle_kb});
    r.unit = "KB";
    return r;
  }
  const FrameCost total = frame_cost(c.symbols, c.profile, ep, "");
  if (stream == "trace") {
    // Spans by how much longer they took than before the onset, over every
    // request in the windows: what the waterfall's bars against their ghosts show.
    const auto& spans = c.symbols.endpoints()[ep].spans;
    for (std::size_t i = 1; i < spans.size(); ++i) {
      const double now = span_mean(c.summary, spans[i].name);
      if (std::isnan(now)) continue;
      const double was = c.span_baseline_ms(i);
      r.top.push_back({spans[i].name, now - std::max(0.0, was)});
    }
    r.unit = c.has_baseline ? "ms longer than before the onset (mean)" : "ms (mean)";
    const double named = span_mean(c.summary, frame);
    if (!std::isnan(named) && c.summary.mean_ms > 0) {
      r.share_pct = 100.0 * named / c.summary.mean_ms;
    } else if (has_frame(c.symbols, frame)) {
      // A frame named from a trace: its share of the endpoint's time, CPU and waiting.
      const FrameCost f = frame_cost(c.symbols, c.profile, ep, frame);
      const double all = total.cpu_ns + total.offcpu_ns;
      r.share_pct = all > 0 ? 100.0 * (f.cpu_ns + f.offcpu_ns) / all : 0.0;
    }
  } else {
    const double requests = std::max<double>(1.0, static_cast<double>(c.requests));
    std::map<std::string, double> by_leaf;
    for (std::size_t s = 0; s < c.profile.stacks; ++s) {
      const ProfileCell& cell = c.profile.at(ep, s);
      if (cell.empty()) continue;
      const std::string& leaf = c.symbols.frame_name(c.symbols.leaf_frame(static_cast<std::uint32_t>(s)));
      if (stream == "cpu") by_leaf[leaf] += static_cast<double>(cell.cpu_samples);
      if (stream == "alloc") by_leaf[leaf] += static_cast<double>(cell.alloc_bytes) / 1024.0 / requests;
      if (stream == "offcpu") by_leaf[leaf] += static_cast<double>(cell.offcpu_ns) / 1e6 / requests;
    }
    const double samples = total.cpu_samples;
    for (const auto& [name, value] : by_leaf)
      if (value > 0) r.top.push_back({name, stream == "cpu" ? (samples > 0 ? 100.0 * value / samples : 0.0) : value});
    r.unit = stream == "cpu" ? "% of CPU samples (self)" : stream == "alloc" ? "KB per request" : "ms per request";
    const FrameCost f = frame_cost(c.symbols, c.profile, ep, frame);
    const double part = stream == "cpu" ? f.cpu_samples : stream == "alloc" ? f.alloc_bytes : f.offcpu_ns;
    const double whole = stream == "cpu" ? total.cpu_samples : stream == "alloc" ? total.alloc_bytes : total.offcpu_ns;
    r.share_pct = whole > 0 ? 100.0 * part / whole : 0.0;
  }
  std::stable_sort(r.top.begin(), r.top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (r.top.size() > 5) r.top.resize(5);
  return r;
}

}  // namespace perfloop
