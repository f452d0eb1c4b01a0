// Independent simulation runs spread over the machine's cores. A job owns
// everything it writes (its own Simulation, its own result slot) and reads
// only what no job changes, so a result never depends on which thread ran
// it or when: one worker and many give the same bytes. Nothing here touches
// a ScenarioScript (Lua is single-threaded): callers plan runs first, on
// their own thread, and hand the pool only the simulating.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace perfloop {

// How many threads grading runs on: PERFLOOP_THREADS when set to a whole
// number from 1 (1: everything on the calling thread, as before), else
// every core std::thread::hardware_concurrency() reports.
int grading_workers();

class RunPool {
 public:
  // Jobs that lie on the longest chain of work (a what-if run others fork
  // from) go before short independent ones, so the cores finish together.
  enum class Priority { Chain = 0, Independent = 1 };

  explicit RunPool(int workers = grading_workers());
  // Waits for the jobs that started (start()'s helpers), drops the rest.
  ~RunPool();
  RunPool(const RunPool&) = delete;
  RunPool& operator=(const RunPool&) = delete;

  int workers() const { return workers_; }
  // Queues a job; a running job may queue more. Jobs of one priority start
  // in the order they were queued.
  void submit(std::function<void()> job, Priority priority = Priority::Independent);
  // Starts the helper threads now, on the jobs queued so far and those
  // queued later: the caller plans the rest of the work (Lua, on its own
  // thread) while the first runs simulate, and joins in with run_all().
  // Without it the helpers start in run_all(). Nothing to start with one worker.
  void start();
  // Runs on the thread that calls run_all(), after every job is done, in
  // the order given: where results leave their slots for the caches.
  void then(std::function<void()> finisher);
  // Runs every queued job (the calling thread works too) and returns when
  // all, including those they queued, are done, and then the finishers. A job's exception is
  // swallowed: a prefetch that fails leaves its slot empty, and the lazy
  // path that needs it runs it again and reports the error where it
  // always did.
  void run_all();
  // How many jobs have finished since the pool was made.
  int jobs_done() const { return jobs_done_; }

 private:
  struct Queued {
    Priority priority;
    std::uint64_t order;
    std::function<void()> job;
    // The heap's top is the largest: the most urgent priority, then the earliest queued.
    bool operator<(const Queued& other) const {
      if (priority != other.priority) return priority > other.priority;
      return order > other.order;
    }
  };
  void work();
  void join_helpers();

  int workers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Queued> queue_;  // a heap
  std::vector<std::function<void()>> finishers_;
  std::uint64_t submitted_ = 0;
  int running_ = 0;
  int jobs_done_ = 0;
  // While the caller may still queue jobs before run_all(), a helper with
  // nothing to do waits rather than leaves.
  bool caller_queuing_ = false;
  bool abandoned_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace perfloop
