#include "sim/engine/run_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/engine/histogram.h"
#include "sim/engine/signals.h"

namespace perfloop {

namespace {

std::string figure(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

// ∫ rate_factor(t) dt over [from_s, to_s): the curve is piecewise linear
// between its points and flat outside them.
double factor_integral(const CompiledModel& model, double from_s, double to_s) {
  if (to_s <= from_s) return 0.0;
  std::vector<double> cuts{from_s, to_s};
  for (const LoadPoint& point : model.load.curve)
    if (point.t_s > from_s && point.t_s < to_s) cuts.push_back(point.t_s);
  std::sort(cuts.begin(), cuts.end());
  double area = 0.0;
  for (std::size_t i = 1; i < cuts.size(); ++i)
    area += (cuts[i] - cuts[i - 1]) * (model.rate_factor(cuts[i - 1]) + model.rate_factor(cuts[i])) / 2.0;
  return area;
}

}  // namespace

// Calls `count(op, work, runs)` for each op: how many times a request does
// its work, and how many times the engine steps through it. The ops after a
// RoundTrips do the work of every trip in one step.
template <typename Count>
void walk_ops(const EndpointProgram& program, Count count) {
  double trips = 1.0;
  std::int32_t trips_end = -1;
  for (std::size_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    if (op.kind == OpKind::RoundTrips) {
      trips = std::ceil(std::max(op.items, 0.0) / std::max(op.batch, 1.0));
      trips_end = op.jump;
      continue;
    }
    const bool in_trips = static_cast<std::int32_t>(i) < trips_end;
    count(op, in_trips ? trips : 1.0, in_trips && trips <= 0.0 ? 0.0 : 1.0);
  }
}

// An event per arrival, per CPU job (consecutive CPU ops run as one), per
// wait and per downstream call; spans and uncontended locks take none.
double expected_events_per_request(const EndpointProgram& program) {
  double events = 1.0;
  walk_ops(program, [&](const Op& op, double, double runs) {
    if ((op.kind == OpKind::Cpu && !op.merge_next) || op.kind == OpKind::Wait || op.kind == OpKind::Downstream)
      events += runs;
  });
  return events;
}

double expected_cpu_ns_per_request(const EndpointProgram& program) {
  double ns = 0.0;
  walk_ops(program, [&](const Op& op, double work, double) {
    if (op.kind == OpKind::Cpu)
      ns += work * static_cast<double>(op.mean_ns + op.sized_ns + op.malloc_ns + op.scan_ns);
  });
  return ns;
}

namespace {

// Bytes of the recorder's tables that do not depend on traffic: per phase a
// dense histogram per span (and four per endpoint) and a profile cell per
// endpoint and stack; per window a sparse profile entry for each stack an
// endpoint can reach, at most.
constexpr double kHistogramBytes = static_cast<double>(LogHistogram::kBuckets) * 4.0;
constexpr double kProfileCellBytes = sizeof(ProfileCell);
constexpr double kWindowEntryBytes = sizeof(SparseProfileEntry);

double stacks_reached(const CompiledModel& model) {
  double stacks = 0.0;
  for (const EndpointProgram& program : model.endpoints) {
    std::vector<std::uint32_t> seen;
    walk_ops(program, [&](const Op& op, double, double) {
      for (std::uint32_t s : {op.stack, op.malloc_stack, op.scan_stack})
        if (s != kNoStack && std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
    });
    stacks += static_cast<double>(seen.size());
  }
  return stacks;
}

}  // namespace

RunCost estimate_run_cost(const RunPlan& plan, const std::vector<std::shared_ptr<const CompiledModel>>& models,
                          const Symbols& symbols) {
  const auto endpoints = symbols.endpoints().size();
  RunCost cost;
  const double duration_s = ns_to_s(static_cast<double>(plan.duration));
  cost.windows = std::ceil(static_cast<double>(plan.duration) / static_cast<double>(std::max<SimTime>(plan.window, 1)));
  // Stages in time order, each running until the next one (or the end).
  std::vector<std::pair<double, int>> segments{{0.0, 0}};
  for (const Stage& stage : plan.stages)
    if (!stage.cancelled) segments.emplace_back(ns_to_s(static_cast<double>(stage.at)), stage.model);
  std::stable_sort(segments.begin(), segments.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto index = static_cast<std::size_t>(segments[i].second);
    if (index >= models.size()) continue;
    const CompiledModel& model = *models[index];
    const double from = std::min(segments[i].first, duration_s);
    const double to = i + 1 < segments.size() ? std::min(segments[i + 1].first, duration_s) : duration_s;
    const double requests = model.load.rps * factor_integral(model, from, to);
    double events_per_request = 0.0, cpu_ns_per_request = 0.0;
    for (const EndpointProgram& program : model.endpoints) {
      events_per_request += program.share * expected_events_per_request(program);
      cpu_ns_per_request += program.share * expected_cpu_ns_per_request(program);
    }
    cost.requests += requests;
    cost.events += requests * events_per_request;
    cost.traces += requests * model.trace_sample_rate;
    // Samples follow the CPU time delivered: what the requests ask for, at
    // most what the cores (or the workers, one job each) can give.
    const double capacity_s = std::min<double>(model.service.cores, model.service.workers) * (to - from);
    const double cpu_s = std::min(requests * cpu_ns_per_request / 1e9, capacity_s);
    cost.samples += cpu_s * 1e9 / static_cast<double>(std::max<SimTime>(model.profile_period_ns, 1));
    const double window_share = (to - from) / std::max(duration_s, 1e-9);
    cost.window_bytes += cost.windows * window_share * stacks_reached(model) * kWindowEntryBytes;
  }
  cost.traces += cost.windows * static_cast<double>(plan.slowest_traces_per_window) * static_cast<double>(endpoints);
  // A phase starts at the beginning and at every stage that names one.
  cost.phases = 1.0;
  for (const Stage& stage : plan.stages) cost.phases += !stage.cancelled && !stage.phase.empty() ? 1.0 : 0.0;
  double histograms = 0.0;
  for (const EndpointInfo& endpoint : symbols.endpoints())
    histograms += static_cast<double>(endpoint.spans.size()) + 4.0;
  // Each window also keeps each span's total and count (12 bytes) per endpoint.
  cost.window_bytes += cost.windows * (histograms - 4.0 * static_cast<double>(endpoints)) * 12.0;
  cost.phase_bytes = cost.phases * (histograms * kHistogramBytes + static_cast<double>(endpoints) *
                                                                       static_cast<double>(symbols.stack_count()) *
                                                                       kProfileCellBytes);
  cost.memory_bytes = cost.phase_bytes + cost.window_bytes;
  return cost;
}

void check_run_budget(const RunPlan& plan) {
  Symbols symbols;
  LockTable locks;
  std::vector<std::shared_ptr<const CompiledModel>> models;
  for (const ModelSpec& model : plan.models) models.push_back(compile_model(model, symbols, locks));
  check_run_cost(estimate_run_cost(plan, models, symbols), plan);
}

std::string run_cap_message(const char* what, double cap) {
  return std::string("the run passed ") + figure(cap) + " " + what + ", the most one run may simulate";
}

void check_run_cost(const RunCost& cost, const RunPlan& plan) {
  const std::string over = " over " + figure(ns_to_s(static_cast<double>(plan.duration))) + " simulated s";
  if (cost.windows > kRunCaps.windows)
    throw RunBudgetError("the run would have " + figure(cost.windows) + " metric windows, more than the " +
                         figure(kRunCaps.windows) + " one run may (seven days of 10 s windows); shorten duration_s");
  if (cost.requests > kRunCaps.requests)
    throw RunBudgetError("the run would simulate about " + figure(cost.requests) + " requests" + over +
                         ", more than the " + figure(kRunCaps.requests) +
                         " one run may; lower load.rps, the load curve or duration_s");
  if (cost.events > kRunCaps.events)
    throw RunBudgetError("the run would take about " + figure(cost.events) + " engine events (" +
                         figure(cost.events / std::max(cost.requests, 1.0)) + " per request)" + over +
                         ", more than the " + figure(kRunCaps.events) +
                         " one run may; lower the load, or the steps and round trips per request");
  if (cost.traces > kRunCaps.traces)
    throw RunBudgetError("the run would keep about " + figure(cost.traces) + " traces, more than the " +
                         figure(kRunCaps.traces) + " one run may; lower trace_sample_rate");
  if (cost.samples > kRunCaps.samples)
    throw RunBudgetError("the run would take about " + figure(cost.samples) + " CPU profile samples" + over +
                         ", more than the " + figure(kRunCaps.samples) +
                         " one run may; lower profile_hz, the CPU per request or service.cores");
  if (cost.memory_bytes > kRunCaps.memory_bytes)
    throw RunBudgetError("the run's tables would take about " + figure(cost.memory_bytes / 1048576.0) + " MiB (" +
                         figure(cost.phases) + " phases: " + figure(cost.phase_bytes / 1048576.0) +
                         " MiB; windows: " + figure(cost.window_bytes / 1048576.0) + " MiB), more than the " +
                         figure(kRunCaps.memory_bytes / 1048576.0) +
                         " MiB one run may; fewer phases, endpoints, spans or steps");
}

}  // namespace perfloop
