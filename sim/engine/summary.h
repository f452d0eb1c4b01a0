// Summaries of a run's signals: per phase, or for any run of windows, each
// endpoint's latency, errors, spans and profiles by frame. What the text and
// JSON reports, the grader and the capture read.
#pragma once

#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/engine/simulation.h"

namespace perfloop {

struct FrameShare {
  std::string frame;
  double self_pct = 0.0;
};

struct SpanSummary {
  std::string name;
  double mean_ms = 0.0;
  double p99_ms = 0.0;  // NaN in a range summary: windows keep span means, not percentiles
};

// Share of one frame in a profile that is not CPU samples.
struct FrameAmount {
  std::string frame;
  double pct = 0.0;            // of the endpoint's total
  double per_request = 0.0;    // KB allocated or ms waited, per request
};

struct EndpointSummary {
  std::string name;
  std::uint64_t requests = 0;
  double rps = 0.0;
  double mean_ms = 0.0, p50_ms = 0.0, p90_ms = 0.0, p99_ms = 0.0, max_ms = 0.0;
  double error_rate = 0.0;
  double slo_burn_rate = 0.0;  // only for the SLO endpoint
  double queries_per_request = 0.0;
  double payload_kb_p99 = 0.0;
  bool has_rum = false;
  double lcp_p75_ms = 0.0, inp_p75_ms = 0.0;
  std::vector<SpanSummary> spans;
  std::vector<FrameShare> profile_cpu;     // leaf frames by share of CPU samples
  std::vector<FrameAmount> profile_alloc;  // allocating frames: KB per request
  std::vector<FrameAmount> profile_offcpu; // waiting frames (I/O, downstream, locks): ms per request
};

struct PhaseSummary {
  std::string name;
  double start_s = 0.0, end_s = 0.0;
  double cpu_utilisation = 0.0;
  double gc_cpu_pct = 0.0;
  double alloc_mb_per_s = 0.0;
  double gc_cycles_per_s = 0.0;
  std::vector<EndpointSummary> endpoints;
  const EndpointSummary* endpoint(const std::string& name) const;
};

// Leaf-frame shares of a profile cell set, largest first.
std::vector<FrameShare> cpu_by_frame(const Symbols& symbols, const Profile& profile, std::size_t endpoint);

std::vector<PhaseSummary> summarise_phases(const Simulation& sim, const SloSpec& slo);

// The same figures for any span of time, merged from the windows that lie
// inside [from, to) (so at window resolution); what a UI shows for a
// dragged selection and what a capture reads. Spans have their means (over
// every request completed in the range), not their percentiles.
PhaseSummary summarise_range(const Simulation& sim, const SloSpec& slo, SimTime from, SimTime to);

}  // namespace perfloop
