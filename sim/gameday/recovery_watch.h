// When a game day's incident is over: the first moment after a fix when
// every headline the scenario pages on is back within its target and then
// stays there for five simulated minutes. Each headline is read over the
// last simulated minute, not one 10 s window: a p99 of eighty requests
// swings too far for a single window to say the service is back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/engine/signals.h"
#include "sim/engine/time.h"

namespace perfloop {

inline constexpr SimTime kRecoveryHold = 300 * kNsPerS;
inline constexpr SimTime kHeadlineSpan = 60 * kNsPerS;

// One headline: an endpoint's metric (p50, p99, error_rate, rps, lcp, inp)
// and the value it must come back to, in the metric's unit.
struct HeadlineWatch {
  int endpoint = 0;
  std::string metric = "p99";
  double target = 0.0;
};

// The metric over the windows that end within `span` of windows[last].end.
// NaN when no request of the endpoint completed then (a stalled service is
// not "within target").
double rolling_headline(const std::vector<WindowStats>& windows, std::size_t last, const HeadlineWatch& watch,
                        SimTime span = kHeadlineSpan);
bool within_target(const HeadlineWatch& watch, double value);

class RecoveryWatch {
 public:
  explicit RecoveryWatch(std::vector<HeadlineWatch> watches) : watches_(std::move(watches)) {}

  // A fix landed at `t`: recovery is looked for from then on (the first
  // fix arms it; later ones change nothing already seen).
  void arm(SimTime t);
  // Reads the windows closed since the last call.
  void update(const std::vector<WindowStats>& windows);

  bool armed() const { return armed_from_.has_value(); }
  // Back within target since then (held for kRecoveryHold or not yet).
  std::optional<SimTime> within_since() const { return within_since_; }
  // Set once the hold is over: the moment it came back.
  std::optional<SimTime> recovered() const { return recovered_; }
  const std::vector<HeadlineWatch>& watches() const { return watches_; }

 private:
  std::vector<HeadlineWatch> watches_;
  std::optional<SimTime> armed_from_;
  std::optional<SimTime> within_since_;
  std::optional<SimTime> recovered_;
  std::size_t read_ = 0;  // windows already read
};

}  // namespace perfloop
