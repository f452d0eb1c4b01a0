// Questions the loop asks of a finished run: what a frame cost per request,
// what a time range's profile looks like, which phase was running when.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/simulation.h"

namespace perfloop {

// Totals over the stacks of one endpoint that contain a frame (anywhere on
// the stack: what a flame graph shows as that frame's total).
struct FrameCost {
  double cpu_ns = 0.0;
  double alloc_bytes = 0.0;
  double offcpu_ns = 0.0;
  double mutex_ns = 0.0;
  double cpu_samples = 0.0;
};

// Empty frame: everything the endpoint cost.
FrameCost frame_cost(const Symbols& symbols, const Profile& profile, std::size_t endpoint, const std::string& frame);

// The profile of the windows that lie inside [from, to).
Profile range_profile(const Simulation& sim, SimTime from, SimTime to);
// Requests of an endpoint completed in the windows inside [from, to).
std::uint64_t range_requests(const Simulation& sim, std::size_t endpoint, SimTime from, SimTime to);

// Index of the phase running at time t (the last one for t past the end).
int phase_at(const Simulation& sim, SimTime t);

// Is there a frame of this name anywhere in the run's profiles?
bool has_frame(const Symbols& symbols, const std::string& frame);

}  // namespace perfloop
