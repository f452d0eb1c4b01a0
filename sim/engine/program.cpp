#include "sim/engine/program.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/engine/rng.h"

namespace perfloop {

int LockTable::id(const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  names.push_back(name);
  return static_cast<int>(names.size()) - 1;
}

double CompiledModel::rate_factor(double t_s) const {
  const auto& curve = load.curve;
  if (curve.empty()) return 1.0;
  if (t_s <= curve.front().t_s) return curve.front().factor;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    if (t_s <= curve[i].t_s) {
      const auto& a = curve[i - 1];
      const auto& b = curve[i];
      const double span = b.t_s - a.t_s;
      return span <= 0 ? b.factor : a.factor + (b.factor - a.factor) * (t_s - a.t_s) / span;
    }
  }
  return curve.back().factor;
}

namespace {

// Bounds that keep every later double-to-integer conversion defined.
constexpr double kMaxSizeFactor = 1e3;

class EndpointCompiler {
 public:
  EndpointCompiler(const ModelSpec& model, int endpoint, Symbols& symbols, LockTable& locks, EndpointProgram& out,
                   std::vector<int>& permits)
      : model_(model), endpoint_(endpoint), symbols_(symbols), locks_(locks), out_(out), permits_(permits) {}

  void compile_span(const SpanSpec& span, std::uint32_t parent_stack, int parent_span, const std::string& path) {
    const int span_index = symbols_.span(endpoint_, span.name, parent_span);
    std::uint32_t stack = parent_stack;
    if (!span.frame.empty()) stack = symbols_.stack_path(parent_stack, span.frame);
    Op enter;
    enter.kind = OpKind::SpanEnter;
    enter.span = static_cast<std::int16_t>(span_index);
    out_.ops.push_back(enter);
    const std::string span_path = path + "/" + span.name;
    for (std::size_t i = 0; i < span.steps.size(); ++i) {
      const Step& step = span.steps[i];
      const std::string step_path = span_path + "#" + std::to_string(i);
      if (step.kind == Step::Kind::Span) {
        compile_span(span.children.at(static_cast<std::size_t>(step.child)), stack, span_index, span_path);
      } else {
        compile_step(step, stack, step_path);
      }
    }
    Op exit = enter;
    exit.kind = OpKind::SpanExit;
    out_.ops.push_back(exit);
  }

 private:
  std::uint32_t uid(const std::string& step_path, const char* part) const {
    return static_cast<std::uint32_t>(hash_name(out_name() + step_path + part));
  }
  const std::string& out_name() const { return symbols_.endpoints()[endpoint_].name; }

  // A CPU op; allocation adds runtime.mallocgc and GC mark-assist work under the same stack.
  Op cpu_op(std::uint32_t stack, double ms, double alloc_kb, const Distribution& dist, std::uint32_t op_uid,
            bool sized = false) const {
    Op op;
    op.kind = OpKind::Cpu;
    op.uid = op_uid;
    op.stack = stack;
    op.sized = sized ? 1 : 0;
    (sized ? op.sized_ns : op.mean_ns) = ms_to_ns(ms);
    op.dist = dist.kind;
    op.cv = dist.cv;
    op.alloc_bytes = static_cast<std::int64_t>(alloc_kb * 1024.0);
    const GcSpec& gc = model_.service.gc;
    if (gc.enabled && op.alloc_bytes > 0) {
      op.malloc_stack = symbols_.stack_path(stack, "runtime.mallocgc");
      const auto assist = symbols_.stack_path(op.malloc_stack, "runtime.gcAssistAlloc");
      op.scan_stack = symbols_.stack_path(assist, "runtime.scanobject");
      op.malloc_ns = static_cast<SimTime>(alloc_kb * gc.malloc_ns_per_kb);
      op.scan_ns = static_cast<SimTime>(alloc_kb * gc.scan_ns_per_kb * 100.0 / std::max(gc.gogc, 1.0));
    }
    return op;
  }

  void push(Op op) {
    if (op.dist == Distribution::Kind::LogNormal) op.shape = LogNormalShape::unit_mean(op.cv);
    out_.ops.push_back(op);
  }

  void push_cpu(Op op) {
    if (op.mean_ns > 0 || op.sized_ns > 0 || op.alloc_bytes > 0) push(op);
  }

