// Axis maths for the time-series charts, with no drawing in it: value <->
// pixel mapping, "nice" tick steps (1, 2, 5 x 10^k, or clock steps for
// time), labels with their unit, and a dragged pixel span turned into a
// time range snapped to the metric windows.
#pragma once

#include <string>
#include <vector>

#include "sim/engine/time.h"

namespace perfloop::ui {

// A linear map from [lo, hi] to [px0, px1] (px1 < px0 for a y axis that grows upwards).
struct AxisMap {
  double lo = 0.0, hi = 1.0;
  float px0 = 0.0f, px1 = 1.0f;
  float to_px(double v) const;
  double to_value(float px) const;
};

struct Tick {
  double value = 0.0;
  std::string label;
};

// Ticks for a value axis: a step of 1, 2 or 5 x 10^k giving at most
// `max_ticks` ticks, labelled with `unit` ("ms", "%", "req/s").
std::vector<Tick> value_ticks(double lo, double hi, int max_ticks, const std::string& unit);

// Ticks for simulated time in seconds: steps of 1/2/5/10/15/30 s, 1/2/5/10/15/30 min,
// 1/2/3/6/12 h, labelled by the engine's clock_text ("m:ss", or "h:mm:ss" past an hour).
std::vector<Tick> time_ticks(double lo_s, double hi_s, int max_ticks);

// The upper end of a value axis: the largest value with a little headroom,
// rounded up to a nice step, never below `floor` (e.g. the SLO line).
double nice_ceiling(double largest, double floor = 0.0);

// A drag from px_a to px_b on the time axis, as [from, to) seconds snapped
// outwards to whole windows of `window_s`, clamped to the axis.
struct TimeRange {
  double from_s = 0.0, to_s = 0.0;
};
TimeRange drag_to_range(const AxisMap& time_axis, float px_a, float px_b, double window_s);

}  // namespace perfloop::ui
