// What a learner's capture of one stretch of a run holds, and what each of
// its streams shows: the one answer the Profile panel draws, the grader
// grades and the expert reads, so a learner is never graded on figures other
// than those the panel showed.
//
// A capture takes the windows that lie inside [from, to): their profile
// (CPU samples, allocation, off-CPU and mutex time by stack), a summary of
// them (latency, spans' mean times over every request completed there), the
// slowest traces the tail sampler kept, and the same for a baseline window
// (as long as the capture, ending at the onset) for the diffs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/engine/summary.h"
#include "sim/engine/simulation.h"

namespace perfloop {

struct CaptureWindow {
  std::string endpoint;
  double from_s = 0.0, to_s = 0.0;
  double base_from_s = 0.0, base_to_s = 0.0;  // the diff's baseline; empty: none
  bool operator==(const CaptureWindow&) const = default;
};

// The window [from, to) on `endpoint`, with the baseline Profile diffs
// against: the same length just before `onset_s` (none when the onset is 0).
CaptureWindow capture_window_for(std::string endpoint, double from_s, double to_s, double onset_s);

// The slowest kept traces a capture keeps, slowest first.
inline constexpr std::size_t kCaptureTraces = 12;

struct Capture {
  CaptureWindow window;
  Symbols symbols;
  int endpoint = -1;                 // -1: no such endpoint in the run
  bool empty = true;                 // no complete metrics window (10 s) inside [from, to)
  Profile profile, baseline;
  bool has_baseline = false;
  std::uint64_t requests = 0;        // completed in the window
  EndpointSummary summary;           // the endpoint over the window
  EndpointSummary baseline_summary;  // and over the baseline window
  std::vector<Trace> slow_traces;    // the slowest kept traces in the window
  ClientSpec client;                 // the endpoint's page, where it has one

  // A span's mean time over the baseline window, by local span index; -1 when none.
  double span_baseline_ms(std::size_t span) const;
};

Capture capture(const Simulation& sim, const CaptureWindow& window);

// What one stream of a capture shows about the endpoint: its top entries
// and the share of a named frame (or span, for traces).
struct StreamReading {
  std::vector<std::pair<std::string, double>> top;  // name, value, largest first, at most 5
  std::string unit;                                  // of the values
  bool empty = true;                                 // the capture held no complete window
  double share_pct = NAN;                            // the named frame's share; NaN where a stream has none
};

// `stream`: cpu, alloc, offcpu, trace or bundle.
StreamReading read_stream(const Capture& capture, const std::string& stream, const std::string& frame);

}  // namespace perfloop