  void compile_step(const Step& step, std::uint32_t span_stack, const std::string& path) {
    const std::uint32_t leaf = step.frame.empty() ? span_stack : symbols_.stack_path(span_stack, step.frame);
    switch (step.kind) {
      case Step::Kind::Cpu:
        push_cpu(cpu_op(leaf, step.ms, step.alloc_kb, step.dist, uid(path, "cpu"), step.sized));
        break;
      case Step::Kind::Wait: {
        Op op;
        op.kind = OpKind::Wait;
        op.uid = uid(path, "wait");
        op.stack = leaf;
        op.sized = step.sized ? 1 : 0;
        (step.sized ? op.sized_ns : op.mean_ns) = ms_to_ns(step.ms);
        op.dist = step.dist.kind;
        op.cv = step.dist.cv;
        if (op.mean_ns > 0 || op.sized_ns > 0) push(op);
        break;
      }
      case Step::Kind::Queries: {
        if (step.count <= 0) break;
        if (!(step.count / std::max(step.batch, 1.0) <= kMaxRoundTripsPerStep))
          throw std::invalid_argument("a queries step makes " + std::to_string(step.count / std::max(step.batch, 1.0)) +
                                      " round trips per request (count / batch), more than the engine allows (" +
                                      std::to_string(static_cast<long>(kMaxRoundTripsPerStep)) + ")");
        Op trips;
        trips.kind = OpKind::RoundTrips;
        trips.uid = uid(path, "loop");
        trips.items = step.count;
        trips.batch = std::max(step.batch, 1.0);
        trips.sized = step.sized ? 1 : 0;  // the per-trip ops below carry the variation
        const auto trips_index = out_.ops.size();
        out_.ops.push_back(trips);
        Op cpu = cpu_op(leaf, step.ms, step.alloc_kb, step.dist, uid(path, "query-cpu"));
        cpu.counts_as_query = 1;
        cpu.trip_part = 1;
        push(cpu);  // kept even when free: it counts the round trips
        Op wait;
        wait.kind = OpKind::Wait;
        wait.uid = uid(path, "query-rtt");
        wait.stack = leaf;
        wait.mean_ns = ms_to_ns(step.rtt_ms);
        wait.dist = step.dist.kind;
        wait.cv = step.dist.cv;
        wait.trip_part = 2;
        if (wait.mean_ns > 0) push(wait);
        out_.ops[trips_index].jump = static_cast<std::int32_t>(out_.ops.size());
        break;
      }
      case Step::Kind::Lock: {
        if (step.permits < 1) throw std::invalid_argument("lock " + step.lock + " needs at least 1 permit");
        Op acquire;
        acquire.kind = OpKind::LockAcquire;
        acquire.lock = locks_.id(step.lock);
        note_permits(acquire.lock, step);
        const std::string wait_frame =
            !step.wait_frame.empty() ? step.wait_frame : (step.permits > 1 ? kSemaphoreWaitFrame : kMutexWaitFrame);
        acquire.stack = symbols_.stack_path(leaf, wait_frame);
        out_.ops.push_back(acquire);
        push_cpu(cpu_op(leaf, step.ms, step.alloc_kb, step.dist, uid(path, "critical"), step.sized));
        for (std::size_t i = 0; i < step.inner.size(); ++i) {
          const Step& inner = step.inner[i];
          if (inner.kind == Step::Kind::Span || inner.kind == Step::Kind::Lock)
            throw std::invalid_argument("lock " + step.lock + " holds a span or another lock; it may hold only plain steps");
          compile_step(inner, leaf, path + ">" + std::to_string(i));  // called by the code that holds the lock
        }
        Op release = acquire;
        release.kind = OpKind::LockRelease;
        out_.ops.push_back(release);
        break;
      }
      case Step::Kind::Syscalls: {
        // Calls are whole: 30 writes buffered 500 at a time are one call.
        const double calls = step.count > 0 ? std::ceil(step.count / std::max(step.batch, 1.0) - 1e-9) : 0.0;
        Op op = cpu_op(leaf, calls * step.ms, step.alloc_kb, step.dist, uid(path, "syscalls"), step.sized);
        op.syscalls = static_cast<std::int32_t>(std::min(calls, 1e9));
        if (op.syscalls > 0) push(op); else push_cpu(op);  // a free call is still counted
        if (step.block_ms > 0 && calls > 0) {
          Op blocked;
          blocked.kind = OpKind::Wait;
          blocked.uid = uid(path, "syscalls-blocked");
          blocked.stack = leaf;
          blocked.sized = step.sized ? 1 : 0;
          (step.sized ? blocked.sized_ns : blocked.mean_ns) = ms_to_ns(calls * step.block_ms);
          blocked.dist = step.dist.kind;
          blocked.cv = step.dist.cv;
          push(blocked);
        }
        break;
      }
      case Step::Kind::Downstream: {
        Op call;
        call.kind = OpKind::Downstream;
        call.uid = uid(path, "call");
        call.stack = symbols_.stack_path(span_stack, "net/http.(*Client).Do");
        call.sized = step.sized ? 1 : 0;
        call.mean_ns = ms_to_ns(step.rtt_ms + step.remote_ms);
        const SimTime per_kb_ns = ms_to_ns(step.remote_ms_per_kb * step.payload_kb);
        (step.sized ? call.sized_ns : call.mean_ns) += per_kb_ns;
        call.dist = step.dist.kind;
        call.cv = step.dist.cv;
        call.payload_bytes = static_cast<std::int64_t>(step.payload_kb * 1024.0);
        call.error_prob = step.error_prob;
        push(call);
        const std::string decode_frame = step.frame.empty() ? "encoding/json.Unmarshal" : step.frame;
        const auto decode_stack = symbols_.stack_path(span_stack, decode_frame);
        push_cpu(cpu_op(decode_stack, step.decode_ms_per_kb * step.payload_kb, step.decode_alloc_per_kb * step.payload_kb,
                        step.dist, uid(path, "decode"), step.sized));
        break;
      }
      case Step::Kind::Span:
        break;  // handled by compile_span
    }
  }

