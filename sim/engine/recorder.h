// Turns what the engine does into the five signals. The engine calls these
// hooks from its inner loop, so they only add to preallocated accumulators;
// summarising happens once per window and once per phase.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/program.h"
#include "sim/engine/signals.h"
#include "sim/engine/symbols.h"

namespace perfloop {

enum class FailReason : std::uint8_t { Timeout, Downstream, Rejected };

struct CompletedRequest {
  int endpoint = 0;
  int phase = 0;
  SimTime latency = 0;
  bool error = false;
  bool slo_bad = false;  // an error, or slower than the SLO threshold
  FailReason reason = FailReason::Timeout;
  std::uint32_t queries = 0;
  std::uint32_t syscalls = 0;
  std::int64_t payload_bytes = 0;
  std::uint32_t spans_seen = 0;  // bit per local span index
  const SimTime* span_duration = nullptr;
  bool has_rum = false;
  SimTime lcp = 0;
  SimTime inp = 0;
};

class Recorder {
 public:
  void begin(const Symbols& symbols, const std::string& first_phase, SimTime window);
  // Grows the dense tables after a new model variant added names.
  void grow(const Symbols& symbols);

  void on_arrival() {
    ++window_arrivals_;
    ++phases_.back().arrivals;
  }
  // Every stretch of simulated time passes through here once, with the cores
  // that existed then, so utilisation stays right when a change adds cores.
  void on_cpu_interval(int busy_cores, int cores, SimTime dt) {
    const double busy = static_cast<double>(busy_cores) * static_cast<double>(dt);
    const double available = static_cast<double>(cores) * static_cast<double>(dt);
    window_busy_ns_ += busy;
    window_core_ns_ += available;
    phases_.back().busy_core_ns += busy;
    phases_.back().core_ns += available;
  }
  void on_cpu_sample(int endpoint, std::uint32_t stack) {
    ++window_profile_.at(endpoint, stack).cpu_samples;
    ++phases_.back().profile.at(endpoint, stack).cpu_samples;
  }
  void on_cpu_work(int endpoint, std::uint32_t stack, SimTime ns) {
    const auto u = static_cast<std::uint64_t>(ns);
    window_profile_.at(endpoint, stack).cpu_ns += u;
    phases_.back().profile.at(endpoint, stack).cpu_ns += u;
    window_cpu_ns_ += static_cast<double>(ns);
  }
  void on_gc_work(int endpoint, const Op& op, SimTime malloc_ns, SimTime scan_ns, std::int64_t alloc_bytes);
  void on_wait(int endpoint, std::uint32_t stack, SimTime ns, bool mutex);
  void on_gc_cycles(std::int64_t cycles, SimTime pause) {
    window_gc_cycles_ += static_cast<std::uint32_t>(cycles);
    window_gc_pause_ns_ += pause;
    phases_.back().gc_cycles += static_cast<std::uint64_t>(cycles);
  }
  void on_complete(const CompletedRequest& r);

  // Closes the window ending at `now`; returns it (also kept in windows()).
  const WindowStats& close_window(SimTime now, const CompiledModel& model);
  void start_phase(const std::string& name, SimTime now);
  void finish(SimTime now);
  void log(SimTime t, std::string kind, std::string service, std::string text);

  int phase() const { return static_cast<int>(phases_.size()) - 1; }
  const std::vector<WindowStats>& windows() const { return windows_; }
  const std::vector<PhaseStats>& phases() const { return phases_; }
  const std::vector<LogEvent>& events() const { return events_; }
  std::uint64_t completed() const { return completed_; }

 private:
  struct EndpointAccumulator {
    std::uint64_t completed = 0, errors = 0, slo_bad = 0, queries = 0;
    std::uint64_t timeouts = 0, downstream_errors = 0, rejected = 0;
    LogHistogram latency_ns, payload_bytes, lcp_ns, inp_ns;
    std::vector<SimTime> span_ns_sum;       // per local span, this window
    std::vector<std::uint32_t> span_count;
    bool spans_seen = false;
  };
  struct AlertState {
    bool firing = false;
  };
  void new_phase_tables(PhaseStats& phase) const;
  void update_alerts(SimTime now, const CompiledModel& model, WindowStats& window);
  void log_errors(SimTime now);

  SimTime window_ns_ = 0;
  SimTime window_start_ = 0;
  std::size_t endpoint_count_ = 0;
  std::size_t stack_count_ = 0;
  std::vector<std::size_t> span_counts_;
  std::vector<EndpointAccumulator> window_endpoints_;
  Profile window_profile_;
  std::uint64_t window_arrivals_ = 0;
  double window_busy_ns_ = 0.0;
  double window_core_ns_ = 0.0;
  double window_cpu_ns_ = 0.0;
  double window_gc_ns_ = 0.0;
  double window_alloc_bytes_ = 0.0;
  std::uint32_t window_gc_cycles_ = 0;
  SimTime window_gc_pause_ns_ = 0;
  std::vector<AlertState> alerts_;
  std::vector<SimTime> last_error_log_;
  std::vector<std::string> endpoint_names_;
  std::uint64_t completed_ = 0;

  std::vector<WindowStats> windows_;
  std::vector<PhaseStats> phases_;
  std::vector<LogEvent> events_;
};

}  // namespace perfloop
