// The engine's latency histograms (128 log sub-buckets per power of two)
// read at Prometheus' fixed bucket bounds.
//
// A log bucket that straddles a bound is counted whole, on the side of its
// midpoint, so counts stay whole numbers as OpenMetrics buckets are. The
// error bound: a log bucket is at most 1/128 of its lower edge wide, so
// every value counted at or below `le` is below le × (1 + 1/256), and every
// value left out is at least le × (1 − 1/256). The count at `le` is the
// exact count at some bound within 0.4% of it.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/engine/histogram.h"
#include "sim/engine/time.h"

namespace perfloop {

// Upper bounds of perfloop_http_request_duration_seconds, in seconds; +Inf
// follows. Prometheus' defaults, filled in between 50 ms and 5 s where
// service objectives sit: there each bucket ends at most 1.5 times its
// start, so a p99 read back with histogram_quantile is off by less than
// half of its value, usually far less. 0.5 s is a bound, as SLO thresholds often are.
inline constexpr std::array<double, 22> kLatencyBucketBoundsS = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4,
    0.5,   0.75, 1.0,   1.5,  2.0,   2.5, 3.0,  4.0, 5.0,  7.5, 10.0};

// How many of the histogram's values lie at or below each bound (ascending,
// in nanoseconds), by the rule above; non-decreasing.
std::vector<std::uint64_t> counts_at_or_below(const SparseHistogram& histogram, const std::vector<SimTime>& bounds_ns);

}  // namespace perfloop
