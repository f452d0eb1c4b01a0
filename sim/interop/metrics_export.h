// A run's per-window metrics as OpenMetrics 1.0 text, which
// `promtool tsdb create-blocks-from openmetrics` loads into a Prometheus data
// folder, so a learner can chart a simulated incident in Prometheus or Grafana.
//
// Every sample carries the end of its window as its timestamp (seconds since
// the Unix epoch, to the millisecond, from the export clock). The families:
//   perfloop_http_request_duration_seconds  histogram per endpoint (buckets: latency_buckets.h)
//   perfloop_http_requests_total            counter per endpoint, requests rejected at once included
//   perfloop_http_request_errors_total      counter per endpoint
//   perfloop_cpu_utilisation_ratio          gauge, the service's cores
//   perfloop_gc_cpu_ratio                   gauge, share of CPU time spent on garbage collection
//   perfloop_allocation_bytes_per_second    gauge
//   perfloop_slo_burn_rate                  gauge per window="short"|"long", on the SLO's endpoint
// Histograms and counters count from the start of the run, as a process's
// counters count from its start: an export of a few windows carries the
// same values at those times as an export of the whole run. The histogram
// counts served requests only; a request rejected at once has no latency,
// so its _count can be lower than perfloop_http_requests_total.
#pragma once

#include <limits>
#include <string>

#include "sim/interop/export_clock.h"

namespace perfloop {

class Simulation;

struct MetricsExportRequest {
  int endpoint = -1;  // Symbols endpoint id; -1: every endpoint. Service-wide gauges are always written.
  // The windows that start in [from, to).
  SimTime from = 0;
  SimTime to = std::numeric_limits<SimTime>::max();
  ExportClock clock;
};

// OpenMetrics text, ending in "# EOF\n".
std::string openmetrics_text(const Simulation& sim, const MetricsExportRequest& request);

// A label value as OpenMetrics writes it between quotes: backslash, double
// quote and newline escaped.
std::string openmetrics_label_value(const std::string& value);

}  // namespace perfloop
