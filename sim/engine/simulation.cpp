// [SECTION] Construction, forks and the event loop
// [SECTION] Arrivals (Poisson, thinned to the load curve)
// [SECTION] Ops: a request stepping through its endpoint's program
// [SECTION] CPU: processor sharing, GC pauses and profile samples
// [SECTION] Completion: latency, errors, RUM
// [SECTION] Traces: head-sampled and the slowest per window
// [SECTION] Stages: deploys, config changes and fixes
//
// One event loop over a heap of timed events, with the CPU's next completion
// kept apart (it moves whenever the runnable set changes).
#include "sim/engine/simulation.h"

#include "sim/engine/run_budget.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace perfloop {

// ============================================================================
// [SECTION] Construction, forks and the event loop
// ============================================================================

namespace {

// Durations and sizes are non-negative, so rounding needs no sign handling.
inline std::int64_t round_positive(double x) { return static_cast<std::int64_t>(x + 0.5); }

// Beyond this nesting a queued request is started through the event queue
// instead of directly, so a run of zero-work requests cannot recurse deeply.
constexpr int kMaxStartDepth = 8;

std::size_t slots_needed(const CompiledModel& model) {
  const auto n = static_cast<std::size_t>(model.service.workers) + static_cast<std::size_t>(model.service.queue_limit);
  return std::min<std::size_t>(n, std::size_t{1} << 22) + model.background.size();
}

bool same_load(const LoadSpec& a, const LoadSpec& b) {
  if (a.rps != b.rps || a.curve.size() != b.curve.size()) return false;
  for (std::size_t i = 0; i < a.curve.size(); ++i)
    if (a.curve[i].t_s != b.curve[i].t_s || a.curve[i].factor != b.curve[i].factor) return false;
  return true;
}

}  // namespace

Simulation Simulation::fork() const {
  Simulation copy = *this;
  copy.listener_ = nullptr;  // the original's listener is told about the original only
  return copy;
}

Simulation::Simulation(const RunPlan& plan)
    : seed_(plan.seed),
      duration_(plan.duration),
      window_(plan.window),
      slowest_per_window_(plan.slowest_traces_per_window) {
  if (plan.models.empty()) throw std::invalid_argument("the run plan has no model");
  if (duration_ <= 0 || window_ <= 0) throw std::invalid_argument("duration and window must be positive");
  for (const auto& model : plan.models) models_.push_back(compile_model(model, symbols_, locks_));
  stages_ = plan.stages;
  for (const auto& stage : stages_)
    if (stage.model < 0 || stage.model >= static_cast<int>(models_.size()))
      throw std::invalid_argument("a stage names a model that does not exist");
  check_run_cost(estimate_run_cost(plan, models_, symbols_), plan);

  request_stream_ = RngStream(seed_, "requests");
  profile_stream_ = RngStream(seed_, "profile");
  arrival_sequence_ = RngSequence(RngStream(seed_, "arrivals"));

  for (const auto& model : models_) max_slots_ = std::max(max_slots_, slots_needed(*model));
  model_ = models_[0].get();
  cpu_.reset(models_[0]->service.cores, 0);
  grow_slots(std::min<std::size_t>(max_slots_, kInitialSlots));
  lock_state_.resize(locks_.names.size());
  recorder_.begin(symbols_, plan.first_phase, window_);
  slow_traces_.resize(symbols_.endpoints().size());
  events_.reserve(requests_.size() + 64);

  const auto period = static_cast<double>(models_[0]->profile_period_ns);
  next_sample_at_ns_ = profile_stream_.uniform(~0ULL) * period;
  events_.push({std::min(window_, duration_), 0, EventKind::WindowClose});
  for (std::size_t i = 0; i < stages_.size(); ++i)
    events_.push({stages_[i].at, static_cast<std::uint32_t>(i), EventKind::Stage});
  schedule_next_arrival();
  schedule_background();
}

void Simulation::add_stage(Stage stage, const ModelSpec& model) {
  if (stage.at < now_) throw std::invalid_argument("a stage cannot be added in the past");
  models_.push_back(compile_model(model, symbols_, locks_));
  stage.model = static_cast<int>(models_.size()) - 1;
  recorder_.grow(symbols_);
  slow_traces_.resize(symbols_.endpoints().size());
  lock_state_.resize(locks_.names.size());
  max_slots_ = std::max(max_slots_, slots_needed(*models_.back()));
  stages_.push_back(std::move(stage));
  events_.push({stages_.back().at, static_cast<std::uint32_t>(stages_.size() - 1), EventKind::Stage});
}

