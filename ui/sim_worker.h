// Runs a scenario (with the fixes chosen so far) on a thread of its own and
// streams what the dashboards need, window by window, so the UI draws the
// first minutes while the rest computes and never waits for the engine.
// Cancel stops it within one simulated minute.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/model.h"
#include "sim/signals.h"

namespace perfloop::ui {

struct SeriesPoint {
  double t_s = 0.0;  // window end
  double p50_ms = 0.0, p99_ms = 0.0, rps = 0.0, error_pct = 0.0, lcp_p75_ms = 0.0;
};

struct RunSnapshot {
  std::uint64_t version = 0;          // changes whenever anything below does
  std::vector<std::string> fixes;     // the fixes this run lands, in order
  std::vector<std::string> endpoints; // names, in the model's order
  std::vector<std::vector<SeriesPoint>> series;  // per endpoint
  std::vector<double> burn;           // the SLO's short-window burn rate, per window
  std::string slo_endpoint;
  double slo_ms = 0.0;                // 0: no SLO
  double duration_s = 0.0;
  double done_s = 0.0;
  bool finished = false;
  bool cancelled = false;
  std::string error;                  // a broken scenario: shown in the error panel
  std::vector<LogEvent> events;

  int endpoint_index(const std::string& name) const;
};

class SimWorker {
 public:
  SimWorker() = default;
  SimWorker(const SimWorker&) = delete;
  SimWorker& operator=(const SimWorker&) = delete;
  ~SimWorker();

  // `params` overrides the scenario's parameters (the picker's sliders).
  void start(const std::string& scenario_path, std::uint64_t seed, std::vector<std::string> fixes = {},
             ParamValues params = {});
  void cancel();
  // Copies the state into `out` when it changed since `out` was taken; cheap otherwise.
  void refresh(RunSnapshot& out) const;

 private:
  void run(std::string path, std::uint64_t seed, std::vector<std::string> fixes, ParamValues params);

  mutable std::mutex mutex_;
  RunSnapshot state_;
  std::uint64_t next_version_ = 1;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace perfloop::ui
