#include "sim/engine/cpu_scheduler.h"


namespace perfloop {

namespace {
// Completions are scheduled at whole nanoseconds rounded up, so a job counts
// as done when V is within this many virtual nanoseconds of its finish.
constexpr double kFinishSlack = 1e-3;
}  // namespace

void CpuScheduler::reset(int cores, std::size_t max_jobs) {
  cores_ = cores;
  shared_rates_.clear();
  stopped_ = false;
  now_ = 0;
  v_ = 0.0;
  rate_ = 0.0;
  busy_cores_ = 0;
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

[[gnu::noinline]] void CpuScheduler::grow_shared_rates(std::size_t n) {
  const std::size_t from = shared_rates_.size();
  shared_rates_.resize(std::max(n + 1, 2 * from));
  for (std::size_t i = from; i < shared_rates_.size(); ++i)
    shared_rates_[i] = i == 0 ? 0.0 : static_cast<double>(cores_) / static_cast<double>(i);
}

void CpuScheduler::collect_finished(std::vector<std::uint32_t>& done) {
  while (!heap_.empty() && heap_.front().v <= v_ + kFinishSlack) {
    const std::uint32_t job = heap_.front().job;
    heap_pop();
    remove_active(job);
    done.push_back(job);
  }
  update_rate();
}

void CpuScheduler::remove_active(std::uint32_t job) {
  const std::uint32_t pos = position_[job];
  const std::uint32_t last = active_.back();
  active_[pos] = last;
  position_[last] = pos;
  active_.pop_back();
}

void CpuScheduler::heap_pop() {
  const Finish last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t i = 0;
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && sooner(heap_[child + 1], heap_[child])) ++child;
    if (!sooner(heap_[child], last)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = last;
}

}  // namespace perfloop