const CompiledModel& Simulation::model_at(SimTime t) const {
  int model = 0;
  SimTime latest = -1;
  for (const auto& stage : stages_)
    if (!stage.cancelled && stage.at <= t && stage.at >= latest) {
      latest = stage.at;
      model = stage.model;
    }
  return *models_[static_cast<std::size_t>(model)];
}

void Simulation::cancel_stages_from(SimTime t) {
  if (t < now_) throw std::invalid_argument("cannot cancel a change that has already happened");
  for (auto& stage : stages_)
    if (stage.at >= t) stage.cancelled = true;
}

// Request slots grow by doubling up to what workers + queue allow: no
// allocation in steady state, and no gigabytes up front for a long queue.
[[gnu::noinline]] void Simulation::grow_slots(std::size_t target) {
  const std::size_t old = requests_.size();
  if (target <= old) return;
  if (static_cast<double>(target) > kRunCaps.requests_in_service)
    throw RunBudgetError("the run passed " + std::to_string(old) +
                         " requests in the service at once (working or queued), the most one run may hold; lower "
                         "the load or service.queue_limit");
  requests_.resize(target);
  std::vector<std::int32_t> fresh;
  fresh.reserve(target);
  for (std::size_t i = target; i-- > old;) fresh.push_back(static_cast<std::int32_t>(i));
  fresh.insert(fresh.end(), free_slots_.begin(), free_slots_.end());  // older free slots are taken first
  free_slots_ = std::move(fresh);
  cpu_.grow(target);
  finished_jobs_.reserve(target);
}

void Simulation::run_until(SimTime t) {
  t = std::min(t, duration_);
  // Two kinds of event live outside the heap: the CPU's next completion (it
  // moves whenever the number of runnable jobs changes) and the next arrival
  // (one at a time, so it needs no ordering). The order at equal times is
  // the heap's: window closes and stage changes, then the CPU, then the other
  // heap events, and arrivals last.
  constexpr SimTime kNever = std::numeric_limits<SimTime>::max();
  for (;;) {
    const SimTime heap_at = events_.empty() ? kNever : events_.top().time;
    const SimTime cpu_at = cpu_scheduled_at_ >= 0 ? cpu_scheduled_at_ : kNever;
    const SimTime arrival_at = arrival_due_ >= 0 ? arrival_due_ : kNever;
    const bool arrival_first = arrival_at < heap_at && arrival_at < cpu_at;
    const bool cpu_first = !arrival_first && cpu_at != kNever &&
                           (cpu_at < heap_at || (cpu_at == heap_at && events_.top().kind < EventKind::Stage));
    const SimTime next = arrival_first ? arrival_at : (cpu_first ? cpu_at : heap_at);
    if (next == kNever || next > t) break;
    // The plan was estimated before the run; this holds whatever the estimate missed.
    if (events_processed_ >= static_cast<std::uint64_t>(kRunCaps.events))
      throw RunBudgetError(run_cap_message("engine events", kRunCaps.events));
    now_ = next;
    if (arrival_first) {
      on_arrival();
    } else if (cpu_first) {
      on_cpu_next();
    } else {
      handle(events_.pop());
    }
    ++events_processed_;
  }
  if (t > now_) now_ = t;
  if (now_ >= duration_ && recorder_.phases().back().end < duration_) {
    advance_cpu();
    recorder_.finish(duration_);
  }
}

void Simulation::handle(const Event& e) {
  now_ = e.time;
  switch (e.kind) {
    case EventKind::Arrival:  // only arrivals drawn under a load no longer in force come here
      if (e.slot == arrival_generation_) on_arrival();
      break;
    case EventKind::OpDone: {
      Request& r = requests_[e.slot];
      if (r.wait_stack != kNoStack) recorder_.on_wait(r.endpoint, r.wait_stack, now_ - r.wait_start, r.waiting_mutex);
      r.waiting_mutex = false;
      run_ops(static_cast<std::int32_t>(e.slot));
      break;
    }
    case EventKind::Background:
      on_background(e.slot);
      break;
    case EventKind::Start:
      --workers_busy_;  // start_request takes the worker reserved for it again
      start_request(static_cast<std::int32_t>(e.slot));
      break;
    case EventKind::GcPauseEnd:
      advance_cpu();
      cpu_.set_stopped(false);
      reschedule_cpu();
      break;
    case EventKind::Stage:
      apply_stage(e.slot);
      break;
    case EventKind::WindowClose: {
      advance_cpu();
      flush_traces();
      const WindowStats& window = recorder_.close_window(now_, *model_);
      if (listener_) listener_->on_window(*this, window);
      if (now_ < duration_) events_.push({std::min(now_ + window_, duration_), 0, EventKind::WindowClose});
      break;
    }
  }
}

