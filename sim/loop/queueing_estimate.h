// The second estimate beside Amdahl's law on the Predict step: when the
// resource a hot spot uses is busy, cutting its work also cuts the time
// requests wait for it, so the headline falls by more than the share alone
// says. Modelled as M/M/c: Poisson arrivals, exponential service, c servers
// (the cores; the engine does not measure a lock's own busy share, so a
// lock is the learner's to model, as one server).
#pragma once

namespace perfloop {

// Erlang's C formula: the probability an arrival waits, with c servers and
// offered load a = lambda / mu (in servers); 1 when a >= c (no steady state).
double erlang_c(int servers, double offered_load);

// Mean time in an M/M/c system (waiting plus service), in the unit of
// `service_time`; infinity at or over saturation.
double mmc_mean_response(int servers, double arrivals_per_unit, double service_time);

struct QueueingEstimate {
  double utilisation_before = 0.0;  // rho of the cores now
  double utilisation_after = 0.0;   // once the fix takes its part of their work away
  double queue_relief = 1.0;        // (1 + wait after) / (1 + wait before), waits in service times
  double factor = 1.0;              // headline after / before (< 1: faster)
  double headline = 0.0;            // the headline times `factor`
  bool saturated = false;           // rho >= 1 now: the queue grows without bound
};

// Amdahl's law on the request's time (`share` of it sped up `speedup`
// times), times the relief of the queue for the c cores: the fix takes
// `resource_share` of the cores' busy time down by the same speed-up, so
// rho falls and with it the M/M/c wait, in units of service time
// C(c, c rho) / (c (1 - rho)). At low utilisation the relief is ~1 and the
// estimate is Amdahl's; near saturation the wait dominates and the headline
// falls by far more. A fix that changes the cores (`servers_after`, 0: the
// same) spreads the same work over them. Latency percentiles are scaled by
// the mean's ratio (exact for M/M/1, whose response time is exponential).
QueueingEstimate queueing_estimate(double headline, int servers, double utilisation, double share, double speedup,
                                   double resource_share, int servers_after = 0);

}  // namespace perfloop
