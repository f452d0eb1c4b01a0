// A time-series chart: lines against simulated time, a threshold line,
// deploy markers with their diff on hover, and drag to select a range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/signals.h"
#include "ui/core/chart_axis.h"

namespace perfloop::ui {

struct ChartLine {
  std::string name;
  unsigned colour = 0;
  std::vector<double> t_s, values;
  // Non-zero: names these points (with their count), so the chart's cached
  // layer is checked without hashing every point each frame. It must change
  // whenever the points could (a new run snapshot, another endpoint).
  std::uint64_t data_version = 0;
};

struct ChartSpec {
  std::string title;   // drawn above, with the unit
  std::string unit;    // "ms", "%", "req/s"
  double duration_s = 0.0;
  double threshold = 0.0;  // 0: none
  std::string threshold_label;
  float height = 220.0f;
};

struct ChartSelection {
  bool dragging = false;
  // The chart the drag started on (its plot's ImGui id): charts that share
  // a selection show it, but only that chart's time axis reads the drag.
  unsigned owner = 0;
  float drag_from_px = 0.0f;
  bool has_range = false;
  TimeRange range;
};

// Draws at the cursor, full width; deploy and fix events become markers.
void draw_timeseries(const char* id, const ChartSpec& spec, const std::vector<ChartLine>& lines,
                     const std::vector<LogEvent>& events, ChartSelection& selection);

}  // namespace perfloop::ui