// ============================================================================
// [SECTION] Arrivals (Poisson, thinned to the load curve)
// ============================================================================

// Non-homogeneous Poisson arrivals by thinning: candidates at the peak rate,
// each kept with probability rate(t) / peak.
void Simulation::schedule_next_arrival() {
  arrival_due_ = -1;
  const CompiledModel& model = *model_;
  if (model.max_rate_per_ns <= 0.0) return;
  const double mean_gap = 1.0 / model.max_rate_per_ns;
  const double peak_factor = model.peak_factor;
  // No curve: the rate is the peak (factor 1 of 1) and every candidate is kept.
  const bool flat = model.load.curve.empty();
  SimTime t = next_arrival_;
  for (;;) {
    t += round_positive(arrival_sequence_.exponential(mean_gap));
    if (t >= duration_) return;
    if (flat) break;
    const double keep = model.rate_factor(ns_to_s(static_cast<double>(t))) / peak_factor;
    if (keep >= 1.0 || arrival_sequence_.uniform() < keep) break;
  }
  next_arrival_ = t;
  arrival_due_ = t;
}

void Simulation::on_arrival() {
  if (arrivals_ >= static_cast<std::uint64_t>(kRunCaps.requests))
    throw RunBudgetError(run_cap_message("requests", kRunCaps.requests));
  const std::uint64_t id = arrivals_++;
  recorder_.on_arrival();
  schedule_next_arrival();
  const CompiledModel& model = *model_;

  const RngStream rng = request_stream_.child(id);
  const double pick = model.share_cdf.size() > 1 ? rng.uniform(1) : 0.0;  // one endpoint: no choice to draw
  std::size_t ep = 0;
  while (ep + 1 < model.share_cdf.size() && pick >= model.share_cdf[ep]) ++ep;
  while (ep > 0 && model.endpoints[ep].ops.empty()) --ep;
  const EndpointProgram& program = model.endpoints[ep];

  if (free_slots_.empty() && requests_.size() < max_slots_) grow_slots(std::min(max_slots_, 2 * requests_.size()));
  if (free_slots_.empty() || (workers_busy_ >= model.service.workers && worker_queue_.length >= model.service.queue_limit)) {
    CompletedRequest rejected;
    rejected.endpoint = static_cast<int>(ep);
    rejected.phase = recorder_.phase();
    rejected.error = true;
    rejected.reason = FailReason::Rejected;
    recorder_.on_complete(rejected);
    return;
  }
  const std::int32_t slot = free_slots_.back();
  free_slots_.pop_back();
  Request& r = requests_[slot];
  r.pc = 0;
  r.trips = 0;
  r.error = r.waiting_mutex = r.background = false;
  r.wait_stack = kNoStack;
  r.queries = r.syscalls = r.spans_seen = 0;
  r.payload_bytes = 0;
  r.segments = 0;
  r.service_start = now_;
  r.rng = rng;
  r.program = &program;
  r.arrival = now_;
  r.endpoint = static_cast<std::int16_t>(ep);
  r.phase = static_cast<std::int16_t>(recorder_.phase());
  r.traced = model.trace_sample_rate > 0.0 && rng.uniform(2) < model.trace_sample_rate;
  r.size = program.size_cv > 0.0 ? std::min(program.size_max, program.size.draw(rng, 1.0, 3)) : 1.0;

  if (workers_busy_ < model.service.workers) {
    start_request(slot);
  } else {
    push_back(worker_queue_, requests_, slot);
  }
}

void Simulation::start_request(std::int32_t slot) {
  ++workers_busy_;
  Request& r = requests_[slot];
  r.service_start = now_;
  r.pc = 0;
  run_ops(slot);
}

// Background jobs run on a grid (start, start + every, ...) that a model
// change keeps: the new model's jobs resume at their next point from now.
void Simulation::schedule_background() {
  const CompiledModel& model = *model_;
  for (std::size_t i = 0; i < model.background.size(); ++i) {
    const BackgroundProgram& job = model.background[i];
    SimTime at = job.start_ns;
    if (at < now_) at += ((now_ - at + job.every_ns - 1) / job.every_ns) * job.every_ns;
    if (at < duration_) events_.push({at, (background_generation_ << 8) | static_cast<std::uint32_t>(i), EventKind::Background});
  }
}

