#include "sim/interop/metrics_export.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "sim/engine/simulation.h"
#include "sim/interop/latency_buckets.h"

namespace perfloop {

namespace {

// Shortest text that reads back as the same double.
std::string number_text(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// OpenMetrics' canonical form for `le` values: an integral bound keeps its
// ".0", so "1.0" and not "1" names the same bucket in every exporter.
std::string bound_text(double bound) {
  std::string text = number_text(bound);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::string help_text(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Whole milliseconds, written as seconds: "1767225610.000".
std::string timestamp_text(const ExportClock& clock, SimTime t) {
  const std::int64_t ns = clock.unix_ns(t);
  const std::int64_t ms = (ns >= 0 ? ns + 500'000 : ns - 500'000) / 1'000'000;
  char text[40];
  std::snprintf(text, sizeof text, "%s%lld.%03lld", ms < 0 ? "-" : "", static_cast<long long>(std::llabs(ms) / 1000),
                static_cast<long long>(std::llabs(ms) % 1000));
  return text;
}

// A window that closed before an endpoint existed has no entry for it: nothing happened there.
const EndpointWindow& window_endpoint(const WindowStats& w, std::size_t e) {
  static const EndpointWindow kIdle;
  return e < w.endpoints.size() ? w.endpoints[e] : kIdle;
}

class OpenMetricsText {
 public:
  explicit OpenMetricsText(const ExportClock& clock) : clock_(clock) {}

  void family(const std::string& name, const char* type, const char* unit, const std::string& help) {
    out_ += "# TYPE " + name + " " + type + "\n";
    if (unit != nullptr) out_ += "# UNIT " + name + " " + unit + "\n";
    out_ += "# HELP " + name + " " + help_text(help) + "\n";
  }
  void sample(const std::string& name, const std::string& labels, const std::string& value, SimTime at) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " " + value + " " + timestamp_text(clock_, at) + "\n";
  }
  std::string finish() { return std::move(out_) + "# EOF\n"; }

 private:
  ExportClock clock_;
  std::string out_;
};

}  // namespace

std::string openmetrics_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string openmetrics_text(const Simulation& sim, const MetricsExportRequest& request) {
  const auto& windows = sim.windows();
  const auto& endpoint_infos = sim.symbols().endpoints();
  auto exported = [&](const WindowStats& w) { return w.start >= request.from && w.start < request.to; };
  std::vector<std::size_t> endpoints;
  for (std::size_t e = 0; e < endpoint_infos.size(); ++e)
    if (request.endpoint < 0 || static_cast<int>(e) == request.endpoint) endpoints.push_back(e);
  auto endpoint_label = [&](std::size_t e) { return "endpoint=\"" + openmetrics_label_value(endpoint_infos[e].name) + "\""; };

  OpenMetricsText out(request.clock);

  // The latency histogram: each series holds its window's buckets, then _sum and _count, time after time.
  const std::string duration = "perfloop_http_request_duration_seconds";
  out.family(duration, "histogram", "seconds", "Time from a request's arrival to its response, served requests only.");
  std::vector<SimTime> bounds_ns;
  for (double bound : kLatencyBucketBoundsS) bounds_ns.push_back(s_to_ns(bound));
  for (std::size_t e : endpoints) {
    std::vector<std::uint64_t> cumulative(bounds_ns.size(), 0);
    std::uint64_t count = 0;
    double sum_ns = 0.0;
    for (const auto& w : windows) {
      const EndpointWindow& ew = window_endpoint(w, e);
      const auto at_or_below = counts_at_or_below(ew.latency_ns, bounds_ns);
      for (std::size_t b = 0; b < bounds_ns.size(); ++b) cumulative[b] += at_or_below[b];
      count += ew.latency_ns.count();
      sum_ns += ew.latency_ns.sum();
      if (!exported(w)) continue;
      const std::string labels = endpoint_label(e);
      for (std::size_t b = 0; b < bounds_ns.size(); ++b)
        out.sample(duration + "_bucket", labels + ",le=\"" + bound_text(kLatencyBucketBoundsS[b]) + "\"",
                   std::to_string(cumulative[b]), w.end);
      out.sample(duration + "_bucket", labels + ",le=\"+Inf\"", std::to_string(count), w.end);
      out.sample(duration + "_sum", labels, number_text(sum_ns / 1e9), w.end);
      out.sample(duration + "_count", labels, std::to_string(count), w.end);
    }
  }

  // Counters: the family is named without _total, its samples with it.
  auto counter = [&](const std::string& family, const std::string& help, std::uint64_t EndpointWindow::*field) {
    out.family(family, "counter", nullptr, help);
    for (std::size_t e : endpoints) {
      std::uint64_t total = 0;
      for (const auto& w : windows) {
        total += window_endpoint(w, e).*field;
        if (exported(w)) out.sample(family + "_total", endpoint_label(e), std::to_string(total), w.end);
      }
    }
  };
  counter("perfloop_http_requests", "Requests finished since the run began, those rejected at once included.",
          &EndpointWindow::completed);
  counter("perfloop_http_request_errors", "Requests that failed, timed out or were rejected since the run began.",
          &EndpointWindow::errors);

  auto gauge = [&](const std::string& family, const char* unit, const std::string& help, double WindowStats::*field) {
    out.family(family, "gauge", unit, help);
    for (const auto& w : windows)
      if (exported(w)) out.sample(family, "", number_text(w.*field), w.end);
  };
  gauge("perfloop_cpu_utilisation_ratio", "ratio", "Share of the service's cores busy over the window.",
        &WindowStats::cpu_utilisation);
  gauge("perfloop_gc_cpu_ratio", "ratio", "Share of CPU time spent in allocation and garbage-collection mark assists.",
        &WindowStats::gc_cpu_share);
  gauge("perfloop_allocation_bytes_per_second", "bytes_per_second", "Heap allocated per second over the window.",
        &WindowStats::alloc_bytes_per_s);

  // Burn rates belong to the SLO's endpoint; none without an SLO.
  const int slo_endpoint = sim.model_at(0).slo_endpoint;
  if (slo_endpoint >= 0 && static_cast<std::size_t>(slo_endpoint) < endpoint_infos.size() &&
      (request.endpoint < 0 || request.endpoint == slo_endpoint)) {
    const std::string burn = "perfloop_slo_burn_rate";
    out.family(burn, "gauge", nullptr,
               "How fast the SLO's error budget burns over the alert's short and long windows; 1 spends it exactly "
               "over the SLO period.");
    for (const char* span : {"short", "long"}) {
      const std::string labels = endpoint_label(static_cast<std::size_t>(slo_endpoint)) + ",window=\"" + span + "\"";
      for (const auto& w : windows)
        if (exported(w))
          out.sample(burn, labels, number_text(span[0] == 's' ? w.burn_rate_short : w.burn_rate_long), w.end);
    }
  }
  return out.finish();
}

}  // namespace perfloop
