// CPU as a shared resource of N cores under processor sharing, the way an OS
// or the Go scheduler time-slices runnable work: with n runnable jobs each
// progresses at min(1, N/n) of a core. Tracked in virtual time V, which
// advances at that rate, so a job's finish point V_start + demand never
// changes and only the next finish needs a heap: O(log n) per change.
// A stop-the-world GC pause stops V for everyone.
#pragma once

#include <algorithm>
#include <cmath>
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
  void set_cores(int cores) {
    if (cores != cores_) shared_rates_.clear();
    cores_ = cores;
    update_rate();
  }
  void grow(std::size_t max_jobs);

  // Moves the clock to `now`; returns what the cores did meanwhile.
  // Inline with the two below: the engine calls them for every CPU job.
  Interval advance(SimTime now) {
    Interval interval{now_, now, v_, rate_, busy_cores_, cores_};
    if (now > now_) {
      v_ += rate_ * static_cast<double>(now - now_);
      now_ = now;
    }
    return interval;
  }
  void submit(std::uint32_t job, double demand_ns) {
    start_[job] = v_;
    position_[job] = static_cast<std::uint32_t>(active_.size());
    active_.push_back(job);
    heap_push({v_ + demand_ns, job});
    update_rate();
  }
  // Removes jobs whose work is done at the current virtual time into `done`.
  void collect_finished(std::vector<std::uint32_t>& done);
  // Real time of the next completion at the current rate; -1 if none or stopped.
  SimTime next_completion() const {
    if (heap_.empty() || rate_ <= 0.0) return -1;
    const double remaining = std::max(0.0, heap_.front().v - v_);
    return now_ + ceil_ns(rate_ == 1.0 ? remaining : remaining / rate_);
  }

  void set_stopped(bool stopped) {
    stopped_ = stopped;
    update_rate();
  }
  bool stopped() const { return stopped_; }
  double virtual_time() const { return v_; }
  double rate() const { return rate_; }
  int runnable() const { return static_cast<int>(active_.size()); }
  int busy_cores() const { return busy_cores_; }
  std::uint32_t active_job(std::size_t i) const { return active_[i]; }
  double job_start(std::uint32_t job) const { return start_[job]; }

 private:
  struct Finish {
    double v;
    std::uint32_t job;
  };
  static bool sooner(const Finish& a, const Finish& b) { return a.v < b.v || (a.v == b.v && a.job < b.job); }
  // std::ceil for a non-negative count of nanoseconds, inline: x86-64's
  // baseline has no rounding instruction, so std::ceil is a call into libm
  // on every CPU job. Exact for all doubles below 2^63.
  static SimTime ceil_ns(double x) {
    const auto whole = static_cast<SimTime>(x);
    return static_cast<double>(whole) < x ? whole + 1 : whole;
  }
  // The rate and busy cores change only with the runnable set, the cores or
  // a pause, so they are worked out then rather than at every advance.
  void update_rate() {
    const auto n = static_cast<int>(active_.size());
    if (stopped_ || n == 0) {
      rate_ = 0.0;
      busy_cores_ = 0;
      return;
    }
    rate_ = n <= cores_ ? 1.0 : shared_rate(n);
    busy_cores_ = std::min(cores_, n);
  }
  // cores / n for n runnable jobs over the cores: the same division, done
  // once per n (and again after the cores change) instead of at every
  // submit and finish of a saturated CPU.
  double shared_rate(int n) {
    const auto i = static_cast<std::size_t>(n);
    if (i >= shared_rates_.size()) grow_shared_rates(i);
    return shared_rates_[i];
  }
  void grow_shared_rates(std::size_t n);
  void heap_push(Finish f) {
    heap_.push_back(f);
    std::size_t i = heap_.size() - 1;
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!sooner(f, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = f;
  }
  void heap_pop();
  void remove_active(std::uint32_t job);

  int cores_ = 1;
  bool stopped_ = false;
  SimTime now_ = 0;
  double v_ = 0.0;
  double rate_ = 0.0;
  int busy_cores_ = 0;
  std::vector<Finish> heap_;
  std::vector<std::uint32_t> active_;
  std::vector<std::uint32_t> position_;  // index in active_ per job
  std::vector<double> start_;            // V at submit per job
  std::vector<double> shared_rates_;     // [n]: cores_ / n, for n up to the most runnable so far
};

}  // namespace perfloop
