#include "sim/interop/latency_buckets.h"

namespace perfloop {

std::vector<std::uint64_t> counts_at_or_below(const SparseHistogram& histogram, const std::vector<SimTime>& bounds_ns) {
  std::vector<std::uint64_t> counts(bounds_ns.size(), 0);
  // Both lists ascend, so one pass over the buckets serves every bound.
  std::size_t bound = 0;
  std::uint64_t below = 0;
  for (const auto& [bucket, n] : histogram.buckets()) {
    const double midpoint = LogHistogram::bucket_midpoint(bucket);
    while (bound < bounds_ns.size() && midpoint > static_cast<double>(bounds_ns[bound])) counts[bound++] = below;
    below += n;
  }
  for (; bound < bounds_ns.size(); ++bound) counts[bound] = below;
  return counts;
}

}  // namespace perfloop
