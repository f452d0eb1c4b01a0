// Simulated time: integer nanoseconds from the start of the run.
#pragma once

#include <cmath>
#include <cstdint>

namespace perfloop {

using SimTime = std::int64_t;

constexpr SimTime kNsPerUs = 1000;
constexpr SimTime kNsPerMs = 1000 * 1000;
constexpr SimTime kNsPerS = 1000 * 1000 * 1000;

inline SimTime ms_to_ns(double ms) { return static_cast<SimTime>(std::llround(ms * 1e6)); }
inline SimTime s_to_ns(double s) { return static_cast<SimTime>(std::llround(s * 1e9)); }
inline double ns_to_ms(double ns) { return ns / 1e6; }
inline double ns_to_s(double ns) { return ns / 1e9; }

}  // namespace perfloop
