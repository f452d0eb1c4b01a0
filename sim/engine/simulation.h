// The discrete-event engine: requests arrive (Poisson, rate curve), wait for
// a worker (FIFO), then step through their endpoint's ops: CPU jobs shared
// under processor sharing by N cores, off-CPU waits, N+1 round trips, locks
// with FIFO queues, downstream calls, and GC (mark assists on allocation,
// stop-the-world pauses). Everything observable goes through the Recorder.
//
// A Simulation is a value: fork() copies it mid-run, and the fork draws the
// same random numbers per request (counter-based streams), so a fix applied
// to the fork is compared under the same load.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/engine/cpu_scheduler.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/program.h"
#include "sim/engine/recorder.h"
#include "sim/engine/rng.h"
#include "sim/engine/run_plan.h"
#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"

namespace perfloop {

class Simulation;

// Told about every closed window, on the simulating thread; lets a UI draw
// the first minutes while the rest computes.
class WindowListener {
 public:
  virtual ~WindowListener() = default;
  virtual void on_window(const Simulation& sim, const WindowStats& window) = 0;
};

class Simulation {
 public:
  // Throws std::invalid_argument for a plan the engine cannot run.
  explicit Simulation(const RunPlan& plan);

  // A copy that goes on independently from here, with no listener.
  Simulation fork() const;

  void run_until(SimTime t);
  void run() { run_until(duration_); }
  bool finished() const { return now_ >= duration_; }
  SimTime now() const { return now_; }
  SimTime duration() const { return duration_; }
  std::uint64_t seed() const { return seed_; }

  // Schedules a change at `stage.at` (>= now) to a model compiled from `model`,
  // e.g. a fix on a forked copy. stage.model is ignored.
  void add_stage(Stage stage, const ModelSpec& model);
  // Drops every change still to come at or after t (a fork that lands a
  // different fix replaces them with its own).
  void cancel_stages_from(SimTime t);

  void set_listener(WindowListener* listener) { listener_ = listener; }

  const Symbols& symbols() const { return symbols_; }
  const std::vector<WindowStats>& windows() const { return recorder_.windows(); }
  const std::vector<PhaseStats>& phases() const { return recorder_.phases(); }
  const std::vector<LogEvent>& events() const { return recorder_.events(); }
  const std::vector<Trace>& traces() const { return traces_; }
  std::uint64_t completed_requests() const { return recorder_.completed(); }
  std::uint64_t arrivals() const { return arrivals_; }
  std::uint64_t events_processed() const { return events_processed_; }
  const CompiledModel& current_model() const { return *model_; }
  // The model in force at time t (by the stages that applied by then).
  const CompiledModel& model_at(SimTime t) const;
  const std::vector<std::string>& lock_names() const { return locks_.names; }

 private:
  struct Request {
    RngStream rng;  // its key is also the trace id
    const EndpointProgram* program = nullptr;
    SimTime arrival = 0;
    SimTime service_start = 0;
    SimTime wait_start = 0;
    std::uint32_t wait_stack = kNoStack;
    double size = 1.0;  // the request's size factor
    std::int32_t pc = 0;
    // The round trips of the step in progress, and the summed variation of
    // their CPU (0) and their waits (1): the per-trip ops run once for all.
    std::uint32_t trips = 0;
    double trip_factor[2] = {1.0, 1.0};
    std::int32_t next_waiter = -1;
    std::int16_t endpoint = 0;
    std::int16_t phase = 0;
    bool error = false;
    bool traced = false;
    bool waiting_mutex = false;
    bool background = false;  // a background job's run: holds locks, is never recorded
    // The CPU job in progress: cumulative work boundaries of its parts (per
    // op: self, mallocgc, mark assist) and the stacks they are charged to.
    static constexpr int kMaxSegments = 3 * kMaxOpsPerCpuJob;
    double segment_end[kMaxSegments] = {};
    std::uint32_t segment_stack[kMaxSegments] = {};
    std::int32_t segments = 0;
    std::uint32_t queries = 0;
    std::uint32_t syscalls = 0;
    std::int64_t payload_bytes = 0;
    std::uint32_t spans_seen = 0;
    SimTime span_start[kMaxSpansPerEndpoint] = {};
    SimTime span_duration[kMaxSpansPerEndpoint] = {};
  };
  struct Lock {
    std::int32_t held = 0;  // permits taken
    std::int32_t head = -1;
    std::int32_t tail = -1;
  };
  struct FifoQueue {
    std::int32_t head = -1;
    std::int32_t tail = -1;
    std::int32_t length = 0;
  };
  struct SlowTraces {
    std::vector<Trace> kept;  // at most slowest_traces_per_window, reused
    std::size_t fastest = 0;  // once full: the first of the fastest kept, which a slower one replaces
  };

