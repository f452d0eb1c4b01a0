// What one run may cost. A scenario can ask for any load, duration and
// per-request work, and the engine would obediently simulate for days; these
// caps turn such a request into a clear refusal. A plan is estimated before
// it runs (expected requests, events, kept traces, windows), and the engine
// also counts as it goes, so a run the estimate let through still stops at
// the same caps. The caps sit about ten times above the largest catalogue
// scenario (the /checkout incident: 1.6 million requests, 18.6 million events).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/engine/program.h"
#include "sim/engine/run_plan.h"

namespace perfloop {

struct RunCaps {
  double requests = 20e6;
  double events = 300e6;
  double traces = 250e3;   // sampled and tail-kept traces, each with its spans
  double windows = 60480;  // seven days of 10 s windows
  double samples = 50e6;   // CPU profile samples (profile_hz of CPU time)
  double memory_bytes = 1024.0 * 1024 * 1024;  // the recorder's tables: phases, windows, traces
  // Requests in the service at once (working or queued): each holds a slot
  // of about a kilobyte, so a queue that grows without end stops here.
  double requests_in_service = 262144;
};
inline constexpr RunCaps kRunCaps{};

class RunBudgetError : public std::invalid_argument {
 public:
  explicit RunBudgetError(const std::string& message) : std::invalid_argument(message) {}
};

struct RunCost {
  double requests = 0;
  double events = 0;
  double traces = 0;
  double windows = 0;
  double samples = 0;
  double memory_bytes = 0;
  double phase_bytes = 0;   // per-phase histograms and profiles, all phases
  double window_bytes = 0;  // per-window profile entries, all windows
  double phases = 0;
};

// Expected engine events for one request of the endpoint: its ops, loops
// multiplied out, plus its arrival.
double expected_events_per_request(const EndpointProgram& program);

// Expected CPU nanoseconds one request of the endpoint asks for (its own
// work, allocation and mark assists), loops multiplied out.
double expected_cpu_ns_per_request(const EndpointProgram& program);

// The plan's expected cost: `models[stage.model]` runs from each stage's
// time until the next. `symbols` holds what the models were compiled into.
RunCost estimate_run_cost(const RunPlan& plan, const std::vector<std::shared_ptr<const CompiledModel>>& models,
                          const Symbols& symbols);

// Throws RunBudgetError naming the first cap the cost passes and what drives it.
void check_run_cost(const RunCost& cost, const RunPlan& plan);

// Compiles the plan's models and checks its cost, without running it: what
// `perfloop check` does for a scenario's runs. Throws RunBudgetError, or
// std::invalid_argument for a model the engine cannot run.
void check_run_budget(const RunPlan& plan);

// The messages the engine's own counters give when a run passes a cap.
std::string run_cap_message(const char* what, double cap);

}  // namespace perfloop
