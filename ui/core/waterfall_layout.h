// Trace waterfall maths with no drawing in it: one sampled trace as rows
// (parents before children, children in start order), in milliseconds from
// the request's arrival, each span beside its typical duration before the
// regression, and the critical path marked. The widget that draws it is the
// only part that knows ImGui.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"

namespace perfloop::ui {

struct WaterfallRow {
  std::string name;
  int depth = 0;                // nesting under the root span
  double start_ms = 0, duration_ms = 0;   // from the request's arrival
  double baseline_ms = -1;      // the span's typical duration before the regression (ghost bar); <0 none
  bool critical = false;        // on the critical path
};

struct WaterfallTrace {
  std::string title;            // e.g. "trace 3f2a0c1d · 1 420 ms"
  double total_ms = 0, queued_ms = 0;
  std::vector<WaterfallRow> rows;   // parents before children, children in start order
};

// Builds rows from a Trace (names from the endpoint's SpanInfo list), with
// baselines = mean duration per span index (a vector indexed by local span
// index, <0 where unknown), and marks the critical path. A span whose parent
// is not in the trace is shown at the top level beside the root.
WaterfallTrace build_waterfall(const Trace& trace, const std::vector<SpanInfo>& spans, const std::vector<double>& baseline_ms);

// Mean duration in ms of each local span index over a set of traces (for
// baselines); -1 where a span never appears. Null traces are skipped.
std::vector<double> mean_span_ms(const std::vector<const Trace*>& traces, std::size_t span_count);

// A duration for people: "0.42 ms", "12.3 ms", "420 ms", "1 420 ms" (thousands
// grouped with a space); negative values keep their sign.
std::string ms_label(double ms);

}  // namespace perfloop::ui