void Simulation::on_background(std::uint32_t slot_bits) {
  if ((slot_bits >> 8) != (background_generation_ & 0xffffffu)) return;  // from a model no longer in force
  const CompiledModel& model = *model_;
  const std::size_t index = slot_bits & 0xffu;
  if (index >= model.background.size()) return;
  const BackgroundProgram& job = model.background[index];
  if (now_ + job.every_ns < duration_) events_.push({now_ + job.every_ns, slot_bits, EventKind::Background});
  if (free_slots_.empty() && requests_.size() < max_slots_) grow_slots(std::min(max_slots_, 2 * requests_.size()));
  if (free_slots_.empty()) return;  // slots count one per job: only a job still running from its last turn
  const std::int32_t slot = free_slots_.back();
  free_slots_.pop_back();
  Request& r = requests_[slot];
  r.pc = 0;
  r.trips = 0;
  r.error = r.waiting_mutex = r.traced = false;
  r.background = true;
  r.wait_stack = kNoStack;
  r.queries = r.syscalls = r.spans_seen = 0;
  r.payload_bytes = 0;
  r.segments = 0;
  r.arrival = r.service_start = now_;
  r.program = &job.program;
  r.endpoint = 0;
  r.size = 1.0;
  run_ops(slot);
}

// ============================================================================
// [SECTION] Ops: a request stepping through its endpoint's program
// ============================================================================

// Flattened: the normal draw behind every log-normal op is otherwise a call
// per op (a tenth of the /checkout run), for a table lookup of a few instructions.
[[gnu::flatten]] double Simulation::op_factor(const Request& r, const Op& op) const {
  if (op.trip_part != 0) return r.trip_factor[op.trip_part - 1];
  switch (op.dist) {
    case Distribution::Kind::Fixed: return 1.0;
    case Distribution::Kind::Exponential: return r.rng.exponential(1.0, op.uid, 0);
    case Distribution::Kind::LogNormal: return r.rng.lognormal_shaped(op.shape.mu, op.shape.sigma, op.uid, 0);
  }
  return 1.0;
}

