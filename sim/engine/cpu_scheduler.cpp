#include "sim/engine/cpu_scheduler.h"

#include <algorithm>
#include <cmath>

namespace perfloop {

namespace {
// Completions are scheduled at whole nanoseconds rounded up, so a job counts
// as done when V is within this many virtual nanoseconds of its finish.
constexpr double kFinishSlack = 1e-3;
}  // namespace

void CpuScheduler::reset(int cores, std::size_t max_jobs) {
  cores_ = cores;
  stopped_ = false;
  now_ = 0;
  v_ = 0.0;
  heap_.clear();
  heap_.reserve(max_jobs);
  active_.clear();
  active_.reserve(max_jobs);
  position_.assign(max_jobs, 0);
  start_.assign(max_jobs, 0.0);
}

void CpuScheduler::grow(std::size_t max_jobs) {
  if (position_.size() >= max_jobs) return;
  position_.resize(max_jobs, 0);
  start_.resize(max_jobs, 0.0);
  heap_.reserve(max_jobs);
  active_.reserve(max_jobs);
}

double CpuScheduler::rate() const {
  if (stopped_ || active_.empty()) return 0.0;
  const auto n = static_cast<double>(active_.size());
  return n <= cores_ ? 1.0 : static_cast<double>(cores_) / n;
}

int CpuScheduler::busy_cores() const {
  if (stopped_) return 0;
  return std::min(cores_, static_cast<int>(active_.size()));
}

CpuScheduler::Interval CpuScheduler::advance(SimTime now) {
  Interval interval{now_, now, v_, rate(), busy_cores(), cores_};
  if (now > now_) {
    v_ += interval.rate * static_cast<double>(now - now_);
    now_ = now;
  }
  return interval;
}

void CpuScheduler::submit(std::uint32_t job, double demand_ns) {
  start_[job] = v_;
  position_[job] = static_cast<std::uint32_t>(active_.size());
  active_.push_back(job);
  heap_push({v_ + demand_ns, job});
}

void CpuScheduler::collect_finished(std::vector<std::uint32_t>& done) {
  while (!heap_.empty() && heap_.front().v <= v_ + kFinishSlack) {
    const std::uint32_t job = heap_.front().job;
    heap_pop();
    remove_active(job);
    done.push_back(job);
  }
}

SimTime CpuScheduler::next_completion() const {
  const double r = rate();
  if (heap_.empty() || r <= 0.0) return -1;
  const double remaining = std::max(0.0, heap_.front().v - v_);
  return now_ + static_cast<SimTime>(std::ceil(remaining / r));
}

void CpuScheduler::remove_active(std::uint32_t job) {
  const std::uint32_t pos = position_[job];
  const std::uint32_t last = active_.back();
  active_[pos] = last;
  position_[last] = pos;
  active_.pop_back();
}

void CpuScheduler::heap_push(Finish f) {
  heap_.push_back(f);
  std::size_t i = heap_.size() - 1;
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    const Finish& p = heap_[parent];
    if (p.v < f.v || (p.v == f.v && p.job < f.job)) break;
    heap_[i] = p;
    i = parent;
  }
  heap_[i] = f;
}

void CpuScheduler::heap_pop() {
  const Finish last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t i = 0;
  auto less = [](const Finish& a, const Finish& b) { return a.v < b.v || (a.v == b.v && a.job < b.job); };
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && less(heap_[child + 1], heap_[child])) ++child;
    if (!less(heap_[child], last)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = last;
}

}  // namespace perfloop