  static constexpr std::size_t kInitialSlots = 1024;
  void grow_slots(std::size_t target);
  void handle(const Event& e);
  void on_arrival();
  void schedule_background();
  void on_background(std::uint32_t slot_bits);
  void grant_lock_waiters();
  void schedule_next_arrival();
  void start_request(std::int32_t slot);
  void run_ops(std::int32_t slot);
  // Submits the CPU job starting at the request's pc, merged ops included.
  void submit_cpu(std::int32_t slot);
  // Adds one op's work to the request's pending job; returns bytes allocated.
  std::int64_t add_cpu_work(Request& r, const Op& op, double& demand);
  void advance_cpu();
  void reschedule_cpu();
  void on_cpu_next();
  void start_gc_pause(std::int64_t cycles);
  void start_queued();
  void complete(std::int32_t slot);
  void fail_without_service(std::int32_t slot, FailReason reason);
  void release_worker();
  void release_slot(std::int32_t slot);
  void record_trace(const Request& r, SimTime latency);
  void flush_traces();
  void apply_stage(std::uint32_t index);
  void switch_model(int model);
  double op_factor(const Request& r, const Op& op) const;
  // The variation of `trips` round trips of `op`, summed.
  double trip_sum(const Request& r, const Op& op, std::uint32_t trips) const;
  // The op's duration for this request: (fixed + size-proportional part) × variation.
  static double op_ns(const Request& r, const Op& op, double factor) {
    return (static_cast<double>(op.mean_ns) + (op.sized ? r.size * static_cast<double>(op.sized_ns) : 0.0)) * factor;
  }
  void compute_rum(const Request& r, CompletedRequest& out) const;
  static void push_back(FifoQueue& q, std::vector<Request>& requests, std::int32_t slot);
  static std::int32_t pop_front(FifoQueue& q, std::vector<Request>& requests);

  std::uint64_t seed_ = 0;
  SimTime duration_ = 0;
  SimTime window_ = 0;
  SimTime now_ = 0;
  int slowest_per_window_ = 2;

  Symbols symbols_;
  LockTable locks_;
  std::vector<std::shared_ptr<const CompiledModel>> models_;
  int current_model_ = 0;
  // models_[current_model_], read on every event; models are shared and never
  // move, so the pointer stays good when models_ grows or the run is forked.
  const CompiledModel* model_ = nullptr;
  std::vector<Stage> stages_;

  RngStream request_stream_;
  RngStream profile_stream_;
  RngSequence arrival_sequence_;
  std::uint32_t arrival_generation_ = 0;
  std::uint32_t background_generation_ = 0;
  std::uint64_t arrivals_ = 0;
  SimTime next_arrival_ = 0;
  SimTime arrival_due_ = -1;  // the next arrival, kept out of the heap; -1: none
  std::uint64_t events_processed_ = 0;

  EventQueue events_;
  CpuScheduler cpu_;
  SimTime cpu_scheduled_at_ = -1;  // the scheduler's next completion; -1: none
  std::vector<std::uint32_t> finished_jobs_;
  double cpu_clock_ns_ = 0.0;       // CPU time delivered so far, all cores
  double next_sample_at_ns_ = 0.0;  // CPU time of the next profile sample
  std::uint64_t samples_taken_ = 0;
  std::int64_t alloc_since_gc_ = 0;

  std::vector<Request> requests_;
  std::size_t max_slots_ = 0;
  std::vector<std::int32_t> free_slots_;
  FifoQueue worker_queue_;
  int workers_busy_ = 0;
  int start_depth_ = 0;
  std::vector<Lock> lock_state_;

  Recorder recorder_;
  std::vector<SlowTraces> slow_traces_;  // per endpoint, for the open window
  std::vector<Trace> traces_;
  WindowListener* listener_ = nullptr;
};

}  // namespace perfloop
