#include "ui/platform/sim_worker.h"

#include <algorithm>

#include "sim/scenarios/scenario_plan.h"
#include "sim/engine/simulation.h"

namespace perfloop::ui {

int RunSnapshot::endpoint_index(const std::string& name) const {
  for (std::size_t i = 0; i < endpoints.size(); ++i)
    if (endpoints[i] == name) return static_cast<int>(i);
  return -1;
}

std::uint64_t series_version(const RunSnapshot& run, int endpoint) {
  // Versions are small counters: spread them so (version, endpoint) pairs never meet.
  return (run.version * 0x9E3779B97F4A7C15ull) ^ (static_cast<std::uint64_t>(endpoint + 2) << 1);
}

void append_window_points(const Simulation& sim, const WindowStats& w, std::vector<std::vector<SeriesPoint>>& series,
                          std::vector<double>& burn) {
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
    p.inp_p75_ms = e.inp_ns.quantile(0.75) / 1e6;
    p.cpu_utilisation = w.cpu_utilisation;
    p.cores = sim.model_at(w.start).service.cores;
    series[i].push_back(p);
  }
  burn.push_back(w.burn_rate_short);
}

namespace {

// Copies each closed window's figures for every endpoint; runs on the worker thread.
class Collector : public WindowListener {
 public:
  Collector(std::size_t endpoints) : series(endpoints) {}
  void on_window(const Simulation& sim, const WindowStats& w) override { append_window_points(sim, w, series, burn); }
  std::vector<std::vector<SeriesPoint>> series;
  std::vector<double> burn;
};

// A few paused runs (a fix tried, another tried after it): each is a fork
// of the run, a few MB for the flagship.
constexpr std::size_t kMaxCheckpoints = 3;

// Versions come from one counter so a new run's snapshot never matches an old one's.
std::uint64_t next_version() {
  static std::atomic<std::uint64_t> counter{1};
  return counter++;
}

}  // namespace

struct SimWorker::Checkpoints {
  std::mutex mutex;
  std::vector<std::shared_ptr<const Checkpoint>> kept;  // oldest first
  std::atomic<std::size_t> resumed{0};

  static bool same_scenario(const Checkpoint& c, const std::string& path, std::uint64_t seed, const ParamValues& params) {
    return c.path == path && c.seed == seed && c.params == params;
  }
  // The run with `fixes` but its last, paused before that one lands.
  std::shared_ptr<const Checkpoint> find(const std::string& path, std::uint64_t seed, const ParamValues& params,
                                         const std::vector<std::string>& fixes) {
    if (fixes.empty()) return nullptr;
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& c : kept)
      if (same_scenario(*c, path, seed, params) && c->fixes.size() + 1 == fixes.size() &&
          std::equal(c->fixes.begin(), c->fixes.end(), fixes.begin()))
        return c;
    return nullptr;
  }
  void keep(std::shared_ptr<const Checkpoint> checkpoint) {
    std::lock_guard<std::mutex> lock(mutex);
    kept.erase(std::remove_if(kept.begin(), kept.end(),
                              [&](const auto& c) {
                                return same_scenario(*c, checkpoint->path, checkpoint->seed, checkpoint->params) &&
                                       c->fixes == checkpoint->fixes;
                              }),
               kept.end());
    kept.push_back(std::move(checkpoint));
    if (kept.size() > kMaxCheckpoints) kept.erase(kept.begin());
  }
};

SimWorker::~SimWorker() {
  cancel();
  for (Thread& t : threads_) t.thread.join();
}

void SimWorker::start(const std::string& scenario_path, std::uint64_t seed, std::vector<std::string> fixes,
                      ParamValues params) {
  cancel();
  reap_stopped();
  current_ = std::make_shared<Run>();
  current_->state.version = next_version();
  current_->state.fixes = fixes;
  if (!checkpoints_) checkpoints_ = std::make_shared<Checkpoints>();
  threads_.push_back(Thread{current_, std::thread(&SimWorker::run, current_, checkpoints_, scenario_path, seed,
                                                  std::move(fixes), std::move(params))});
}

void SimWorker::cancel() {
  if (!current_) return;
  current_->cancel = true;
  std::lock_guard<std::mutex> lock(current_->mutex);
  if (!current_->state.finished && !current_->state.cancelled) {
    current_->state.cancelled = true;
    current_->state.version = next_version();
  }
}

