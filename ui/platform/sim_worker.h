// Runs a scenario (with the fixes chosen so far) on a thread of its own and
// streams what the dashboards need, window by window, so the UI draws the
// first minutes while the rest computes and never waits for the engine.
// Cancel shows at once; the abandoned run stops within one simulated minute
// on its own thread, so neither start() nor cancel() waits for the engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sim/engine/model.h"
#include "sim/engine/signals.h"

namespace perfloop {
class Simulation;
}

namespace perfloop::ui {

struct SeriesPoint {
  double t_s = 0.0;  // window end
  double p50_ms = 0.0, p99_ms = 0.0, rps = 0.0, error_pct = 0.0, lcp_p75_ms = 0.0, inp_p75_ms = 0.0;
  // The whole service's, the same on every endpoint: what Predict's queueing estimate starts from.
  double cpu_utilisation = 0.0;  // busy share of the cores, 0..1
  int cores = 0;
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

// One closed window's figures for every endpoint, appended to `series` (per
// endpoint) and `burn`: what the dashboards draw, from the loop's run or a game's.
void append_window_points(const Simulation& sim, const WindowStats& window, std::vector<std::vector<SeriesPoint>>& series,
                          std::vector<double>& burn);

// A key for one endpoint's series in one snapshot: changes with either.
std::uint64_t series_version(const RunSnapshot& run, int endpoint);

class SimWorker {
 public:
  SimWorker() = default;
  SimWorker(const SimWorker&) = delete;
  SimWorker& operator=(const SimWorker&) = delete;
  ~SimWorker();

  // `params` overrides the scenario's parameters (the picker's sliders).
  // Abandons the current run (without waiting for it) and starts this one.
  void start(const std::string& scenario_path, std::uint64_t seed, std::vector<std::string> fixes = {},
             ParamValues params = {});
  // Marks the current run cancelled now; its thread stops at its next minute.
  void cancel();
  // Copies the state into `out` when it changed since `out` was taken; cheap otherwise.
  void refresh(RunSnapshot& out) const;
  // Threads of abandoned runs not yet stopped (tests).
  std::size_t stopping() const;
  // Runs started from a kept checkpoint rather than from zero (tests).
  std::size_t resumed() const;

  // A run paused just before the next fix would land: applying a fix forks
  // from here and simulates only what follows (the run planned with the fix
  // from the start, to the byte). Shared with the run threads.
  struct Checkpoint {
    std::string path;
    std::uint64_t seed = 0;
    ParamValues params;
    std::vector<std::string> fixes;  // the paused run's
    SimTime lands = 0;               // when the next fix lands; paused just before
    std::shared_ptr<const Simulation> paused;
    std::vector<std::vector<SeriesPoint>> series;  // what the dashboards had drawn by then
    std::vector<double> burn;
  };
  struct Checkpoints;

 private:
  // One run's state, shared by its thread and the worker: an abandoned run
  // keeps writing here, where nobody reads, until it notices its cancel flag.
  struct Run {
    std::mutex mutex;
    RunSnapshot state;
    std::atomic<bool> cancel{false};
    std::atomic<bool> exited{false};
  };
  struct Thread {
    std::shared_ptr<Run> run;
    std::thread thread;
  };
  static void run(const std::shared_ptr<Run>& run, const std::shared_ptr<Checkpoints>& checkpoints, std::string path,
                  std::uint64_t seed, std::vector<std::string> fixes, ParamValues params);
  void reap_stopped();

  std::shared_ptr<Checkpoints> checkpoints_;

  std::shared_ptr<Run> current_;
  std::vector<Thread> threads_;  // the current run's and abandoned ones still stopping
};

}  // namespace perfloop::ui
