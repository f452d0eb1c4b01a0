// CPU as a shared resource of N cores under processor sharing, the way an OS
// or the Go scheduler time-slices runnable work: with n runnable jobs each
// progresses at min(1, N/n) of a core. Tracked in virtual time V, which
// advances at that rate, so a job's finish point V_start + demand never
// changes and only the next finish needs a heap: O(log n) per change.
// A stop-the-world GC pause stops V for everyone.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/engine/time.h"

namespace perfloop {

class CpuScheduler {
 public:
  // What happened since the last advance: the interval, the virtual time at
  // its start, the rate of progress and how many cores were busy.
  struct Interval {
    SimTime from = 0;
    SimTime to = 0;
    double v_from = 0.0;
    double rate = 0.0;
    int busy_cores = 0;
    int cores = 0;  // cores available during the interval
  };

  void reset(int cores, std::size_t max_jobs);
  void set_cores(int cores) { cores_ = cores; }
  void grow(std::size_t max_jobs);

  // Moves the clock to `now`; returns what the cores did meanwhile.
  Interval advance(SimTime now);
  void submit(std::uint32_t job, double demand_ns);
  // Removes jobs whose work is done at the current virtual time into `done`.
  void collect_finished(std::vector<std::uint32_t>& done);
  // Real time of the next completion at the current rate; -1 if none or stopped.
  SimTime next_completion() const;

  void set_stopped(bool stopped) { stopped_ = stopped; }
  bool stopped() const { return stopped_; }
  double virtual_time() const { return v_; }
  double rate() const;
  int runnable() const { return static_cast<int>(active_.size()); }
  int busy_cores() const;
  std::uint32_t active_job(std::size_t i) const { return active_[i]; }
  double job_start(std::uint32_t job) const { return start_[job]; }

 private:
  struct Finish {
    double v;
    std::uint32_t job;
  };
  void heap_push(Finish f);
  void heap_pop();
  void remove_active(std::uint32_t job);

  int cores_ = 1;
  bool stopped_ = false;
  SimTime now_ = 0;
  double v_ = 0.0;
  std::vector<Finish> heap_;
  std::vector<std::uint32_t> active_;
  std::vector<std::uint32_t> position_;  // index in active_ per job
  std::vector<double> start_;            // V at submit per job
};

}  // namespace perfloop
