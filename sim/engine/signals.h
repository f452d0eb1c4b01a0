// The five signals of one run, as plain data: per-window metrics, per-phase
// aggregates (with span statistics and profiles), sampled traces, the event
// log, and RUM. All of them come from the same simulated requests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/histogram.h"
#include "sim/engine/time.h"

namespace perfloop {

// One cell of a profile: what one call stack cost on one endpoint.
struct ProfileCell {
  std::uint64_t cpu_samples = 0;  // sampled at profile_hz of CPU time
  std::uint64_t cpu_ns = 0;       // exact CPU time, for checking the samples
  std::uint64_t alloc_bytes = 0;
  std::uint64_t offcpu_ns = 0;    // waiting: I/O, downstream calls, locks
  std::uint64_t mutex_ns = 0;     // waiting for a lock only
  void add(const ProfileCell& o) {
    cpu_samples += o.cpu_samples;
    cpu_ns += o.cpu_ns;
    alloc_bytes += o.alloc_bytes;
    offcpu_ns += o.offcpu_ns;
    mutex_ns += o.mutex_ns;
  }
  bool empty() const { return (cpu_samples | cpu_ns | alloc_bytes | offcpu_ns | mutex_ns) == 0; }
};

// Dense [endpoint][stack] profile.
struct Profile {
  std::size_t endpoints = 0;
  std::size_t stacks = 0;
  std::vector<ProfileCell> cells;
  void resize(std::size_t endpoint_count, std::size_t stack_count) {
    endpoints = endpoint_count;
    stacks = stack_count;
    cells.assign(endpoint_count * stack_count, {});
  }
  ProfileCell& at(std::size_t endpoint, std::size_t stack) { return cells[endpoint * stacks + stack]; }
  const ProfileCell& at(std::size_t endpoint, std::size_t stack) const { return cells[endpoint * stacks + stack]; }
};

struct SparseProfileEntry {
  std::uint16_t endpoint = 0;
  std::uint32_t stack = 0;
  ProfileCell cell;
};

struct EndpointWindow {
  std::uint64_t completed = 0;
  std::uint64_t errors = 0;
  std::uint64_t slo_bad = 0;  // errors plus requests slower than the SLO threshold
  std::uint64_t queries = 0;
  SparseHistogram latency_ns;
  SparseHistogram payload_bytes;  // bytes received from downstream calls, per request
  SparseHistogram lcp_ns;
  SparseHistogram inp_ns;
  // Time in each span (by local index) of the requests completed in the
  // window, and how many had it: any run of windows gets span means from
  // these, as a phase does from its histograms. Empty when no span ran.
  std::vector<SimTime> span_ns_sum;
  std::vector<std::uint32_t> span_count;
};

struct WindowStats {
  SimTime start = 0;
  SimTime end = 0;
  int phase = 0;
  std::uint64_t arrivals = 0;
  std::vector<EndpointWindow> endpoints;
  double cpu_utilisation = 0.0;  // busy core time / available core time
  double gc_cpu_share = 0.0;     // mallocgc + mark assist share of CPU time
  double alloc_bytes_per_s = 0.0;
  std::uint32_t gc_cycles = 0;
  double gc_pause_ms = 0.0;
  double burn_rate_short = 0.0;
  double burn_rate_long = 0.0;
  std::vector<SparseProfileEntry> profile;
};

struct EndpointPhase {
  LogHistogram latency_ns;
  std::uint64_t errors = 0;
  std::uint64_t rejected = 0;  // turned away without service (also in errors)
  std::uint64_t slo_bad = 0;
  std::uint64_t queries = 0;
  std::uint64_t syscalls = 0;
  std::vector<LogHistogram> span_ns;  // by local span index
  LogHistogram payload_bytes;
  LogHistogram lcp_ns;
  LogHistogram inp_ns;
};

struct PhaseStats {
  std::string name;
  SimTime start = 0;
  SimTime end = 0;
  std::vector<EndpointPhase> endpoints;
  Profile profile;
  double busy_core_ns = 0.0;
  double core_ns = 0.0;  // cores × elapsed time
  double gc_cpu_ns = 0.0;
  double alloc_bytes = 0.0;
  std::uint64_t gc_cycles = 0;
  std::uint64_t arrivals = 0;
};

struct TraceSpan {
  std::int16_t span = 0;    // local span index
  std::int16_t parent = -1;
  SimTime start_offset = 0; // from the request's arrival
  SimTime duration = 0;
};

struct Trace {
  std::uint64_t trace_id = 0;
  int endpoint = 0;
  int phase = 0;
  SimTime start = 0;
  SimTime duration = 0;
  SimTime queued = 0;  // waiting for a worker before the first span
  bool error = false;
  bool tail_sampled = false;  // kept for being among the slowest of its window
  std::vector<TraceSpan> spans;
};

struct LogEvent {
  SimTime t = 0;
  std::string kind;  // deploy, config, fix, phase, alert, resolved, error
  std::string service;
  std::string text;
};

}  // namespace perfloop
