#include "sim/loop/loop_session.h"

#include <algorithm>
#include <cmath>

#include "sim/engine/profile_query.h"
#include "sim/loop/loop_expert.h"

namespace perfloop {

double headline_value(const EndpointSummary& e, const std::string& metric) {
  if (metric == "p50") return e.p50_ms;
  if (metric == "error_rate") return 100.0 * e.error_rate;
  if (metric == "rps") return e.rps;
  if (metric == "lcp") return e.lcp_p75_ms;
  if (metric == "inp") return e.inp_p75_ms;
  return e.p99_ms;
}

const char* headline_unit(const std::string& metric) {
  if (metric == "error_rate") return "%";
  if (metric == "rps") return "req/s";
  return "ms";
}

bool headline_meets(const std::string& metric, double value, double target) {
  return metric == "rps" ? value >= target : value <= target;
}

ParamValues fixed_state(const ScenarioBuild& build, const ParamValues& initial) {
  ParamValues params = initial;
  for (const auto& event : build.timeline)
    for (const auto& [name, value] : event.set) params[name] = value;
  for (const auto& b : build.bottlenecks) {
    const auto fix = std::find_if(build.fixes.begin(), build.fixes.end(),
                                  [&](const FixSpec& f) { return !b.right_fixes.empty() && f.id == b.right_fixes[0]; });
    if (fix != build.fixes.end())
      for (const auto& [name, value] : fix->set) params[name] = value;
  }
  return params;
}

LoopSession::LoopSession(ScenarioScript& script, ParamValues overrides, std::uint64_t seed)
    : runs_(script, std::move(overrides), seed) {
  // Each bottleneck's fix must land while it is live and before the run
  // ends, one after another: otherwise there is no "after" to grade.
  const ScenarioBuild& b = runs_.build();
  const double duration = b.duration_s;
  if (b.bottlenecks.size() > 1 && b.fix_spacing_s <= 0.0)
    throw ScenarioError(script.file(), 0, "fix_spacing_s",
                        "must be above 0 when a scenario has several bottlenecks (each fix needs its own phase)");
  for (std::size_t k = 0; k < b.bottlenecks.size(); ++k) {
    const double lands = fix_time_s(k);
    const std::string which = "bottlenecks[" + std::to_string(k + 1) + "] (" + b.bottlenecks[k].id + ")";
    if (lands >= duration)
      throw ScenarioError(script.file(), 0, "fix_at_s",
                          "the fix for " + which + " would land at " + std::to_string(lands) + " s, after the run ends at " +
                              std::to_string(duration) + " s");
    if (lands <= b.bottlenecks[k].symptom.onset_s)
      throw ScenarioError(script.file(), 0, "fix_at_s",
                          "the fix for " + which + " would land at " + std::to_string(lands) +
                              " s, before its symptom starts at " + std::to_string(b.bottlenecks[k].symptom.onset_s) + " s");
  }
  replay_ = std::make_unique<EnforceReplay>(script, runs_.build(), fixed_state(runs_.build(), runs_.planned().params),
                                            seed);
}

SimTime capture_through(const ScenarioBuild& build, double to_s) {
  if (!(to_s < build.duration_s)) return WhatIfRuns::kToTheEnd;  // NaN too
  return to_s <= 0.0 ? 0 : s_to_ns(to_s);
}

int LoopSession::prepare(const SessionNeeds& needs, int workers) {
  RunPool pool(workers);
  // Each capture is read on the thread that simulated its run, once the run
  // is that far, while the other runs go on.
  struct Read {
    CaptureKey key;
    CaptureWindow window;
    std::string stream, frame;
    StreamReading reading;
    bool done = false;
  };
  auto reads = std::make_shared<std::vector<Read>>();
  std::vector<WhatIfRuns::Wanted> runs = needs.runs;
  for (const CaptureWanted& c : needs.captures) {
    const std::optional<CaptureKey> key = capture_key(c);
    if (!key || c.bottleneck >= build().bottlenecks.size() || captures_.count(*key) ||
        std::any_of(reads->begin(), reads->end(), [&](const Read& r) { return r.key == *key; }))
      continue;
    reads->push_back({*key, capture_window_for(build().bottlenecks[c.bottleneck].symptom.endpoint, c.from_s, c.to_s, c.onset_s),
                      c.stream, c.frame, {}, false});
  }
  for (std::size_t i = 0; i < reads->size(); ++i) {
    Read& r = (*reads)[i];
    runs.push_back({std::get<0>(r.key), capture_through(build(), std::get<4>(r.key)), [&r](const Simulation& sim) {
                      r.reading = read_stream(perfloop::capture(sim, r.window), r.stream, r.frame);
                      r.done = true;
                    }});
  }
  runs_.prefetch(runs, pool);
  if (!reads->empty())
    pool.then([this, reads] {
      for (Read& r : *reads)
        if (r.done) captures_.emplace(r.key, std::move(r.reading));
    });
  // The what-if runs are the longest chain: they start now, and the
  // replay's runs (a Lua build each) are planned while they simulate.
  pool.start();
  if (needs.readings || needs.drift) {
    // Asked once the readings are in: only evaluate() and the readings.
    auto choices = [this, &needs] {
      std::vector<std::vector<GateChoice>> sets = needs.gate_sets;
      if (needs.expert_gate_set) sets.push_back(best_gate_set(*this));
      return sets;
    };
    replay_->prefetch(pool, choices, needs.drift);
  }
  pool.run_all();
  return pool.jobs_done();
}

double LoopSession::fix_time_s(std::size_t bottleneck) const { return ns_to_s(static_cast<double>(runs_.fix_time(bottleneck))); }

namespace {

const EndpointSummary* endpoint_in(const std::vector<PhaseSummary>& phases, int phase, const std::string& name) {
  if (phase < 0 || phase >= static_cast<int>(phases.size())) return nullptr;
  return phases[static_cast<std::size_t>(phase)].endpoint(name);
}

// Per-request cost of the bottleneck's hot spot, in the stream it shows in.
double hotspot_cost(const Simulation& sim, const PhaseSummary& summary, int phase, const BottleneckSpec& b,
                    std::string& unit) {
  const EndpointSummary* es = summary.endpoint(b.symptom.endpoint);
  const int e = sim.symbols().find_endpoint(b.symptom.endpoint);
  if (!es || e < 0) return 0.0;
  if (b.stream == "bundle") {
    unit = "ms LCP p75";
    return es->lcp_p75_ms;
  }
  if (b.stream == "trace" && !b.hot_span.empty()) {
    unit = "ms in span " + b.hot_span + " (mean)";
    for (const auto& s : es->spans)
      if (s.name == b.hot_span) return s.mean_ms;
    return 0.0;
  }
  const double requests = std::max<double>(1.0, static_cast<double>(es->requests));
  const FrameCost c = frame_cost(sim.symbols(), sim.phases()[static_cast<std::size_t>(phase)].profile,
                                 static_cast<std::size_t>(e), b.hot_frame);
  if (b.stream == "alloc") {
    unit = "KB allocated per request in " + b.hot_frame;
    return c.alloc_bytes / 1024.0 / requests;
  }
  if (b.stream == "offcpu") {
    unit = "ms waiting per request in " + b.hot_frame;
    return c.offcpu_ns / 1e6 / requests;
  }
  if (b.stream == "cpu") {
    unit = "ms CPU per request in " + b.hot_frame;
    return c.cpu_ns / 1e6 / requests;
  }
  unit = "ms per request in " + b.hot_frame;
  return (c.cpu_ns + c.offcpu_ns) / 1e6 / requests;
}

// Self CPU per request by leaf frame, for one phase of one endpoint.
std::map<std::string, double> self_cpu_ms(const Simulation& sim, int phase, std::size_t endpoint, double requests) {
  std::map<std::string, double> by_leaf;
  const Profile& profile = sim.phases()[static_cast<std::size_t>(phase)].profile;
  if (endpoint >= profile.endpoints || requests <= 0) return by_leaf;
  for (std::size_t s = 0; s < profile.stacks; ++s) {
    const ProfileCell& cell = profile.at(endpoint, s);
    if (cell.cpu_ns == 0) continue;
    by_leaf[sim.symbols().frame_name(sim.symbols().leaf_frame(static_cast<std::uint32_t>(s)))] +=
        static_cast<double>(cell.cpu_ns) / 1e6 / requests;
  }
  return by_leaf;
}

void fill_diffs(const Simulation& sim, const std::vector<PhaseSummary>& phases, int before, int after,
                const std::string& endpoint, FixOutcome& out) {
  const EndpointSummary* b = endpoint_in(phases, before, endpoint);
  const EndpointSummary* a = endpoint_in(phases, after, endpoint);
  const int e = sim.symbols().find_endpoint(endpoint);
  if (!b || !a || e < 0) return;
  const auto was = self_cpu_ms(sim, before, static_cast<std::size_t>(e), static_cast<double>(b->requests));
  const auto now = self_cpu_ms(sim, after, static_cast<std::size_t>(e), static_cast<double>(a->requests));
  std::map<std::string, Change> frames;
  for (const auto& [name, ms] : was) frames[name] = {name, ms, 0.0};
  for (const auto& [name, ms] : now) {
    frames[name].name = name;
    frames[name].after = ms;
  }
  for (auto& [_, change] : frames) out.profile_diff.push_back(change);
  std::stable_sort(out.profile_diff.begin(), out.profile_diff.end(), [](const Change& x, const Change& y) {
    return std::fabs(x.after - x.before) > std::fabs(y.after - y.before);
  });
  if (out.profile_diff.size() > 10) out.profile_diff.resize(10);
  for (std::size_t i = 0; i < b->spans.size() && i < a->spans.size(); ++i)
    out.span_diff.push_back({b->spans[i].name, b->spans[i].mean_ms, a->spans[i].mean_ms});
}

}  // namespace

const FixOutcome& LoopSession::outcome(const std::vector<std::string>& fixes) {
  if (auto it = outcomes_.find(fixes); it != outcomes_.end()) return it->second;
  FixOutcome out;
  const std::size_t k = fixes.empty() ? 0 : fixes.size() - 1;
  const BottleneckSpec& b = build().bottlenecks.at(k);
  const Simulation& sim = runs_.run(fixes);
  const SimTime lands = runs_.fix_time(k);
  const int before = phase_at(sim, lands - 1);
  const int after = lands < sim.duration() ? phase_at(sim, lands) : before;
  const std::vector<PhaseSummary> phases = summarise_phases(sim, slo());
  if (const EndpointSummary* e = endpoint_in(phases, before, b.symptom.endpoint))
    out.headline_before = headline_value(*e, b.symptom.metric);
  if (const EndpointSummary* e = endpoint_in(phases, after, b.symptom.endpoint)) {
    out.headline_after = headline_value(*e, b.symptom.metric);
    if (!e->profile_cpu.empty()) {
      out.widest_frame = e->profile_cpu.front().frame;
      out.widest_pct = e->profile_cpu.front().self_pct;
    }
  }
  if (before >= 0) out.hotspot_before = hotspot_cost(sim, phases[static_cast<std::size_t>(before)], before, b, out.hotspot_unit);
  if (after >= 0) out.hotspot_after = hotspot_cost(sim, phases[static_cast<std::size_t>(after)], after, b, out.hotspot_unit);
  out.target_met = headline_meets(b.symptom.metric, out.headline_after, b.symptom.target);
  if (before >= 0 && after >= 0) fill_diffs(sim, phases, before, after, b.symptom.endpoint, out);
  return outcomes_.emplace(fixes, std::move(out)).first->second;
}

StreamReading LoopSession::capture(const std::vector<std::string>& earlier_fixes, std::size_t bottleneck,
                                   const std::string& stream, double from_s, double to_s, double onset_s,
                                   const std::string& frame) {
  const BottleneckSpec& b = build().bottlenecks.at(bottleneck);
  const std::optional<CaptureKey> key = capture_key({earlier_fixes, bottleneck, stream, from_s, to_s, onset_s, frame});
  if (key)
    if (auto it = captures_.find(*key); it != captures_.end()) return it->second;
  // A capture reads the windows that end by to_s: the run need go no further.
  const Capture window = perfloop::capture(runs_.run_through(earlier_fixes, capture_through(build(), to_s)),
                                           capture_window_for(b.symptom.endpoint, from_s, to_s, onset_s));
  StreamReading reading = read_stream(window, stream, frame);
  if (key) captures_.emplace(*key, reading);
  return reading;
}

std::optional<LoopSession::CaptureKey> LoopSession::capture_key(const CaptureWanted& c) {
  if (std::isnan(c.from_s) || std::isnan(c.to_s) || std::isnan(c.onset_s)) return std::nullopt;
  return CaptureKey{c.earlier_fixes, c.bottleneck, c.stream, c.from_s, c.to_s, c.onset_s, c.frame};
}

}  // namespace perfloop
