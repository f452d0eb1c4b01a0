// The benchmark's yardstick, the M/M/c baseline: the same M/M/c model as scenarios/reference/mmc.lua
// run by the plainest loop that can simulate it (a priority queue of plain
// events, a ring buffer for the FIFO queue, no signals at all). The engine's
// speed is reported as a ratio of this loop's, measured in the same run.
#pragma once

#include <cstdint>

namespace perfloop {

struct MmcBaselineResult {
  std::uint64_t requests = 0;
  std::uint64_t events = 0;
  double mean_latency_s = 0.0;
};

MmcBaselineResult run_mmc_baseline(double lambda, double mu, int servers, std::uint64_t requests, std::uint64_t seed);

}  // namespace perfloop
