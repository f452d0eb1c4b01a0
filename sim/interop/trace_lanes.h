// Lays one request's events out on lanes (Chrome's threads) so that trace
// viewers draw them right. Perfetto and chrome://tracing stack the complete
// events of one thread by time alone, so two events on a thread that
// overlap without one containing the other come out misnested: the later
// one is drawn inside the earlier and cut off, or dropped. Events that nest
// stay on the first lane; one that would straddle a sibling moves to the
// next lane where it fits.
#pragma once

#include <cstdint>
#include <vector>

namespace perfloop {

struct LaneEvent {
  std::int64_t start = 0;
  std::int64_t end = 0;  // >= start
};

// The lane (0, 1, ...) of each event, in input order. On each lane any two
// events either nest completely or do not overlap (touching ends do not
// overlap). Of events with the same start and end, the earlier in the
// input is taken as the outer one, so give parents before their children.
std::vector<int> assign_lanes(const std::vector<LaneEvent>& events);

}  // namespace perfloop
