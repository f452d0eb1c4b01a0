#include "sim/loop/enforce_replay.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "sim/engine/profile_query.h"
#include "sim/engine/summary.h"
#include "sim/engine/simulation.h"

namespace perfloop {

namespace {

// Alerts fire after a change has shipped: a regression they page for is
// caught, but users met it first; a harmless change they page for costs a
// night's sleep, less than a blocked merge.
constexpr double kPagedCredit = 0.7;
constexpr double kFalsePageCost = 0.5;
constexpr double kRunbookWeight = 0.15;
// A check that never trips costs CI minutes or dashboard space and buys
// nothing: the gate set is meant to encode lessons, not everything on offer.
constexpr double kIdleCost = 0.1;

bool is_alert(const GateSpec& g) { return g.kind == "alert"; }
bool is_runbook(const GateSpec& g) { return g.kind == "runbook"; }

// A measurement's own seed, from the run's named stream for them: each
// (change, fixture, side) pair gets its own numbers, the same in every session.
std::uint64_t measure_seed(std::uint64_t seed, std::uint64_t change, std::uint64_t side, std::uint64_t fixture) {
  return RngStream(seed, "enforce-measure").child(change).child(2 * fixture + side).key();
}

struct MeasuredState {
  std::unique_ptr<Simulation> sim;
  ModelSpec model;
  PhaseSummary summary;
};

MeasuredState measure_model(const std::string& scenario, ModelSpec model, std::uint64_t seed, double seconds) {
  MeasuredState state;
  state.model = std::move(model);
  RunPlan plan;
  plan.scenario = scenario;
  plan.seed = seed;
  plan.duration = s_to_ns(seconds);
  plan.first_phase = "measure";
  plan.models.push_back(state.model);
  state.sim = std::make_unique<Simulation>(plan);
  state.sim->run();
  state.summary = summarise_phases(*state.sim, state.model.slo).front();
  return state;
}

MeasuredState measure_state(ScenarioScript& script, const ParamValues& params, std::uint64_t seed, double seconds) {
  return measure_model(script.id(), script.build(params).model, seed, seconds);
}

double read_measure(const MeasuredState& state, const GateSpec& gate) {
  const Simulation& sim = *state.sim;
  if (gate.measure == "cpu_pct") return 100.0 * state.summary.cpu_utilisation;
  if (gate.measure == "gc_cpu_pct") return state.summary.gc_cpu_pct;
  if (gate.measure == "bundle_kb") {
    for (const auto& e : state.model.endpoints)
      if (e.name == gate.endpoint) return e.client.enabled ? e.client.bundle_kb : 0.0;
    return 0.0;
  }
  const EndpointSummary* es = state.summary.endpoint(gate.endpoint);
  const int e = sim.symbols().find_endpoint(gate.endpoint);
  if (!es || e < 0) return 0.0;
  const PhaseStats& phase = sim.phases().front();
  const double requests = std::max<double>(1.0, static_cast<double>(es->requests));
  if (gate.measure == "p99_ms") return es->p99_ms;
  if (gate.measure == "lcp_p75_ms") return es->lcp_p75_ms;
  if (gate.measure == "queries") return es->queries_per_request;
  if (gate.measure == "payload_kb") return phase.endpoints[static_cast<std::size_t>(e)].payload_bytes.quantile(0.5) / 1024.0;
  if (gate.measure == "payload_kb_p99") return es->payload_kb_p99;
  if (gate.measure == "burn_rate") return es->slo_burn_rate;
  if (gate.measure == "syscalls")
    return static_cast<double>(phase.endpoints[static_cast<std::size_t>(e)].syscalls) / requests;
  const FrameCost cost = frame_cost(sim.symbols(), phase.profile, static_cast<std::size_t>(e),
                                    gate.measure == "frame_ms" ? gate.frame : std::string());
  if (gate.measure == "alloc_kb") return cost.alloc_bytes / 1024.0 / requests;
  if (gate.measure == "cpu_ms") return cost.cpu_ns / 1e6 / requests;
  if (gate.measure == "mutex_ms") return cost.mutex_ns / 1e6 / requests;
  if (gate.measure == "frame_ms") return (cost.cpu_ns + cost.offcpu_ns) / 1e6 / requests;
  return 0.0;
}

// The params each gate runs its check on, once each: gates that share a
// fixture share its runs.
std::vector<ParamValues> gate_fixtures(const std::vector<GateSpec>& gates) {
  std::vector<ParamValues> fixtures;
  for (const auto& g : gates)
    if (!is_runbook(g) && std::find(fixtures.begin(), fixtures.end(), g.params) == fixtures.end())
      fixtures.push_back(g.params);
  return fixtures;
}

double headline_of(const PhaseSummary& summary, const SymptomSpec& symptom) {
  const EndpointSummary* es = summary.endpoint(symptom.endpoint);
  if (!es) return 0.0;
  if (symptom.metric == "p50") return es->p50_ms;
  if (symptom.metric == "error_rate") return 100.0 * es->error_rate;
  if (symptom.metric == "rps") return es->rps;
  if (symptom.metric == "lcp") return es->lcp_p75_ms;
  if (symptom.metric == "inp") return es->inp_p75_ms;
  return es->p99_ms;
}

}  // namespace

bool gate_trips(const GateSpec& gate, double threshold, const GateReading& r) {
  if (gate.rule == "above") return r.after > threshold;
  if (r.before <= 0.0) return r.after > 0.0;  // something from nothing
  if (gate.rule == "growth") return (r.after / r.before - 1.0) * 100.0 > threshold;
  return r.after / r.before > threshold;  // ratio
}

std::string replay_verdicts_text(const EnforceReport& report) {
  int caught = 0, paged = 0, missed = 0, blocked = 0, false_pages = 0;
  for (const auto& c : report.changes) {
    caught += c.verdict == ChangeVerdict::Caught;
    paged += c.verdict == ChangeVerdict::Paged;
    missed += c.verdict == ChangeVerdict::Missed;
    blocked += c.verdict == ChangeVerdict::Blocked;
    false_pages += c.verdict == ChangeVerdict::FalsePage;
  }
  std::string text = std::to_string(caught) + " of " + std::to_string(report.harmful) + " regressions stopped before merge, " +
                     std::to_string(paged) + " paged after shipping, " + std::to_string(missed) + " slipped through; " +
                     std::to_string(blocked) + " of " + std::to_string(report.harmless) + " harmless changes blocked, " +
                     std::to_string(false_pages) + " paged for nothing.";
  if (!report.idle.empty()) {
    text += " Never tripped:";
    for (std::size_t i = 0; i < report.idle.size(); ++i) text += (i ? ", " : " ") + report.idle[i];
    text += ".";
  }
  if (!report.has_runbook) text += " No runbook entry: the next on-call starts from nothing.";
  return text;
}

const char* verdict_name(ChangeVerdict v) {
  switch (v) {
    case ChangeVerdict::Caught: return "caught";
    case ChangeVerdict::Paged: return "paged";
    case ChangeVerdict::Missed: return "missed";
    case ChangeVerdict::Blocked: return "blocked";
    case ChangeVerdict::FalsePage: return "false_page";
    case ChangeVerdict::Passed: return "passed";
  }
  return "?";
}

EnforceReplay::EnforceReplay(ScenarioScript& script, const ScenarioBuild& build, ParamValues fixed, std::uint64_t seed,
                             double measure_s)
    : script_(script), build_(build), fixed_(std::move(fixed)), seed_(seed), measure_s_(measure_s) {}

std::map<std::string, GateReading> EnforceReplay::change_readings(const ParamValues& set, std::uint64_t key) {
  std::map<std::string, GateReading> out;
  const std::vector<ParamValues> fixtures = gate_fixtures(build_.enforce.gates);
  for (std::size_t f = 0; f < fixtures.size(); ++f) {
    ParamValues before = fixed_;
    for (const auto& [name, value] : fixtures[f]) before[name] = value;
    ParamValues after = fixed_;
    for (const auto& [name, value] : set) after[name] = value;
    for (const auto& [name, value] : fixtures[f]) after[name] = value;  // the fixture wins: it is the test's data
    const MeasuredState b = measure_state(script_, before, measure_seed(seed_, key, 0, f), measure_s_);
    const MeasuredState a = measure_state(script_, after, measure_seed(seed_, key, 1, f), measure_s_);
    simulated_ += 2;
    for (const auto& g : build_.enforce.gates)
      if (!is_runbook(g) && g.params == fixtures[f]) out[g.id] = {read_measure(b, g), read_measure(a, g)};
  }
  return out;
}

// One pair of runs per change and per fixture (the params a gate runs its
// check on), shared by every gate that reads the same fixture.
void EnforceReplay::measure() {
  if (measured_) return;
  measured_ = true;
  for (const auto& g : build_.enforce.gates)
    if (!is_runbook(g)) readings_[g.id].assign(build_.enforce.future.size(), {});
  for (std::size_t c = 0; c < build_.enforce.future.size(); ++c)
    for (const auto& [id, reading] : change_readings(build_.enforce.future[c].set, c)) readings_[id][c] = reading;
}

const std::vector<GateReading>& EnforceReplay::readings(const std::string& gate_id) {
  measure();
  static const std::vector<GateReading> none;
  const auto it = readings_.find(gate_id);
  return it == readings_.end() ? none : it->second;
}

ParamValues EnforceReplay::drift_params(const std::vector<bool>& shipped) const {
  ParamValues params = fixed_;
  for (std::size_t c = 0; c < shipped.size(); ++c)
    if (shipped[c])
      for (const auto& [name, value] : build_.enforce.future[c].set) params[name] = value;
  return params;
}

// The headline of the fixed service with the shipped changes on it, all
// measured with one seed so the curve shows the changes, not the noise.
double EnforceReplay::drift_headline(const std::vector<bool>& shipped, std::size_t bottleneck) {
  const ParamValues params = drift_params(shipped);
  auto it = drift_cache_.find(params);
  if (it == drift_cache_.end()) {
    MeasuredState state = measure_state(script_, params, measure_seed(seed_, 0xd1f7, 0, 0), measure_s_);
    ++simulated_;
    it = drift_cache_.emplace(params, std::move(state.summary)).first;
  }
  if (bottleneck >= build_.bottlenecks.size()) return 0.0;
  return headline_of(it->second, build_.bottlenecks[bottleneck].symptom);
}

// What evaluate() draws the drift from: with every change up to each day
// shipped (known before any reading), and with only those the chosen set
// lets through (known once the readings are).
std::vector<std::vector<bool>> EnforceReplay::drift_sets(const std::vector<GateChoice>* choices) {
  const std::size_t n = build_.enforce.future.size();
  std::vector<std::vector<bool>> sets;
  std::vector<bool> shipped(n, false);
  sets.push_back(shipped);
  const EnforceReport report = choices ? evaluate(*choices, false) : EnforceReport{};
  for (std::size_t c = 0; c < n; ++c) {
    shipped[c] = !choices || (report.changes[c].blocked_by.empty() && report.changes[c].paged_by.empty());
    sets.push_back(shipped);
  }
  return sets;
}

// The runs of one prefetch: the readings' and the drift's, each job writing
// only its own slot.
struct EnforceReplay::Pending {
  struct Reading {
    std::size_t change = 0, fixture = 0, side = 0;
    ModelSpec model;
    std::uint64_t seed = 0;
    std::vector<double> values;  // one per gate of the fixture, in gate order
    bool done = false;
  };
  std::vector<ParamValues> fixtures;
  std::vector<Reading> readings;
  std::atomic<int> remaining{0};  // readings still running
  struct Drift {
    ParamValues params;
    ModelSpec model;
    PhaseSummary summary;
    bool done = false;
  };
  std::vector<Drift> drifts;
};

void EnforceReplay::prefetch_drift(RunPool& pool, const std::vector<std::vector<bool>>& sets,
                                   std::vector<ParamValues>& queued) {
  auto pending = std::make_shared<Pending>();
  for (const auto& shipped : sets) {
    ParamValues params = drift_params(shipped);
    if (drift_cache_.count(params) || std::find(queued.begin(), queued.end(), params) != queued.end()) continue;
    queued.push_back(params);
    Pending::Drift d;
    d.model = script_.build(params).model;
    d.params = std::move(params);
    pending->drifts.push_back(std::move(d));
  }
  if (pending->drifts.empty()) return;
  const std::string scenario = script_.id();
  const std::uint64_t seed = measure_seed(seed_, 0xd1f7, 0, 0);
  for (auto& d : pending->drifts)
    pool.submit([pending, &d, scenario, seed, seconds = measure_s_] {
      d.summary = measure_model(scenario, d.model, seed, seconds).summary;
      d.done = true;
    });
  pool.then([this, pending] {
    for (auto& d : pending->drifts)
      if (d.done) {
        drift_cache_.emplace(d.params, std::move(d.summary));
        ++simulated_;
      }
  });
}

void EnforceReplay::prefetch(RunPool& pool, const ChoicesOnceMeasured& choices, bool with_drift) {
  with_drift = with_drift && !build_.bottlenecks.empty();
  // The drift's params queued so far: those with every change shipped now,
  // those the chosen sets let through once the readings are in.
  auto queued = std::make_shared<std::vector<ParamValues>>();
  auto chosen_drift = [this, &pool, choices, queued] {
    std::vector<std::vector<bool>> sets;
    if (choices)
      for (const auto& choice : choices())
        for (auto& s : drift_sets(&choice)) sets.push_back(std::move(s));
    prefetch_drift(pool, sets, *queued);
  };
  if (with_drift) prefetch_drift(pool, drift_sets(nullptr), *queued);
  if (measured_) {
    if (with_drift) chosen_drift();
    return;
  }
  // measure() as jobs: the same runs, seeds and readings, planned here.
  auto pending = std::make_shared<Pending>();
  pending->fixtures = gate_fixtures(build_.enforce.gates);
  for (std::size_t c = 0; c < build_.enforce.future.size(); ++c)
    for (std::size_t f = 0; f < pending->fixtures.size(); ++f) {
      ParamValues before = fixed_;
      for (const auto& [name, value] : pending->fixtures[f]) before[name] = value;
      ParamValues after = fixed_;
      for (const auto& [name, value] : build_.enforce.future[c].set) after[name] = value;
      for (const auto& [name, value] : pending->fixtures[f]) after[name] = value;
      for (std::size_t side = 0; side < 2; ++side) {
        Pending::Reading r;
        r.change = c;
        r.fixture = f;
        r.side = side;
        r.model = script_.build(side == 0 ? before : after).model;
        r.seed = measure_seed(seed_, c, side, f);
        pending->readings.push_back(std::move(r));
      }
    }
  if (pending->readings.empty()) {
    if (with_drift) pool.then(chosen_drift);
    return;
  }
  pending->remaining = static_cast<int>(pending->readings.size());
  // Once every reading is in (on the thread that measured last): the
  // readings into place, then the drift of the chosen sets.
  auto measured = [this, pending, with_drift, chosen_drift] {
    if (!std::all_of(pending->readings.begin(), pending->readings.end(), [](const Pending::Reading& r) { return r.done; }))
      return;  // measure() runs them again and reports what failed
    measured_ = true;
    for (const auto& g : build_.enforce.gates)
      if (!is_runbook(g)) readings_[g.id].assign(build_.enforce.future.size(), {});
    for (const auto& r : pending->readings) {
      std::size_t i = 0;
      for (const auto& g : build_.enforce.gates)
        if (!is_runbook(g) && g.params == pending->fixtures[r.fixture]) {
          GateReading& reading = readings_[g.id][r.change];
          (r.side == 0 ? reading.before : reading.after) = r.values[i++];
        }
    }
    simulated_ += static_cast<int>(pending->readings.size());
    if (with_drift) chosen_drift();
  };
  const std::string scenario = script_.id();
  for (auto& r : pending->readings)
    pool.submit([this, pending, &r, scenario, measured] {
      try {
        const MeasuredState state = measure_model(scenario, r.model, r.seed, measure_s_);
        for (const auto& g : build_.enforce.gates)
          if (!is_runbook(g) && g.params == pending->fixtures[r.fixture]) r.values.push_back(read_measure(state, g));
        r.done = true;
      } catch (...) {
        // Left not done: see `measured`.
      }
      if (pending->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) measured();
    });
}

EnforceReport EnforceReplay::evaluate(const std::vector<GateChoice>& choices, bool with_drift) {
  measure();
  EnforceReport report;
  const auto& gates = build_.enforce.gates;
  auto gate_of = [&](const std::string& id) -> const GateSpec* {
    for (const auto& g : gates)
      if (g.id == id) return &g;
    return nullptr;
  };
  for (const auto& choice : choices)
    if (const GateSpec* g = gate_of(choice.id); g && is_runbook(*g)) report.has_runbook = true;
  const bool scenario_has_runbook = std::any_of(gates.begin(), gates.end(), is_runbook);

  for (std::size_t c = 0; c < build_.enforce.future.size(); ++c) {
    const FutureChangeSpec& change = build_.enforce.future[c];
    ChangeReport r;
    r.day = change.day;
    r.title = change.title;
    r.text = change.text;
    r.harmful = change.harmful;
    for (const auto& choice : choices) {
      const GateSpec* g = gate_of(choice.id);
      if (!g || is_runbook(*g)) continue;
      const double threshold = choice.threshold.value_or(g->threshold);
      if (!gate_trips(*g, threshold, readings_[g->id][c])) continue;
      (is_alert(*g) ? r.paged_by : r.blocked_by).push_back(g->id);
    }
    const bool blocked = !r.blocked_by.empty(), paged = !r.paged_by.empty();
    if (change.harmful) {
      ++report.harmful;
      r.verdict = blocked ? ChangeVerdict::Caught : paged ? ChangeVerdict::Paged : ChangeVerdict::Missed;
      report.caught += blocked ? 1.0 : paged ? kPagedCredit : 0.0;
    } else {
      ++report.harmless;
      r.verdict = blocked ? ChangeVerdict::Blocked : paged ? ChangeVerdict::FalsePage : ChangeVerdict::Passed;
      report.false_alarms += blocked ? 1.0 : paged ? kFalsePageCost : 0.0;
    }
    report.changes.push_back(std::move(r));
  }
  for (const auto& choice : choices) {
    const GateSpec* g = gate_of(choice.id);
    if (!g || is_runbook(*g)) continue;
    const bool tripped = std::any_of(report.changes.begin(), report.changes.end(), [&](const ChangeReport& c) {
      return std::count(c.blocked_by.begin(), c.blocked_by.end(), g->id) + std::count(c.paged_by.begin(), c.paged_by.end(), g->id) > 0;
    });
    if (!tripped) report.idle.push_back(g->id);
  }
  const double caught_share = report.harmful ? report.caught / report.harmful : 1.0;
  const double false_share = report.harmless ? report.false_alarms / report.harmless : 0.0;
  report.gate_score = std::max(0.0, caught_share - false_share - kIdleCost * static_cast<double>(report.idle.size()));
  report.score = scenario_has_runbook
                     ? (1.0 - kRunbookWeight) * report.gate_score + (report.has_runbook ? kRunbookWeight : 0.0)
                     : report.gate_score;

  if (!build_.bottlenecks.empty()) {
    const SymptomSpec& s = build_.bottlenecks.front().symptom;
    report.headline = s.endpoint + " " + (s.metric == "lcp" ? "LCP p75" : s.metric == "inp" ? "INP p75" : s.metric);
  }
  if (with_drift && !build_.bottlenecks.empty()) {
    // A change a gate blocked never ships; one an alert paged for is rolled
    // back within the day, so neither is in the curve with the set.
    const std::size_t n = build_.enforce.future.size();
    std::vector<bool> all(n, false), chosen(n, false);
    report.drift.push_back({0.0, drift_headline(all), drift_headline(chosen)});
    for (std::size_t c = 0; c < n; ++c) {
      all[c] = true;
      chosen[c] = report.changes[c].blocked_by.empty() && report.changes[c].paged_by.empty();
      report.drift.push_back({build_.enforce.future[c].day, drift_headline(all), drift_headline(chosen)});
    }
  }
  return report;
}

}  // namespace perfloop
