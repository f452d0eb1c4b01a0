// Simulated time: integer nanoseconds from the start of the run.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace perfloop {

using SimTime = std::int64_t;

constexpr SimTime kNsPerUs = 1000;
constexpr SimTime kNsPerMs = 1000 * 1000;
constexpr SimTime kNsPerS = 1000 * 1000 * 1000;

inline SimTime ms_to_ns(double ms) { return static_cast<SimTime>(std::llround(ms * 1e6)); }
inline SimTime s_to_ns(double s) { return static_cast<SimTime>(std::llround(s * 1e9)); }
inline double ns_to_ms(double ns) { return ns / 1e6; }
inline double ns_to_s(double ns) { return ns / 1e9; }

// A time in the run as every view writes it (the charts' axes, the
// feedback, the text report): "47:40", or "1:30:00" past an hour.
inline std::string clock_text(double seconds) {
  const long long s = std::llround(std::max(0.0, seconds));
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

}  // namespace perfloop
