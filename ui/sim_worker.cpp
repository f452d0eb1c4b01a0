#include "ui/sim_worker.h"

#include "sim/scenario_plan.h"
#include "sim/simulation.h"

namespace perfloop::ui {

namespace {

// Copies each closed window's figures for one endpoint; runs on the worker thread.
class Collector : public WindowListener {
 public:
  Collector(int endpoint, std::vector<SeriesPoint>& out) : endpoint_(endpoint), out_(out) {}
  void on_window(const Simulation&, const WindowStats& w) override {
    SeriesPoint p;
    p.t_s = ns_to_s(static_cast<double>(w.end));
    if (endpoint_ >= 0 && static_cast<std::size_t>(endpoint_) < w.endpoints.size()) {
      const EndpointWindow& e = w.endpoints[static_cast<std::size_t>(endpoint_)];
      const double seconds = ns_to_s(static_cast<double>(w.end - w.start));
      p.p50_ms = e.latency_ns.quantile(0.5) / 1e6;
      p.p99_ms = e.latency_ns.quantile(0.99) / 1e6;
      p.rps = seconds > 0 ? static_cast<double>(e.completed) / seconds : 0.0;
      p.error_pct = e.completed ? 100.0 * static_cast<double>(e.errors) / static_cast<double>(e.completed) : 0.0;
      p.burn = w.burn_rate_short;
      p.lcp_p75_ms = e.lcp_ns.quantile(0.75) / 1e6;
    }
    out_.push_back(p);
  }

 private:
  int endpoint_;
  std::vector<SeriesPoint>& out_;
};

}  // namespace

SimWorker::~SimWorker() { cancel(); }

void SimWorker::start(const std::string& scenario_path, std::uint64_t seed) {
  cancel();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = RunSnapshot{};
  }
  cancel_ = false;
  thread_ = std::thread(&SimWorker::run, this, scenario_path, seed);
}

void SimWorker::cancel() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

RunSnapshot SimWorker::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

void SimWorker::run(std::string path, std::uint64_t seed) {
  try {
    ScenarioScript script = ScenarioScript::load(path);
    const PlannedRun planned = plan_run(script, {}, {}, seed);
    const ScenarioBuild build = script.build(planned.params);
    const std::string endpoint = !build.bottlenecks.empty() ? build.bottlenecks.front().symptom.endpoint
                                 : !planned.slo.endpoint.empty() ? planned.slo.endpoint
                                                                 : build.model.endpoints.front().name;
    Simulation sim(planned.plan);
    std::vector<SeriesPoint> fresh;
    Collector collector(sim.symbols().find_endpoint(endpoint), fresh);
    sim.set_listener(&collector);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.endpoint = endpoint;
      state_.slo_ms = planned.slo.endpoint == endpoint ? planned.slo.threshold_ms : 0.0;
      state_.duration_s = ns_to_s(static_cast<double>(sim.duration()));
    }
    // A simulated minute at a time: cancel is seen within one, and the
    // dashboards get new windows as they close.
    const SimTime chunk = 60 * kNsPerS;
    while (!sim.finished() && !cancel_) {
      sim.run_until(sim.now() + chunk);
      std::lock_guard<std::mutex> lock(mutex_);
      state_.series.insert(state_.series.end(), fresh.begin(), fresh.end());
      fresh.clear();
      state_.events = sim.events();
      state_.done_s = ns_to_s(static_cast<double>(sim.now()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    state_.finished = sim.finished();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.error = e.what();
    state_.finished = true;
  }
}

}  // namespace perfloop::ui
