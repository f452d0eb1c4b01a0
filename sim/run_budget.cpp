#include "sim/run_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

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

// An event per arrival, per CPU job (consecutive CPU ops run as one), per
// wait and per downstream call; spans and uncontended locks take none.
double expected_events_per_request(const EndpointProgram& program) {
  double events = 1.0;
  std::vector<double> multiplier{1.0};
  for (const Op& op : program.ops) {
    switch (op.kind) {
      case OpKind::LoopBegin: multiplier.push_back(multiplier.back() * std::max(op.loop_count, 0.0)); break;
      case OpKind::LoopEnd:
        if (multiplier.size() > 1) multiplier.pop_back();
        break;
      case OpKind::Cpu:
        if (!op.merge_next) events += multiplier.back();
        break;
      case OpKind::Wait:
      case OpKind::Downstream: events += multiplier.back(); break;
      default: break;
    }
  }
  return events;
}

RunCost estimate_run_cost(const RunPlan& plan, const std::vector<std::shared_ptr<const CompiledModel>>& models,
                          std::size_t endpoints) {
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
    double events_per_request = 0.0;
    for (const EndpointProgram& program : model.endpoints)
      events_per_request += program.share * expected_events_per_request(program);
    cost.requests += requests;
    cost.events += requests * events_per_request;
    cost.traces += requests * model.trace_sample_rate;
  }
  cost.traces += cost.windows * static_cast<double>(plan.slowest_traces_per_window) * static_cast<double>(endpoints);
  return cost;
}

void check_run_budget(const RunPlan& plan) {
  Symbols symbols;
  LockTable locks;
  std::vector<std::shared_ptr<const CompiledModel>> models;
  for (const ModelSpec& model : plan.models) models.push_back(compile_model(model, symbols, locks));
  check_run_cost(estimate_run_cost(plan, models, symbols.endpoints().size()), plan);
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
}

}  // namespace perfloop
