#include "ui/core/chart_axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace perfloop::ui {

float AxisMap::to_px(double v) const {
  if (hi == lo) return px0;
  return static_cast<float>(px0 + (v - lo) / (hi - lo) * (px1 - px0));
}

double AxisMap::to_value(float px) const {
  if (px1 == px0) return lo;
  return lo + static_cast<double>(px - px0) / static_cast<double>(px1 - px0) * (hi - lo);
}

namespace {

// The smallest 1, 2 or 5 x 10^k at least `raw`.
double nice_step(double raw) {
  if (!(raw > 0)) return 1.0;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw * (1 - 1e-12)) return m * magnitude;
  return 10.0 * magnitude;
}

std::string number_label(double v, double step) {
  char buf[48];
  // As many decimals as the step needs, no more.
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::vector<Tick> value_ticks(double lo, double hi, int max_ticks, const std::string& unit) {
  std::vector<Tick> ticks;
  if (!(hi > lo) || max_ticks < 2) return ticks;
  const double step = nice_step((hi - lo) / (max_ticks - 1));
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    const double clean = std::fabs(v) < step * 1e-9 ? 0.0 : v;
    ticks.push_back({clean, number_label(clean, step) + (unit.empty() ? "" : " " + unit)});
  }
  return ticks;
}

std::vector<Tick> time_ticks(double lo_s, double hi_s, int max_ticks) {
  std::vector<Tick> ticks;
  if (!(hi_s > lo_s) || max_ticks < 2) return ticks;
  static constexpr double kSteps[] = {1,   2,   5,   10,   15,   30,   60,    120,   300,   600,
                                      900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  const double raw = (hi_s - lo_s) / (max_ticks - 1);
  double step = kSteps[std::size(kSteps) - 1];
  for (double s : kSteps)
    if (s >= raw) {
      step = s;
      break;
    }
  for (double t = std::ceil(lo_s / step - 1e-9) * step; t <= hi_s + 1e-9; t += step) ticks.push_back({t, clock_text(t)});
  return ticks;
}

double nice_ceiling(double largest, double floor) {
  const double top = std::max(largest * 1.1, floor * 1.1);
  if (!(top > 0)) return 1.0;
  const double step = nice_step(top / 8.0);  // fine enough that the headroom stays near 10%
  return std::ceil(top / step - 1e-9) * step;
}

TimeRange drag_to_range(const AxisMap& axis, float px_a, float px_b, double window_s) {
  double a = axis.to_value(px_a), b = axis.to_value(px_b);
  if (a > b) std::swap(a, b);
  const double lo = std::min(axis.lo, axis.hi), hi = std::max(axis.lo, axis.hi);
  a = std::clamp(a, lo, hi);
  b = std::clamp(b, lo, hi);
  if (window_s > 0) {
    a = std::floor(a / window_s + 1e-9) * window_s;
    b = std::ceil(b / window_s - 1e-9) * window_s;
    if (b <= a) b = a + window_s;  // a click selects the window under it
    b = std::min(b, hi);
  }
  return {a, b};
}

}  // namespace perfloop::ui
