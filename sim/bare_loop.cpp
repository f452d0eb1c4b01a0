#include "sim/bare_loop.h"

#include <queue>
#include <vector>

#include "sim/rng.h"

namespace perfloop {

namespace {
struct PlainEvent {
  double time;
  bool arrival;
  bool operator>(const PlainEvent& o) const { return time > o.time; }
};
}  // namespace

BareLoopResult run_bare_mmc(double lambda, double mu, int servers, std::uint64_t requests, std::uint64_t seed) {
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
  // A departure carries no identity: FIFO per server does not matter for the
  // mean, so each departure records the latency of the request it started.
  std::priority_queue<std::pair<double, double>, std::vector<std::pair<double, double>>, std::greater<>> departures;

  events.push({rng.exponential(1.0 / lambda), true});
  while (done < requests && !events.empty()) {
    const PlainEvent e = events.top();
    events.pop();
    ++handled;
    if (e.arrival) {
      ++arrived;
      if (arrived < requests) events.push({e.time + rng.exponential(1.0 / lambda), true});
      if (busy < servers) {
        ++busy;
        const double finish = e.time + rng.exponential(1.0 / mu);
        departures.push({finish, e.time});
        events.push({finish, false});
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
      const auto [finish, arrival] = departures.top();
      departures.pop();
      latency_sum += finish - arrival;
      ++done;
      if (queued > 0) {
        const double waiting_since = ring[head];
        head = (head + 1) % ring.size();
        --queued;
        const double next_finish = e.time + rng.exponential(1.0 / mu);
        departures.push({next_finish, waiting_since});
        events.push({next_finish, false});
      } else {
        --busy;
      }
    }
  }
  return {done, handled, done ? latency_sum / static_cast<double>(done) : 0.0};
}

}  // namespace perfloop