  // Every step that names a lock must give it the same number of permits.
  void note_permits(int lock, const Step& step) {
    auto& permits = permits_;
    if (static_cast<int>(permits.size()) <= lock) permits.resize(static_cast<std::size_t>(lock) + 1, 0);
    int& known = permits[static_cast<std::size_t>(lock)];
    if (known != 0 && known != step.permits)
      throw std::invalid_argument("lock " + step.lock + " has " + std::to_string(known) + " permits in one step and " +
                                  std::to_string(step.permits) + " in another");
    known = step.permits;
  }

  const ModelSpec& model_;
  int endpoint_;
  Symbols& symbols_;
  LockTable& locks_;
  EndpointProgram& out_;
  std::vector<int>& permits_;  // by lock id over the whole model, 0 where no step has said
};

// Chains consecutive Cpu ops (no span boundary, wait or loop between them)
// into jobs of at most kMaxOpsPerCpuJob ops.
void mark_cpu_runs(std::vector<Op>& ops) {
  int run = 1;
  for (std::size_t i = 0; i + 1 < ops.size(); ++i) {
    const bool chain = ops[i].kind == OpKind::Cpu && ops[i + 1].kind == OpKind::Cpu && run < kMaxOpsPerCpuJob;
    ops[i].merge_next = chain ? 1 : 0;
    run = chain ? run + 1 : 1;
  }
}

// Each background job becomes a program of three ops: take its lock, hold
// it off-CPU, let it go. Its stacks are kNoStack: nothing of it is recorded
// but what it does to the requests waiting behind it.
void compile_background(const ServiceSpec& service, LockTable& locks, const std::vector<int>& permits,
                        CompiledModel& compiled) {
  if (service.background.size() > static_cast<std::size_t>(kMaxBackgroundJobs))
    throw std::invalid_argument("more than " + std::to_string(kMaxBackgroundJobs) + " background jobs");
  for (const BackgroundSpec& job : service.background) {
    const int lock = locks.id(job.lock);
    if (lock >= static_cast<int>(permits.size()) || permits[static_cast<std::size_t>(lock)] == 0)
      throw std::invalid_argument("background job " + job.name + " takes lock " + job.lock +
                                  ", which no request step takes");
    if (!(job.every_s >= 0.001)) throw std::invalid_argument("background job " + job.name + " needs every_s >= 0.001");
    BackgroundProgram bg;
    bg.every_ns = s_to_ns(job.every_s);
    bg.start_ns = job.start_s < 0 ? bg.every_ns : s_to_ns(job.start_s);
    Op acquire;
    acquire.kind = OpKind::LockAcquire;
    acquire.lock = lock;
    Op hold;
    hold.kind = OpKind::Wait;
    hold.mean_ns = ms_to_ns(job.hold_ms);
    Op release = acquire;
    release.kind = OpKind::LockRelease;
    bg.program.ops = {acquire, hold, release};
    bg.program.timeout_ns = std::numeric_limits<SimTime>::max();
    compiled.background.push_back(std::move(bg));
  }
}

}  // namespace

