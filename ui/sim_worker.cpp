#include "ui/sim_worker.h"

#include "sim/scenario_plan.h"
#include "sim/simulation.h"

namespace perfloop::ui {

int RunSnapshot::endpoint_index(const std::string& name) const {
  for (std::size_t i = 0; i < endpoints.size(); ++i)
    if (endpoints[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

// Copies each closed window's figures for every endpoint; runs on the worker thread.
class Collector : public WindowListener {
 public:
  Collector(std::size_t endpoints) : series(endpoints) {}
  void on_window(const Simulation&, const WindowStats& w) override {
    const double seconds = ns_to_s(static_cast<double>(w.end - w.start));
    for (std::size_t i = 0; i < series.size() && i < w.endpoints.size(); ++i) {
      const EndpointWindow& e = w.endpoints[i];
      SeriesPoint p;
      p.t_s = ns_to_s(static_cast<double>(w.end));
      p.p50_ms = e.latency_ns.quantile(0.5) / 1e6;
      p.p99_ms = e.latency_ns.quantile(0.99) / 1e6;
      p.rps = seconds > 0 ? static_cast<double>(e.completed) / seconds : 0.0;
      p.error_pct = e.completed ? 100.0 * static_cast<double>(e.errors) / static_cast<double>(e.completed) : 0.0;
      p.lcp_p75_ms = e.lcp_ns.quantile(0.75) / 1e6;
      series[i].push_back(p);
    }
    burn.push_back(w.burn_rate_short);
  }
  std::vector<std::vector<SeriesPoint>> series;
  std::vector<double> burn;
};

}  // namespace

SimWorker::~SimWorker() { cancel(); }

void SimWorker::start(const std::string& scenario_path, std::uint64_t seed, std::vector<std::string> fixes,
                      ParamValues params) {
  cancel();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = RunSnapshot{};
    state_.version = next_version_++;
    state_.fixes = fixes;
  }
  cancel_ = false;
  thread_ = std::thread(&SimWorker::run, this, scenario_path, seed, std::move(fixes), std::move(params));
}

void SimWorker::cancel() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

void SimWorker::refresh(RunSnapshot& out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (out.version != state_.version) out = state_;
}

void SimWorker::run(std::string path, std::uint64_t seed, std::vector<std::string> fixes, ParamValues params) {
  try {
    ScenarioScript script = ScenarioScript::load(path);
    const PlannedRun planned = plan_run(script, params, fixes, seed);
    Simulation sim(planned.plan);
    const auto& endpoints = sim.symbols().endpoints();
    Collector collector(endpoints.size());
    sim.set_listener(&collector);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& e : endpoints) state_.endpoints.push_back(e.name);
      state_.series.resize(endpoints.size());
      state_.slo_endpoint = planned.slo.endpoint;
      state_.slo_ms = planned.slo.threshold_ms;
      state_.duration_s = ns_to_s(static_cast<double>(sim.duration()));
      state_.version = next_version_++;
    }
    // A simulated minute at a time: cancel is seen within one, and the
    // dashboards get new windows as they close.
    const SimTime chunk = 60 * kNsPerS;
    while (!sim.finished() && !cancel_) {
      sim.run_until(sim.now() + chunk);
      std::lock_guard<std::mutex> lock(mutex_);
      for (std::size_t i = 0; i < collector.series.size(); ++i) {
        state_.series[i].insert(state_.series[i].end(), collector.series[i].begin(), collector.series[i].end());
        collector.series[i].clear();
      }
      state_.burn.insert(state_.burn.end(), collector.burn.begin(), collector.burn.end());
      collector.burn.clear();
      state_.events = sim.events();
      state_.done_s = ns_to_s(static_cast<double>(sim.now()));
      state_.version = next_version_++;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    state_.finished = sim.finished();
    state_.cancelled = !sim.finished();
    state_.version = next_version_++;
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.error = e.what();
    state_.finished = true;
    state_.version = next_version_++;
  }
}

}  // namespace perfloop::ui
