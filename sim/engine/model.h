// The model a scenario describes, as plain data. The scenario loader fills it
// from Lua; the program compiler turns it into flat ops the engine executes.
// Units are in the field names; every duration the engine uses is later
// converted to integer nanoseconds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace perfloop {

// How a per-request quantity varies around its mean.
struct Distribution {
  enum class Kind { Fixed, Exponential, LogNormal };
  Kind kind = Kind::Fixed;
  double cv = 0.0;  // coefficient of variation, LogNormal only
};

// One unit of work inside a span, executed in order.
struct Step {
  enum class Kind {
    Cpu,         // self CPU time in `frame`, optionally allocating
    Wait,        // off-CPU wait (I/O, sleep) attributed to `frame`
    Queries,     // N+1 round trips: ceil(count/batch) × (cpu on frame + rtt wait)
    Lock,        // critical section under the named lock: `ms` of CPU, then `inner` steps
    Syscalls,    // ceil(count/batch) calls × (CPU per call + blocking time per call)
    Downstream,  // wait for a remote service, then decode its payload
    Span,        // a child span (index into SpanSpec::children)
  };
  Kind kind = Kind::Cpu;
  std::string frame;  // leaf frame the work is attributed to

  // Cpu / Wait / Lock: mean milliseconds of the work and its variation.
  double ms = 0.0;
  Distribution dist;
  // Bytes allocated by this step (Cpu, Queries per query, Downstream decode,
  // Syscalls); drive mallocgc and scanobject CPU and GC cycles.
  double alloc_kb = 0.0;

  // Queries and Syscalls
  double count = 0.0;   // items per request before batching (rows looked up, writes made)
  double batch = 1.0;   // items per round trip / call; >= 1. Calls are whole: ceil(items / batch)
  double rtt_ms = 0.0;  // Queries and Downstream: network round trip
  // Queries: CPU per round trip is `ms`; Syscalls: CPU per call is `ms`.
  double block_ms = 0.0;  // Syscalls: time per call blocked in the kernel, off-CPU (fsync, a slow disk)

  // Lock
  std::string lock;  // lock name shared by every request that takes it
  // How many holders the lock admits at once: 1 is a mutex, more a
  // semaphore such as a connection pool. Every step naming the lock in one
  // model must agree; a config change may resize it.
  int permits = 1;
  std::string wait_frame;    // frame of the wait for the lock; empty: the default for its permits
  std::vector<Step> inner;   // steps done while holding the lock (no spans, no nested locks)

  // Downstream
  std::string service;           // remote service name
  double remote_ms = 0.0;        // remote processing time, fixed part
  double remote_ms_per_kb = 0.0; // remote processing and transfer per payload KB
  double payload_kb = 0.0;       // response body size
  double decode_ms_per_kb = 0.0; // local CPU to decode per KB (frame `frame`)
  double decode_alloc_per_kb = 0.0;  // KB allocated per KB decoded
  double error_prob = 0.0;       // probability the call fails (request errors)

  // Sized steps scale their size-proportional part (Cpu/Wait/Lock: ms;
  // Downstream: payload, remote_ms_per_kb time and decoding; Queries: the
  // item count, so the round trips; allocation) by the request's size
  // factor, e.g. how many items a cart holds.
  bool sized = false;

  // Span
  int child = -1;
};

struct SpanSpec {
  std::string name;
  std::string frame;  // code frame of this span, pushed on the stack (optional)
  std::vector<Step> steps;
  std::vector<SpanSpec> children;  // referenced by Step::child
};

// One module of a route's JavaScript bundle, for the bundle analyzer.
struct BundleModule {
  std::string name;
  double kb = 0.0;
  double execute_ms = 0.0;  // its part of the page's script execution
};

