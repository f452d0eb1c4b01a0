// Runs a scenario on a thread of its own and streams what the dashboards
// need, window by window, so the UI draws the first minutes while the rest
// computes and never waits for the engine. Cancel stops it within one
// simulated minute.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/signals.h"

namespace perfloop::ui {

struct SeriesPoint {
  double t_s = 0.0;  // window end
  double p50_ms = 0.0, p99_ms = 0.0, rps = 0.0, error_pct = 0.0, burn = 0.0, lcp_p75_ms = 0.0;
};

struct RunSnapshot {
  std::string endpoint;      // whose figures the series hold
  double slo_ms = 0.0;       // 0: no SLO on that endpoint
  double duration_s = 0.0;
  double done_s = 0.0;
  bool finished = false;
  std::string error;         // a broken scenario: shown in the error panel
  std::vector<SeriesPoint> series;
  std::vector<LogEvent> events;
};

class SimWorker {
 public:
  SimWorker() = default;
  SimWorker(const SimWorker&) = delete;
  SimWorker& operator=(const SimWorker&) = delete;
  ~SimWorker();

  void start(const std::string& scenario_path, std::uint64_t seed);
  void cancel();
  RunSnapshot snapshot() const;

 private:
  void run(std::string path, std::uint64_t seed);

  mutable std::mutex mutex_;
  RunSnapshot state_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace perfloop::ui
