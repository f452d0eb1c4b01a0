#include "sim/engine/profile_query.h"

namespace perfloop {

namespace {

bool stack_contains(const Symbols& symbols, std::uint32_t stack, const std::string& frame) {
  while (stack != kNoStack) {
    const StackNode& node = symbols.stack_node(stack);
    if (symbols.frame_name(node.frame) == frame) return true;
    stack = node.parent;
  }
  return false;
}

}  // namespace

FrameCost frame_cost(const Symbols& symbols, const Profile& profile, std::size_t endpoint, const std::string& frame) {
  FrameCost cost;
  if (endpoint >= profile.endpoints) return cost;
  for (std::size_t s = 0; s < profile.stacks && s < symbols.stack_count(); ++s) {
    const ProfileCell& cell = profile.at(endpoint, s);
    if (cell.empty()) continue;
    if (!frame.empty() && !stack_contains(symbols, static_cast<std::uint32_t>(s), frame)) continue;
    cost.cpu_ns += static_cast<double>(cell.cpu_ns);
    cost.alloc_bytes += static_cast<double>(cell.alloc_bytes);
    cost.offcpu_ns += static_cast<double>(cell.offcpu_ns);
    cost.mutex_ns += static_cast<double>(cell.mutex_ns);
    cost.cpu_samples += static_cast<double>(cell.cpu_samples);
  }
  return cost;
}

Profile range_profile(const Simulation& sim, SimTime from, SimTime to) {
  Profile profile;
  profile.resize(sim.symbols().endpoints().size(), sim.symbols().stack_count());
  for (const auto& w : sim.windows()) {
    if (w.start < from || w.end > to) continue;
    for (const auto& entry : w.profile)
      if (entry.endpoint < profile.endpoints && entry.stack < profile.stacks)
        profile.at(entry.endpoint, entry.stack).add(entry.cell);
  }
  return profile;
}

std::uint64_t range_requests(const Simulation& sim, std::size_t endpoint, SimTime from, SimTime to) {
  std::uint64_t n = 0;
  for (const auto& w : sim.windows())
    if (w.start >= from && w.end <= to && endpoint < w.endpoints.size()) n += w.endpoints[endpoint].completed;
  return n;
}

int phase_at(const Simulation& sim, SimTime t) {
  const auto& phases = sim.phases();
  for (std::size_t i = 0; i < phases.size(); ++i)
    if (t >= phases[i].start && (t < phases[i].end || i + 1 == phases.size())) return static_cast<int>(i);
  return phases.empty() ? -1 : 0;
}

bool has_frame(const Symbols& symbols, const std::string& frame) {
  for (std::size_t i = 0; i < symbols.frame_count(); ++i)
    if (symbols.frame_name(static_cast<std::uint32_t>(i)) == frame) return true;
  return false;
}

}  // namespace perfloop