// What the browser does for a route whose page calls this endpoint.
struct ClientSpec {
  bool enabled = false;
  std::string route;
  double bundle_kb = 0.0;
  double bandwidth_mbps = 10.0;  // mean user bandwidth (log-normal across users, cv 0.6)
  double ttfb_ms = 100.0;        // document first byte from the CDN
  double parse_compile_ms_per_kb = 0.05;
  double execute_ms = 50.0;
  double device_cv = 0.5;        // spread of device speed across users
  double inp_handler_ms = 40.0;  // event handler work for interactions
  // What the bundle is made of (optional). Given modules, bundle_kb is their
  // sum; a module without execute_ms takes its share of execute_ms by size.
  std::vector<BundleModule> modules;
};

struct EndpointSpec {
  std::string name;     // "/checkout"
  double share = 1.0;   // fraction of traffic (normalised over endpoints)
  double timeout_ms = 5000.0;
  // Spread of request sizes: each request draws a log-normal size factor with
  // mean 1 and this coefficient of variation (0: every request the same).
  double size_cv = 0.0;
  double size_max = 1e3;  // largest size factor (carts have an item limit)
  SpanSpec root;
  ClientSpec client;
};

struct GcSpec {
  bool enabled = true;
  double gogc = 100.0;             // heap growth percentage before a cycle
  double live_heap_mb = 64.0;      // live heap the collector must mark
  double malloc_ns_per_kb = 200.0; // runtime.mallocgc CPU per KB allocated
  double scan_ns_per_kb = 400.0;   // runtime.scanobject CPU per KB allocated at GOGC=100
  double stw_pause_ms = 0.5;       // stop-the-world pause per cycle
};

struct LoadPoint {
  double t_s = 0.0;
  double factor = 1.0;
};

struct LoadSpec {
  double rps = 100.0;              // mean arrivals per second across endpoints
  std::vector<LoadPoint> curve;    // piecewise-linear rate factor over time
};

struct SloAlertSpec {
  std::string name;
  double burn_rate = 10.0;
  double short_window_s = 300.0;
  double long_window_s = 1800.0;
};

struct SloSpec {
  std::string endpoint;            // empty: no SLO
  double threshold_ms = 500.0;     // a request slower than this is "bad"
  double objective = 0.99;         // share of good requests promised
  std::vector<SloAlertSpec> alerts;
};

// Work the service does on a timer, outside any request, holding a lock:
// a cache refresh or a compaction that blocks requests while it runs.
struct BackgroundSpec {
  std::string name;         // "catalog-refresh"
  std::string lock;         // a lock some request step takes
  double every_s = 60.0;    // period
  double start_s = -1.0;    // first run; negative: one period in
  double hold_ms = 100.0;   // how long it holds the lock (off-CPU, e.g. reading a snapshot)
};

// Lock-wait frames the engine pushes under the step that waits: a mutex, or
// a lock with more than one permit (a semaphore, a pool), unless the step
// names its own wait_frame.
inline constexpr const char* kMutexWaitFrame = "sync.(*Mutex).Lock";
inline constexpr const char* kSemaphoreWaitFrame = "semaphore.(*Weighted).Acquire";

struct ServiceSpec {
  std::string name = "service";
  std::string root_frame;  // outermost frame of every request stack
  int cores = 4;
  int workers = 64;        // requests served at once; the rest queue FIFO
  int queue_limit = 10000; // beyond this a request is rejected at once
  GcSpec gc;
  std::vector<BackgroundSpec> background;
};

// Everything the engine needs to run one configuration of the service.
// A timeline event or a fix produces another ModelSpec (same names).
struct ModelSpec {
  ServiceSpec service;
  LoadSpec load;
  SloSpec slo;
  std::vector<EndpointSpec> endpoints;
  double trace_sample_rate = 0.001;  // head-based sampling of traces
  double profile_hz = 100.0;         // CPU samples per CPU-second
};

using ParamValues = std::map<std::string, double>;

// A scheduled change: at `at_s` the model switches to `model` (built from the
// params after `set` was applied) and, if `phase` is non-empty, a phase starts.
struct TimelineEvent {
  double at_s = 0.0;
  std::string phase;
  std::string kind;     // deploy, config, fix, load
  std::string service;  // which service changed
  std::string text;     // one-line diff shown in the deploy log
  ParamValues set;
};

