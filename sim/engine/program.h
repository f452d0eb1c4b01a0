// A model variant compiled for execution: each endpoint's span tree is
// flattened into a list of ops a request steps through, with every duration
// in nanoseconds and every frame resolved to a stack id. Compiled once per
// variant, before the run; the engine's inner loop only reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/engine/model.h"
#include "sim/engine/rng.h"
#include "sim/engine/symbols.h"
#include "sim/engine/time.h"

namespace perfloop {

enum class OpKind : std::uint8_t {
  SpanEnter,
  SpanExit,
  Cpu,          // a CPU job under processor sharing
  Wait,         // off-CPU wait
  Downstream,   // off-CPU wait for a remote call; may fail; records payload
  // A request's round trips: draws how many (whole, from count, batch and
  // size) and the summed variation of the per-trip ops that follow it, which
  // then run once for all of them: one CPU job, one wait. `jump` skips them
  // when there are none.
  RoundTrips,
  LockAcquire,
  LockRelease,
};

struct Op {
  OpKind kind = OpKind::Cpu;
  Distribution::Kind dist = Distribution::Kind::Fixed;
  std::uint8_t counts_as_query = 0;  // Cpu op of a RoundTrips: adds the request's round trips to its queries
  std::uint8_t trip_part = 0;        // 1: the per-trip CPU after a RoundTrips, 2: its per-trip wait
  std::uint8_t sized = 0;            // scale sized_ns, allocation and payload by the request's size
  std::uint8_t merge_next = 0;       // Cpu: the next op is more CPU work of the same job
  std::int16_t span = -1;            // SpanEnter/SpanExit: local span index
  std::uint32_t uid = 0;             // stable per-op id, for random-number counters
  std::uint32_t stack = kNoStack;    // where CPU or waiting time is attributed
  std::uint32_t malloc_stack = kNoStack;
  std::uint32_t scan_stack = kNoStack;
  double cv = 0.0;
  LogNormalShape shape;    // LogNormal: log-space parameters for cv, mean 1
  SimTime mean_ns = 0;     // self CPU or wait, fixed part
  SimTime sized_ns = 0;    // part proportional to the request's size factor
  SimTime malloc_ns = 0;   // Cpu: runtime.mallocgc CPU for alloc_bytes
  SimTime scan_ns = 0;     // Cpu: GC mark-assist CPU for alloc_bytes
  std::int64_t alloc_bytes = 0;
  std::int64_t payload_bytes = 0;  // Downstream
  std::int32_t syscalls = 0;       // Cpu: system calls this op makes
  double error_prob = 0.0;         // Downstream
  double items = 0.0;              // RoundTrips: mean items per request (a fraction drawn per request)
  double batch = 1.0;              // RoundTrips: items per round trip
  std::int32_t jump = -1;          // RoundTrips: the op after its per-trip ops
  std::int32_t lock = -1;          // LockAcquire/LockRelease
};

struct ClientModel {
  bool enabled = false;
  ClientSpec spec;
  // The spreads of the page load's draws (bandwidth, device speed, time to
  // first byte), worked out once rather than per request.
  UnitLogNormal bandwidth, device, ttfb;
};

struct EndpointProgram {
  int endpoint = -1;        // Symbols endpoint id
  double share = 0.0;       // normalised
  SimTime timeout_ns = 0;
  double size_cv = 0.0;
  UnitLogNormal size;  // the size factor's draw, of spread size_cv
  double size_max = 1e3;
  std::vector<Op> ops;
  ClientModel client;
};

// Consecutive CPU ops of one span run as one processor-sharing job (the
// request stays runnable between them, so the timing is identical) with up
// to this many ops, each keeping its own stacks for the profile.
constexpr int kMaxOpsPerCpuJob = 4;

// Round trips one queries step may make per request (count / batch). The
// loader refuses more, with the field's name; the compiler holds it for
// models built any other way.
inline constexpr double kMaxRoundTripsPerStep = 1e5;

// A background job compiled: its timer and a tiny program (take the lock,
// hold it, let go) run in a request slot that is never recorded.
struct BackgroundProgram {
  SimTime every_ns = 0;
  SimTime start_ns = 0;
  EndpointProgram program;
};

// At most this many background jobs per model.
inline constexpr int kMaxBackgroundJobs = 16;

struct CompiledModel {
  ServiceSpec service;
  LoadSpec load;
  SloSpec slo;
  int slo_endpoint = -1;
  SimTime slo_threshold_ns = 0;  // slo.threshold_ms in ns, converted once rather than per request
  double trace_sample_rate = 0.0;
  SimTime profile_period_ns = 10 * kNsPerMs;  // CPU time between samples
  SimTime stw_pause_ns = 0;
  std::int64_t gc_trigger_bytes = 0;  // allocation between GC cycles
  std::vector<EndpointProgram> endpoints;  // indexed by Symbols endpoint id
  std::vector<double> share_cdf;           // cumulative shares by endpoint id
  int lock_count = 0;
  std::vector<int> lock_permits;  // by lock id; a lock this model does not use admits 1
  std::vector<BackgroundProgram> background;
  // Peak arrival rate over the load curve, for thinning.
  double max_rate_per_ns = 0.0;
  double peak_factor = 1.0;

  double rate_factor(double t_s) const;
  int permits(int lock) const {
    return lock >= 0 && lock < static_cast<int>(lock_permits.size()) ? lock_permits[static_cast<std::size_t>(lock)] : 1;
  }
};

struct LockTable {
  std::vector<std::string> names;
  int id(const std::string& name);
};

// Compiles `model`; frames, stacks, endpoints, spans and locks are interned in
// the shared tables. Throws std::invalid_argument on a model the engine cannot run.
std::shared_ptr<const CompiledModel> compile_model(const ModelSpec& model, Symbols& symbols, LockTable& locks);

}  // namespace perfloop