void SimWorker::reap_stopped() {
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->run->exited) {
      it->thread.join();  // already past its last statement: returns at once
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t SimWorker::resumed() const { return checkpoints_ ? checkpoints_->resumed.load() : 0; }

std::size_t SimWorker::stopping() const {
  std::size_t n = 0;
  for (const Thread& t : threads_)
    if (t.run != current_ && !t.run->exited) ++n;
  return n;
}

void SimWorker::refresh(RunSnapshot& out) const {
  if (!current_) return;
  std::lock_guard<std::mutex> lock(current_->mutex);
  if (out.version != current_->state.version) out = current_->state;
}

void SimWorker::run(const std::shared_ptr<Run>& run, const std::shared_ptr<Checkpoints>& checkpoints, std::string path,
                    std::uint64_t seed, std::vector<std::string> fixes, ParamValues params) {
  RunSnapshot& state = run->state;
  try {
    ScenarioScript script = ScenarioScript::load(path);
    const PlannedRun planned = plan_run(script, params, fixes, seed);
    const std::shared_ptr<const Checkpoint> from = checkpoints->find(path, seed, params, fixes);
    Simulation sim = from ? fork_onto_plan(*from->paused, from->lands, planned) : Simulation(planned.plan);
    if (from) ++checkpoints->resumed;
    const auto& endpoints = sim.symbols().endpoints();
    Collector collector(endpoints.size());
    sim.set_listener(&collector);
    {
      std::lock_guard<std::mutex> lock(run->mutex);
      for (const auto& e : endpoints) state.endpoints.push_back(e.name);
      state.series.resize(endpoints.size());
      if (from) {
        for (std::size_t i = 0; i < from->series.size() && i < state.series.size(); ++i) state.series[i] = from->series[i];
        state.burn = from->burn;
        state.events = sim.events();
        state.done_s = ns_to_s(static_cast<double>(sim.now()));
      }
      state.slo_endpoint = planned.slo.endpoint;
      state.slo_ms = planned.slo.threshold_ms;
      state.duration_s = ns_to_s(static_cast<double>(sim.duration()));
      state.version = next_version();
    }
    // Where the next fix would land: the run stops just before it once, to
    // keep a checkpoint that a fix applied later forks from.
    const SimTime next_fix = planned.fix_lands(fixes.size());
    bool keep_checkpoint = next_fix > 0 && next_fix < sim.duration() && sim.now() < next_fix - 1;
    // A simulated minute at a time: cancel is seen within one, and the
    // dashboards get new windows as they close.
    const SimTime chunk = 60 * kNsPerS;
    while (!sim.finished() && !run->cancel) {
      SimTime until = sim.now() + chunk;
      const bool pause = keep_checkpoint && until >= next_fix - 1;
      if (pause) until = next_fix - 1;
      sim.run_until(until);
      {
        std::lock_guard<std::mutex> lock(run->mutex);
        for (std::size_t i = 0; i < collector.series.size(); ++i) {
          state.series[i].insert(state.series[i].end(), collector.series[i].begin(), collector.series[i].end());
          collector.series[i].clear();
        }
        state.burn.insert(state.burn.end(), collector.burn.begin(), collector.burn.end());
        collector.burn.clear();
        state.events = sim.events();
        state.done_s = ns_to_s(static_cast<double>(sim.now()));
        state.version = next_version();
      }
      // Outside the lock: the copy takes milliseconds the UI should not wait
      // for, and only this thread writes the state it reads.
      if (pause) {
        keep_checkpoint = false;
        auto checkpoint = std::make_shared<Checkpoint>();
        checkpoint->path = path;
        checkpoint->seed = seed;
        checkpoint->params = params;
        checkpoint->fixes = fixes;
        checkpoint->lands = next_fix;
        checkpoint->paused = std::make_shared<const Simulation>(sim.fork());
        checkpoint->series = state.series;
        checkpoint->burn = state.burn;
        checkpoints->keep(std::move(checkpoint));
      }
    }
    std::lock_guard<std::mutex> lock(run->mutex);
    // Cancelled stays cancelled, even when the minute it was in turned out to be the last.
    state.cancelled = run->cancel || !sim.finished();
    state.finished = !state.cancelled;
    state.version = next_version();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(run->mutex);
    state.error = e.what();
    state.finished = true;
    state.version = next_version();
  }
  run->exited = true;
}

}  // namespace perfloop::ui
