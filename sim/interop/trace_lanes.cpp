#include "sim/interop/trace_lanes.h"

#include <algorithm>
#include <numeric>

namespace perfloop {

std::vector<int> assign_lanes(const std::vector<LaneEvent>& events) {
  // Outer events first: by start, then the longer, then input order. Each
  // lane then only needs the ends of its open events, as a stack: an event
  // fits a lane when it ends no later than the innermost event still open there.
  std::vector<std::size_t> order(events.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (events[a].start != events[b].start) return events[a].start < events[b].start;
    return events[a].end > events[b].end;
  });

  std::vector<std::vector<std::int64_t>> open_ends;  // per lane
  std::vector<int> lane_of(events.size(), 0);
  for (std::size_t i : order) {
    const LaneEvent& e = events[i];
    std::size_t lane = 0;
    for (; lane < open_ends.size(); ++lane) {
      auto& ends = open_ends[lane];
      // Later events start no earlier, so whatever has ended by now stays closed.
      while (!ends.empty() && ends.back() <= e.start) ends.pop_back();
      if (ends.empty() || e.end <= ends.back()) break;
    }
    if (lane == open_ends.size()) open_ends.emplace_back();
    open_ends[lane].push_back(e.end);
    lane_of[i] = static_cast<int>(lane);
  }
  return lane_of;
}

}  // namespace perfloop
