#include "sim/loop/run_pool.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace perfloop {

int grading_workers() {
  if (const char* text = std::getenv("PERFLOOP_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(text, &end, 10);
    if (end != text && *end == '\0' && n >= 1) return static_cast<int>(std::min<long>(n, 256));
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

RunPool::RunPool(int workers) : workers_(std::max(1, workers)) {}

RunPool::~RunPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // run_all() never came (the caller threw): what has not started never
    // will, nor what the running jobs queue.
    queue_.clear();
    abandoned_ = true;
  }
  join_helpers();
}

void RunPool::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!helpers_.empty() || workers_ < 2) return;
  caller_queuing_ = true;
  for (int i = 1; i < workers_; ++i) helpers_.emplace_back(&RunPool::work, this);
}

void RunPool::join_helpers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    caller_queuing_ = false;
    changed_.notify_all();
  }
  for (auto& t : helpers_) t.join();
  helpers_.clear();
}

void RunPool::submit(std::function<void()> job, Priority priority) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (abandoned_) return;
  queue_.push_back({priority, submitted_++, std::move(job)});
  std::push_heap(queue_.begin(), queue_.end());
  changed_.notify_one();
}

// Takes jobs until the queue is empty and no running job can queue more.
void RunPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || (running_ == 0 && !caller_queuing_); });
    if (queue_.empty()) {
      changed_.notify_all();  // the others are waiting for the same news
      return;
    }
    std::pop_heap(queue_.begin(), queue_.end());
    std::function<void()> job = std::move(queue_.back().job);
    queue_.pop_back();
    ++running_;
    lock.unlock();
    try {
      job();
    } catch (...) {
      // The slot stays empty; see run_all().
    }
    job = nullptr;  // what the job captured is released outside the lock
    lock.lock();
    --running_;
    ++jobs_done_;
    changed_.notify_all();
  }
}

void RunPool::then(std::function<void()> finisher) {
  std::lock_guard<std::mutex> lock(mutex_);  // a job may add one
  finishers_.push_back(std::move(finisher));
}

void RunPool::run_all() {
  for (;;) {
    bool any = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      any = !queue_.empty();
    }
    {
      // start()'s helpers, if any, may leave once the queue is dry.
      std::lock_guard<std::mutex> lock(mutex_);
      caller_queuing_ = false;
      changed_.notify_all();
    }
    if (any || !helpers_.empty()) {
      if (helpers_.empty())
        for (int i = 1; i < workers_; ++i) helpers_.emplace_back(&RunPool::work, this);
      work();
      join_helpers();
    }
    std::vector<std::function<void()>> finishers;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finishers.swap(finishers_);
    }
    if (finishers.empty()) return;
    // A finisher may queue more jobs: they run in the next round.
    for (auto& f : finishers) f();
  }
}

}  // namespace perfloop
