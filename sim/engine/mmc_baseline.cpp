#include "sim/engine/mmc_baseline.h"

#include <queue>
#include <vector>

#include "sim/engine/rng.h"

namespace perfloop {

namespace {
struct PlainEvent {
  double time;
  double arrived;  // departures: when the finishing request arrived; arrivals: unused
  bool arrival;
  bool operator>(const PlainEvent& o) const { return time > o.time; }
};
}  // namespace

MmcBaselineResult run_mmc_baseline(double lambda, double mu, int servers, std::uint64_t requests, std::uint64_t seed) {
  std::vector<PlainEvent> storage;
  storage.reserve(static_cast<std::size_t>(servers) + 2);
  std::priority_queue<PlainEvent, std::vector<PlainEvent>, std::greater<>> events(std::greater<>{}, std::move(storage));
  RngSequence rng(RngStream(seed, "bare"));
  // Arrival times of queued requests; a ring buffer that grows only if the queue outgrows it.
  std::vector<double> ring(1 << 16);
  std::size_t head = 0, tail = 0, queued = 0;
  int busy = 0;
  std::uint64_t arrived = 0, done = 0, handled = 0;
  double latency_sum = 0.0;

  events.push({rng.exponential(1.0 / lambda), 0.0, true});
  while (done < requests && !events.empty()) {
    const PlainEvent e = events.top();
    events.pop();
    ++handled;
    if (e.arrival) {
      ++arrived;
      if (arrived < requests) events.push({e.time + rng.exponential(1.0 / lambda), 0.0, true});
      if (busy < servers) {
        ++busy;
        events.push({e.time + rng.exponential(1.0 / mu), e.time, false});
      } else {
        if (queued == ring.size()) {
          std::vector<double> bigger(ring.size() * 2);
          for (std::size_t i = 0; i < queued; ++i) bigger[i] = ring[(head + i) % ring.size()];
          ring.swap(bigger);
          head = 0;
          tail = queued;
        }
        ring[tail] = e.time;
        tail = (tail + 1) % ring.size();
        ++queued;
      }
    } else {
      latency_sum += e.time - e.arrived;
      ++done;
      if (queued > 0) {
        const double waiting_since = ring[head];
        head = (head + 1) % ring.size();
        --queued;
        events.push({e.time + rng.exponential(1.0 / mu), waiting_since, false});
      } else {
        --busy;
      }
    }
  }
  return {done, handled, done ? latency_sum / static_cast<double>(done) : 0.0};
}

}  // namespace perfloop