namespace {

// Up to this many round trips draw each trip's variation and add them up;
// beyond, one draw of the sum's distribution stands for them, so a request's
// cost does not grow with its round trips.
constexpr std::uint32_t kExactTripDraws = 4;
// Counters of the one-draw sums, apart from the per-trip ones (4 × trip).
constexpr std::uint64_t kTripSumCounter = std::uint64_t{1} << 40;

// Gamma(shape, 1) by Marsaglia and Tsang's squeeze (shape >= 1), on
// counter-based draws: the sum of `shape` unit exponentials.
double gamma_draw(const RngStream& rng, std::uint64_t uid, double shape) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (std::uint64_t attempt = 0;; ++attempt) {
    const double x = rng.standard_normal(uid, kTripSumCounter + 2 * attempt);
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = rng.uniform(uid, kTripSumCounter + 2 * attempt + 1);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

}  // namespace

[[gnu::flatten]] double Simulation::trip_sum(const Request& r, const Op& op, std::uint32_t trips) const {
  const auto n = static_cast<double>(trips);
  switch (op.dist) {
    case Distribution::Kind::Fixed:
      return n;
    case Distribution::Kind::Exponential:
      if (trips <= kExactTripDraws) {
        double sum = 0.0;
        for (std::uint32_t i = 0; i < trips; ++i) sum += r.rng.exponential(1.0, op.uid, i * 4ULL);
        return sum;
      }
      return gamma_draw(r.rng, op.uid, n);
    case Distribution::Kind::LogNormal: {
      if (trips <= kExactTripDraws) {
        double sum = 0.0;
        for (std::uint32_t i = 0; i < trips; ++i) sum += r.rng.lognormal_shaped(op.shape.mu, op.shape.sigma, op.uid, i * 4ULL);
        return sum;
      }
      // n log-normals of mean 1 and variation cv add up to mean n and
      // variation cv / sqrt(n); a log-normal with those two moments
      // (Fenton-Wilkinson) also matches the sum's skew to within cv^3 / n.
      const LogNormalShape shape = LogNormalShape::unit_mean(op.cv / std::sqrt(n));
      return n * r.rng.lognormal_shaped(shape.mu, shape.sigma, op.uid, kTripSumCounter);
    }
  }
  return n;
}

// Flattened: a request's steps call a dozen small helpers (draws, the event
// heap, the scheduler, the recorder) that GCC otherwise leaves out of line;
// the cold ones below are marked noinline so the loop stays small.
[[gnu::flatten]] void Simulation::run_ops(std::int32_t slot) {
  Request& r = requests_[slot];
  const std::vector<Op>& ops = r.program->ops;
  const auto count = static_cast<std::int32_t>(ops.size());
  while (r.pc < count) {
    const Op& op = ops[r.pc];
    switch (op.kind) {
      case OpKind::SpanEnter:
        r.span_start[op.span] = now_;
        ++r.pc;
        break;
      case OpKind::SpanExit:
        r.span_duration[op.span] = now_ - r.span_start[op.span];
        r.spans_seen |= 1u << op.span;
        ++r.pc;
        break;
      case OpKind::Cpu:
        if (op.merge_next == 0 && op.mean_ns == 0 && op.sized_ns == 0 && op.alloc_bytes == 0) {
          r.queries += op.counts_as_query ? r.trips : 0;  // free round trips and calls still count
          r.syscalls += static_cast<std::uint32_t>(op.syscalls);
          ++r.pc;
          break;
        }
        submit_cpu(slot);
        return;
      case OpKind::Wait:
      case OpKind::Downstream: {
        ++r.pc;
        if (op.kind == OpKind::Downstream) {
          r.payload_bytes += op.sized ? round_positive(static_cast<double>(op.payload_bytes) * r.size) : op.payload_bytes;
          if (op.error_prob > 0.0 && r.rng.uniform(op.uid, 1) < op.error_prob) {
            r.error = true;
          }
        }
        const auto d = round_positive(op_ns(r, op, op_factor(r, op)));
        if (d <= 0) break;
        r.wait_start = now_;
        r.wait_stack = op.stack;
        events_.push({now_ + d, static_cast<std::uint32_t>(slot), EventKind::OpDone});
        return;
      }
      case OpKind::RoundTrips: {
        // Items are whole (a fraction of the mean is drawn per request), and
        // so are round trips: 30 rows in batches of 500 are one query.
        const double items = op.items * (op.sized ? r.size : 1.0);
        double whole = std::floor(items);
        if (items - whole > 0.0 && r.rng.uniform(op.uid, 7) < items - whole) whole += 1.0;
        const double trips = op.batch > 1.0 ? std::ceil(whole / op.batch) : whole;
        if (trips <= 0.0) {
          r.pc = op.jump;
          break;
        }
        r.trips = static_cast<std::uint32_t>(std::min(trips, 4e9));
        for (std::int32_t k = r.pc + 1; k < op.jump; ++k)
          r.trip_factor[ops[k].trip_part - 1] = trip_sum(r, ops[k], r.trips);
        ++r.pc;
        break;
      }
      case OpKind::LockAcquire: {
        Lock& lock = lock_state_[op.lock];
        ++r.pc;
        if (lock.held < model_->permits(op.lock)) {
          ++lock.held;
          break;
        }
        r.wait_start = now_;
        r.wait_stack = op.stack;
        r.waiting_mutex = true;
        r.next_waiter = -1;
        if (lock.tail >= 0) requests_[lock.tail].next_waiter = slot; else lock.head = slot;
        lock.tail = slot;
        return;
      }
      case OpKind::LockRelease: {
        Lock& lock = lock_state_[op.lock];
        ++r.pc;
        // The permit passes to the first waiter, unless the lock was resized
        // below the holders it has: then it is given back.
        const std::int32_t next = lock.head;
        if (next >= 0 && lock.held <= model_->permits(op.lock)) {
          lock.head = requests_[next].next_waiter;
          if (lock.head < 0) lock.tail = -1;
          events_.push({now_, static_cast<std::uint32_t>(next), EventKind::OpDone});
        } else {
          --lock.held;
        }
        break;
      }
    }
  }
  complete(slot);
}

// ============================================================================
// [SECTION] CPU: processor sharing, GC pauses and profile samples
// ============================================================================

std::int64_t Simulation::add_cpu_work(Request& r, const Op& op, double& demand) {
  r.queries += op.counts_as_query ? r.trips : 0;
  r.syscalls += static_cast<std::uint32_t>(op.syscalls);
  const double f = op_factor(r, op);
  const double alloc_f = op.sized ? f * r.size : f;  // allocation follows the work's size
  const SimTime self = round_positive(op_ns(r, op, f));
  const SimTime malloc = round_positive(static_cast<double>(op.malloc_ns) * alloc_f);
  const SimTime scan = round_positive(static_cast<double>(op.scan_ns) * alloc_f);
  const std::int64_t alloc = round_positive(static_cast<double>(op.alloc_bytes) * alloc_f);
  recorder_.on_cpu_work(r.endpoint, op.stack, self);
  if (alloc > 0 && op.malloc_stack != kNoStack) recorder_.on_gc_work(r.endpoint, op, malloc, scan, alloc);
  const SimTime parts[3] = {self, malloc, scan};
  const std::uint32_t stacks[3] = {op.stack, op.malloc_stack, op.scan_stack};
  for (int i = 0; i < 3; ++i) {
    if (parts[i] <= 0) continue;
    demand += static_cast<double>(parts[i]);
    r.segment_end[r.segments] = demand;
    r.segment_stack[r.segments] = stacks[i];
    ++r.segments;
  }
  return alloc;
}

void Simulation::submit_cpu(std::int32_t slot) {
  Request& r = requests_[slot];
  const std::vector<Op>& ops = r.program->ops;
  r.segments = 0;
  double demand = 0.0;
  std::int64_t alloc = 0;
  for (;;) {
    const Op& op = ops[r.pc++];
    alloc += add_cpu_work(r, op, demand);
    if (!op.merge_next) break;
  }
  if (r.segments == 0) {  // all parts rounded to nothing: charge one nanosecond to the first op
    r.segment_end[0] = 1.0;
    r.segment_stack[0] = ops[r.pc - 1].stack;
    r.segments = 1;
  }
  demand = std::max(1.0, demand);

  advance_cpu();
  cpu_.submit(static_cast<std::uint32_t>(slot), demand);
  reschedule_cpu();

  const CompiledModel& model = *model_;
  if (model.gc_trigger_bytes > 0 && alloc > 0) {
    alloc_since_gc_ += alloc;
    if (alloc_since_gc_ >= model.gc_trigger_bytes) {
      // One allocation can be due several cycles; they run back to back, one pause.
      const std::int64_t cycles = alloc_since_gc_ / model.gc_trigger_bytes;
      alloc_since_gc_ %= model.gc_trigger_bytes;
      start_gc_pause(cycles);
    }
  }
}

// Brings the CPU up to now: accounts busy time and takes the profile samples
// that fell due. A sample lands on a uniformly chosen runnable job (all
// progress at the same rate under processor sharing) and is charged to the
// part of that job's work it was executing at that instant.
void Simulation::advance_cpu() {
  const CpuScheduler::Interval iv = cpu_.advance(now_);
  if (iv.to <= iv.from) return;
  const SimTime dt = iv.to - iv.from;
  recorder_.on_cpu_interval(iv.busy_cores, iv.cores, dt);
  if (iv.busy_cores == 0) return;
  const double busy = static_cast<double>(iv.busy_cores);
  const double end_clock = cpu_clock_ns_ + busy * static_cast<double>(dt);
  const auto period = static_cast<double>(model_->profile_period_ns);
  const auto runnable = static_cast<std::size_t>(cpu_.runnable());
  while (next_sample_at_ns_ < end_clock) {
    const double offset = (next_sample_at_ns_ - cpu_clock_ns_) / busy;
    const double v = iv.v_from + iv.rate * offset;
    if (samples_taken_ >= static_cast<std::uint64_t>(kRunCaps.samples))
      throw RunBudgetError(run_cap_message("CPU profile samples", kRunCaps.samples));
    auto pick = static_cast<std::size_t>(profile_stream_.uniform(samples_taken_++) * static_cast<double>(runnable));
    if (pick >= runnable) pick = runnable - 1;
    const std::uint32_t job = cpu_.active_job(pick);
    const Request& r = requests_[job];
    const double progress = v - cpu_.job_start(job);
    int part = 0;
    while (part + 1 < r.segments && progress >= r.segment_end[part]) ++part;
    recorder_.on_cpu_sample(r.endpoint, r.segment_stack[part]);
    next_sample_at_ns_ += period;
  }
  cpu_clock_ns_ = end_clock;
}

void Simulation::reschedule_cpu() { cpu_scheduled_at_ = cpu_.next_completion(); }

void Simulation::on_cpu_next() {
  cpu_scheduled_at_ = -1;
  advance_cpu();
  finished_jobs_.clear();
  cpu_.collect_finished(finished_jobs_);
  reschedule_cpu();
  // run_ops may submit new jobs but never touches finished_jobs_.
  for (std::size_t i = 0; i < finished_jobs_.size(); ++i) run_ops(static_cast<std::int32_t>(finished_jobs_[i]));
}

[[gnu::noinline]] void Simulation::start_gc_pause(std::int64_t cycles) {
  const CompiledModel& model = *model_;
  const bool pauses = model.stw_pause_ns > 0 && !cpu_.stopped();  // a pause already running absorbs this one
  recorder_.on_gc_cycles(cycles, pauses ? model.stw_pause_ns : 0);
  if (!pauses) return;
  advance_cpu();
  cpu_.set_stopped(true);
  reschedule_cpu();
  events_.push({now_ + model.stw_pause_ns, 0, EventKind::GcPauseEnd});
}

// ============================================================================
// [SECTION] Completion: latency, errors, RUM
// ============================================================================

[[gnu::flatten]] void Simulation::compute_rum(const Request& r, CompletedRequest& out) const {
  const ClientModel& client = r.program->client;
  const ClientSpec& c = client.spec;
  const double bandwidth_mbps = client.bandwidth.draw(r.rng, c.bandwidth_mbps, 0x40);
  const double device = client.device.draw(r.rng, 1.0, 0x41);
  const double ttfb_ms = client.ttfb.draw(r.rng, c.ttfb_ms, 0x42);
  const double download_ms = c.bundle_kb * 8.0 / bandwidth_mbps;  // 1 Mbit/s moves 1 kbit per ms
  const double main_thread_ms = (c.parse_compile_ms_per_kb * c.bundle_kb + c.execute_ms) * device;
  out.has_rum = true;
  out.lcp = ms_to_ns(ttfb_ms + download_ms + main_thread_ms);
  out.inp = ms_to_ns(c.inp_handler_ms * device + r.rng.exponential(8.0, 0x43));
}

void Simulation::complete(std::int32_t slot) {
  Request& r = requests_[slot];
  if (r.background) {
    release_slot(slot);
    return;
  }
  const SimTime latency = now_ - r.arrival;
  const bool timed_out = latency > r.program->timeout_ns;
  CompletedRequest done;
  done.endpoint = r.endpoint;
  done.phase = r.phase;
  done.latency = latency;
  done.error = r.error || timed_out;
  const CompiledModel& model = *model_;
  done.slo_bad = done.error || (r.endpoint == model.slo_endpoint && latency > model.slo_threshold_ns);
  done.reason = timed_out ? FailReason::Timeout : FailReason::Downstream;
  done.queries = r.queries;
  done.syscalls = r.syscalls;
  done.payload_bytes = r.payload_bytes;
  done.spans_seen = r.spans_seen;
  done.span_duration = r.span_duration;
  if (r.program->client.enabled) compute_rum(r, done);
  recorder_.on_complete(done);
  record_trace(r, latency);
  release_slot(slot);
  release_worker();
}

[[gnu::noinline]] void Simulation::fail_without_service(std::int32_t slot, FailReason reason) {
  const Request& r = requests_[slot];
  CompletedRequest failed;
  failed.endpoint = r.endpoint;
  failed.phase = r.phase;
  // The client saw its timeout, however long the request then sat in the queue.
  failed.latency = reason == FailReason::Timeout ? std::min(now_ - r.arrival, r.program->timeout_ns) : now_ - r.arrival;
  failed.error = true;
  failed.reason = reason;
  recorder_.on_complete(failed);
  release_slot(slot);
}

void Simulation::release_slot(std::int32_t slot) { free_slots_.push_back(slot); }

void Simulation::release_worker() {
  --workers_busy_;
  start_queued();
}

// Hands free workers to queued requests in FIFO order. A request whose client
// has already given up is dropped as it reaches the front: servers notice a
// closed connection only when they read from it.
void Simulation::start_queued() {
  const CompiledModel& model = *model_;
  while (workers_busy_ < model.service.workers && worker_queue_.length > 0) {
    const std::int32_t next = pop_front(worker_queue_, requests_);
    const Request& q = requests_[next];
    if (now_ - q.arrival > q.program->timeout_ns) {
      fail_without_service(next, FailReason::Timeout);
      continue;
    }
    if (start_depth_ >= kMaxStartDepth) {
      ++workers_busy_;  // reserved now; the Start event begins the work
      events_.push({now_, static_cast<std::uint32_t>(next), EventKind::Start});
      continue;
    }
    ++start_depth_;
    start_request(next);
    --start_depth_;
  }
}

void Simulation::push_back(FifoQueue& q, std::vector<Request>& requests, std::int32_t slot) {
  requests[slot].next_waiter = -1;
  if (q.tail >= 0) requests[q.tail].next_waiter = slot; else q.head = slot;
  q.tail = slot;
  ++q.length;
}

std::int32_t Simulation::pop_front(FifoQueue& q, std::vector<Request>& requests) {
  const std::int32_t slot = q.head;
  q.head = requests[slot].next_waiter;
  if (q.head < 0) q.tail = -1;
  --q.length;
  return slot;
}

// ============================================================================
// [SECTION] Traces: head-sampled and the slowest per window
// ============================================================================

void Simulation::record_trace(const Request& r, SimTime latency) {
  // Out of line: most requests keep no trace, and the check before it is what runs.
  auto fill = [&](Trace& t, bool tail) __attribute__((noinline)) {
    t.trace_id = r.rng.key();
    t.endpoint = r.endpoint;
    t.phase = r.phase;
    t.start = r.arrival;
    t.duration = latency;
    t.queued = r.service_start - r.arrival;
    t.error = r.error || latency > r.program->timeout_ns;
    t.tail_sampled = tail;
    t.spans.clear();
    const auto& infos = symbols_.endpoints()[r.endpoint].spans;
    for (std::uint32_t bits = r.spans_seen; bits != 0; bits &= bits - 1) {
      const int span = __builtin_ctz(bits);
      t.spans.push_back({static_cast<std::int16_t>(span), static_cast<std::int16_t>(infos[span].parent),
                         r.span_start[span] - r.arrival, r.span_duration[span]});
    }
    std::sort(t.spans.begin(), t.spans.end(), [](const TraceSpan& a, const TraceSpan& b) {
      return a.start_offset != b.start_offset ? a.start_offset < b.start_offset : a.span < b.span;
    });
  };
  if (r.traced) {
    if (traces_.size() >= static_cast<std::size_t>(kRunCaps.traces))
      throw RunBudgetError(run_cap_message("kept traces", kRunCaps.traces));
    traces_.emplace_back();
    fill(traces_.back(), false);
    return;
  }
  if (slowest_per_window_ <= 0) return;
  SlowTraces& slow = slow_traces_[r.endpoint];
  auto& kept = slow.kept;
  const bool full = static_cast<int>(kept.size()) >= slowest_per_window_;
  if (full && latency <= kept[slow.fastest].duration) return;  // most requests stop here
  if (!full) {
    kept.emplace_back();
    fill(kept.back(), true);
  } else {
    fill(kept[slow.fastest], true);
  }
  if (static_cast<int>(kept.size()) < slowest_per_window_) return;
  slow.fastest = static_cast<std::size_t>(
      std::min_element(kept.begin(), kept.end(), [](const Trace& a, const Trace& b) { return a.duration < b.duration; }) -
      kept.begin());
}

void Simulation::flush_traces() {
  for (auto& slow : slow_traces_) {
    std::sort(slow.kept.begin(), slow.kept.end(), [](const Trace& a, const Trace& b) { return a.start < b.start; });
    for (auto& t : slow.kept) traces_.push_back(t);
    slow.kept.clear();
  }
}

// ============================================================================
// [SECTION] Stages: deploys, config changes and fixes
// ============================================================================

void Simulation::apply_stage(std::uint32_t index) {
  const Stage stage = stages_[index];
  if (stage.cancelled) return;
  advance_cpu();
  if (!stage.kind.empty() || !stage.text.empty()) recorder_.log(now_, stage.kind, stage.service, stage.text);
  if (!stage.phase.empty()) recorder_.start_phase(stage.phase, now_);
  switch_model(stage.model);
}

void Simulation::switch_model(int model_index) {
  const CompiledModel& before = *model_;
  current_model_ = model_index;
  model_ = models_[static_cast<std::size_t>(current_model_)].get();
  const CompiledModel& after = *model_;
  cpu_.set_cores(after.service.cores);
  reschedule_cpu();
  if (!same_load(before.load, after.load)) {
    // The arrival drawn under the old load goes to the heap, where it comes
    // up and is dropped as it always has (it still counts as an event).
    if (arrival_due_ >= 0) events_.push({arrival_due_, arrival_generation_, EventKind::Arrival});
    ++arrival_generation_;
    next_arrival_ = now_;
    schedule_next_arrival();
  }
  if (!before.background.empty() || !after.background.empty()) {
    background_generation_ = (background_generation_ + 1) & 0xffffffu;
    schedule_background();
  }
  grant_lock_waiters();  // a bigger pool: waiters take the new permits
  start_queued();        // more workers: start whoever is queued
}

void Simulation::grant_lock_waiters() {
  const CompiledModel& model = *model_;
  for (std::size_t id = 0; id < lock_state_.size(); ++id) {
    Lock& lock = lock_state_[id];
    while (lock.head >= 0 && lock.held < model.permits(static_cast<int>(id))) {
      const std::int32_t next = lock.head;
      lock.head = requests_[next].next_waiter;
      if (lock.head < 0) lock.tail = -1;
      ++lock.held;
      events_.push({now_, static_cast<std::uint32_t>(next), EventKind::OpDone});
    }
  }
}

}  // namespace perfloop