std::shared_ptr<const CompiledModel> compile_model(const ModelSpec& model, Symbols& symbols, LockTable& locks) {
  if (model.endpoints.empty()) throw std::invalid_argument("the model has no endpoints");
  auto compiled = std::make_shared<CompiledModel>();
  compiled->service = model.service;
  compiled->load = model.load;
  compiled->slo = model.slo;
  compiled->slo_threshold_ns = ms_to_ns(model.slo.threshold_ms);
  compiled->trace_sample_rate = model.trace_sample_rate;
  compiled->profile_period_ns = static_cast<SimTime>(1e9 / std::max(model.profile_hz, 1e-3));
  const GcSpec& gc = model.service.gc;
  compiled->stw_pause_ns = gc.enabled ? ms_to_ns(gc.stw_pause_ms) : 0;
  compiled->gc_trigger_bytes =
      gc.enabled ? static_cast<std::int64_t>(gc.live_heap_mb * 1024.0 * 1024.0 * std::max(gc.gogc, 1.0) / 100.0) : 0;

  const ServiceSpec& service = model.service;
  if (service.cores < 1) throw std::invalid_argument("service.cores must be at least 1");
  if (service.workers < 1) throw std::invalid_argument("service.workers must be at least 1");
  if (service.queue_limit < 0) throw std::invalid_argument("service.queue_limit must not be negative");
  // Every stack starts at a root frame, so no work is ever left without one.
  const std::uint32_t root = symbols.stack(kNoStack, symbols.frame(service.root_frame.empty() ? service.name : service.root_frame));
  double total_share = 0.0;
  for (const auto& ep : model.endpoints) total_share += ep.share;
  std::vector<int> permits;
  if (!(total_share > 0)) throw std::invalid_argument("endpoint shares must add up to more than 0");

  for (const auto& ep : model.endpoints) {
    const int id = symbols.endpoint(ep.name);
    if (static_cast<int>(compiled->endpoints.size()) <= id) compiled->endpoints.resize(static_cast<std::size_t>(id) + 1);
    EndpointProgram& program = compiled->endpoints[static_cast<std::size_t>(id)];
    program.endpoint = id;
    program.share = ep.share / total_share;
    program.timeout_ns = ms_to_ns(ep.timeout_ms);
    program.size_cv = ep.size_cv;
    program.size = UnitLogNormal::with_cv(ep.size_cv);
    program.size_max = std::min(ep.size_max, kMaxSizeFactor);
    program.client.enabled = ep.client.enabled;
    program.client.spec = ep.client;
    program.client.bandwidth = UnitLogNormal::with_cv(0.6);
    program.client.device = UnitLogNormal::with_cv(ep.client.device_cv);
    program.client.ttfb = UnitLogNormal::with_cv(0.3);
    EndpointCompiler(model, id, symbols, locks, program, permits).compile_span(ep.root, root, -1, "");
    mark_cpu_runs(program.ops);
  }
  // Endpoints known from other variants but absent here get no traffic.
  compiled->endpoints.resize(symbols.endpoints().size());
  double cumulative = 0.0;
  for (auto& program : compiled->endpoints) {
    cumulative += program.share;
    compiled->share_cdf.push_back(cumulative);
  }
  compiled->share_cdf.back() = 1.0 + 1e-12;
  compiled->slo_endpoint = model.slo.endpoint.empty() ? -1 : symbols.find_endpoint(model.slo.endpoint);
  compile_background(model.service, locks, permits, *compiled);
  compiled->lock_count = static_cast<int>(locks.names.size());
  compiled->lock_permits.assign(locks.names.size(), 1);
  for (std::size_t i = 0; i < permits.size(); ++i)
    if (permits[i] > 0) compiled->lock_permits[i] = permits[i];

  double peak = 1.0;
  if (!model.load.curve.empty()) {
    peak = 0.0;
    for (const auto& point : model.load.curve) peak = std::max(peak, point.factor);
  }
  compiled->peak_factor = peak;
  compiled->max_rate_per_ns = model.load.rps * peak / 1e9;
  return compiled;
}

}  // namespace perfloop