struct FixSpec {
  std::string id;
  std::string title;
  std::string phase = "after_fix";
  std::string text;  // what the fix does and why it helps or not: the debrief shows it
  // What it works on: the cause, a symptom (the hot frame, not why it is
  // hot), or elsewhere (a component off the critical path). Optional.
  std::string touches;
  ParamValues set;
};

// The eight bottleneck families, as scenario files spell them.
inline constexpr const char* kFamilies[] = {"cpu-algorithmic", "allocation-bound", "cache-bound", "lock-bound",
                                            "io-n-plus-1",     "syscall-bound",    "jit-deopt",   "bundle-bound"};

// What moved, where, and when: the answer to Observe.
struct SymptomSpec {
  std::string endpoint;          // "/checkout"
  std::string metric = "p99";    // p50, p99, error_rate, rps, lcp, inp
  double onset_s = 0.0;          // when it started moving
  std::string side = "server";   // server, or client (RUM)
  // What the headline must come back to for a fix to be a "go", in the
  // metric's unit (ms, %, req/s). Defaults: the SLO threshold for p50/p99 on
  // the SLO endpoint, 2500 ms for LCP, 200 ms for INP.
  double target = 0.0;
};

// The truth about one bottleneck, and what the loop's steps are graded on.
struct BottleneckSpec {
  std::string id;
  std::string title;
  SymptomSpec symptom;
  std::string stream;                   // the data to capture: cpu, alloc, offcpu, trace, bundle
  std::string hot_frame;                // the frame that stands out in that stream
  std::string hot_span;                 // the span that stands out in traces (optional)
  std::vector<std::string> families;    // one or two of kFamilies
  std::string root_cause;               // one paragraph
  std::vector<std::string> right_fixes; // fix ids that address the cause
  std::vector<std::string> wrong_fixes; // plausible fix ids that do not (at least two)
  std::map<std::string, std::string> hints;  // step name (observe, profile, ...) -> hint
  std::string debrief;
};

// Something a learner can put in place at Enforce.
struct GateSpec {
  std::string id;
  // bundle-budget, query-count, alloc-diff, load-test-p99, payload-contract, alert, runbook
  std::string kind;
  std::string title;
  std::string endpoint;         // what it watches (empty for runbook entries)
  double threshold = 0.0;       // the suggested threshold, in `unit`
  std::string unit;             // "KB", "queries", "%", "x median", ...
  std::string description;      // what it checks and what it costs
  // How the replay measures it (see kGateMeasures): the figure, and the rule
  // that trips it: "above" (after > threshold), "growth" (after grew by more
  // than threshold %), "ratio" (after / before > threshold).
  std::string measure;
  std::string rule;
  std::string frame;            // for measure "frame_ms"
  ParamValues params;           // the fixture the check runs on (e.g. a small test graph)
};

// What a gate can measure, per request of its endpoint unless noted.
inline constexpr const char* kGateMeasures[] = {
    "p99_ms",      "lcp_p75_ms", "queries",  "alloc_kb", "payload_kb", "payload_kb_p99", "cpu_ms",
    "frame_ms",    "mutex_ms",   "syscalls", "cpu_pct",  "gc_cpu_pct", "burn_rate",      "bundle_kb"};

// A change in the months after the incident, replayed against the chosen gates.
struct FutureChangeSpec {
  double day = 0.0;           // days after the incident
  std::string title;          // "search-service adds facets to /search responses"
  std::string text;           // the one-line diff
  ParamValues set;            // what it does to the model
  bool harmful = false;       // a regression (true) or a harmless change a too-tight gate would block
};

struct EnforceSpec {
  std::vector<GateSpec> gates;
  std::vector<FutureChangeSpec> future;  // sorted by day
};

struct ParamSpec {
  std::string name;
  double default_value = 0.0;
  double min = -1e300;
  double max = 1e300;
  std::string unit;
  std::string description;
};

}  // namespace perfloop
