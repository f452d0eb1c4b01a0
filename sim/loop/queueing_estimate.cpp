#include "sim/loop/queueing_estimate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/loop/scoring.h"

namespace perfloop {

double erlang_c(int servers, double a) {
  if (servers < 1) return 1.0;
  if (a <= 0.0) return 0.0;
  if (a >= servers) return 1.0;
  // Erlang B by its stable recurrence, then C from B.
  double b = 1.0;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  const double rho = a / servers;
  return b / (1.0 - rho * (1.0 - b));
}

double mmc_mean_response(int servers, double lambda, double service_time) {
  if (service_time <= 0.0) return 0.0;
  const double a = lambda * service_time;
  if (servers < 1 || a >= servers) return std::numeric_limits<double>::infinity();
  const double wait = erlang_c(servers, a) * service_time / (servers - a);
  return service_time + wait;
}

namespace {

// The M/M/c wait in units of the service time, at utilisation rho.
double wait_in_service_times(int servers, double rho) {
  if (rho <= 0.0) return 0.0;
  rho = std::min(rho, 0.999);  // at saturation the measured queue is transient; estimate from just under it
  return erlang_c(servers, servers * rho) / (servers * (1.0 - rho));
}

}  // namespace

QueueingEstimate queueing_estimate(double headline, int servers, double utilisation, double share, double speedup,
                                   double resource_share, int servers_after) {
  QueueingEstimate q;
  servers = std::max(1, servers);
  servers_after = servers_after > 0 ? servers_after : servers;
  const double left = speedup > 0.0 ? 1.0 / amdahl_speedup(share, speedup) : 1.0;
  const double resource_left = speedup > 0.0 ? 1.0 / amdahl_speedup(resource_share, speedup) : 1.0;
  q.utilisation_before = std::max(0.0, utilisation);
  q.utilisation_after = q.utilisation_before * resource_left * servers / servers_after;
  q.saturated = q.utilisation_before >= 1.0;
  q.queue_relief = (1.0 + wait_in_service_times(servers_after, q.utilisation_after)) /
                   (1.0 + wait_in_service_times(servers, q.utilisation_before));
  q.factor = left * q.queue_relief;
  q.headline = headline * q.factor;
  return q;
}

}  // namespace perfloop
