#include "sim/scenarios/run_report.h"

#include <cmath>
#include <cstdio>

#include "sim/io/json_text.h"

namespace perfloop {

namespace {

double ms(double ns) { return ns / 1e6; }

std::string ms_text(double value_ms) {
  char buf[32];
  if (value_ms >= 10000) std::snprintf(buf, sizeof buf, "%.1f s", value_ms / 1000);
  else if (value_ms >= 100) std::snprintf(buf, sizeof buf, "%.0f ms", value_ms);
  else std::snprintf(buf, sizeof buf, "%.1f ms", value_ms);
  return buf;
}

}  // namespace

nlohmann::json report_json(const Simulation& sim, const RunInfo& info, const ReportOptions& options) {
  using nlohmann::json;
  const PlannedRun& planned = *info.planned;
  json out;
  out["scenario"] = info.scenario;
  out["title"] = info.title;
  out["seed"] = sim.seed();
  json params = json::object();
  for (const auto& [name, value] : planned.params) params[name] = value;
  out["params"] = params;
  out["fixes"] = planned.fixes;
  out["duration_s"] = ns_to_s(static_cast<double>(sim.duration()));
  out["slo"] = {{"endpoint", planned.slo.endpoint}, {"threshold_ms", planned.slo.threshold_ms}, {"objective", planned.slo.objective}};

  const auto phases = summarise_phases(sim, planned.slo);
  json phases_json = json::array();
  for (const auto& p : phases) {
    json endpoints = json::object();
    for (const auto& e : p.endpoints) {
      if (e.requests == 0) continue;
      json spans = json::object();
      for (const auto& s : e.spans) spans[s.name] = {{"mean_ms", round_to(s.mean_ms, 3)}, {"p99_ms", round_to(s.p99_ms, 3)}};
      json profile = json::array();
      for (const auto& f : e.profile_cpu) profile.push_back({{"frame", f.frame}, {"self_pct", round_to(f.self_pct, 2)}});
      json alloc = json::array();
      for (const auto& f : e.profile_alloc)
        alloc.push_back({{"frame", f.frame}, {"pct", round_to(f.pct, 2)}, {"kb_per_request", round_to(f.per_request, 3)}});
      json offcpu = json::array();
      for (const auto& f : e.profile_offcpu)
        offcpu.push_back({{"frame", f.frame}, {"pct", round_to(f.pct, 2)}, {"ms_per_request", round_to(f.per_request, 3)}});
      json ej = {{"requests", e.requests},
                 {"rps", round_to(e.rps, 3)},
                 {"mean_ms", round_to(e.mean_ms, 3)},
                 {"p50_ms", round_to(e.p50_ms, 3)},
                 {"p90_ms", round_to(e.p90_ms, 3)},
                 {"p99_ms", round_to(e.p99_ms, 3)},
                 {"max_ms", round_to(e.max_ms, 3)},
                 {"error_rate", round_to(e.error_rate, 6)},
                 {"queries_per_request", round_to(e.queries_per_request, 3)},
                 {"payload_kb_p99", round_to(e.payload_kb_p99, 3)},
                 {"lcp_p75_ms", e.has_rum ? json(round_to(e.lcp_p75_ms, 3)) : json(nullptr)},
                 {"inp_p75_ms", e.has_rum ? json(round_to(e.inp_p75_ms, 3)) : json(nullptr)},
                 {"spans", spans},
                 {"profile_cpu", profile},
                 {"profile_alloc", alloc},
                 {"profile_offcpu", offcpu}};
      if (e.name == planned.slo.endpoint) ej["slo_burn_rate"] = round_to(e.slo_burn_rate, 3);
      endpoints[e.name] = ej;
    }
    phases_json.push_back({{"name", p.name},
                           {"start_s", round_to(p.start_s, 3)},
                           {"end_s", round_to(p.end_s, 3)},
                           {"cpu_utilisation", round_to(p.cpu_utilisation, 4)},
                           {"gc_cpu_pct", round_to(p.gc_cpu_pct, 2)},
                           {"alloc_mb_per_s", round_to(p.alloc_mb_per_s, 3)},
                           {"gc_cycles_per_s", round_to(p.gc_cycles_per_s, 3)},
                           {"endpoints", endpoints}});
  }
  out["phases"] = phases_json;

  json events = json::array();
  for (const auto& e : sim.events())
    events.push_back({{"t_s", round_to(ns_to_s(static_cast<double>(e.t)), 3)}, {"kind", e.kind}, {"service", e.service}, {"text", e.text}});
  out["events"] = events;

  if (options.windows) {
    json windows = json::array();
    const int slo_ep = sim.symbols().find_endpoint(planned.slo.endpoint);
    for (const auto& w : sim.windows()) {
      json eps = json::object();
      for (std::size_t e = 0; e < w.endpoints.size(); ++e) {
        const auto& ew = w.endpoints[e];
        if (ew.completed == 0) continue;
        eps[sim.symbols().endpoints()[e].name] = {{"requests", ew.completed},
                                                  {"p50_ms", round_to(ms(ew.latency_ns.quantile(0.5)), 3)},
                                                  {"p99_ms", round_to(ms(ew.latency_ns.quantile(0.99)), 3)},
                                                  {"max_ms", round_to(ms(static_cast<double>(ew.latency_ns.max())), 3)},
                                                  {"errors", ew.errors},
                                                  {"queries_per_request", ew.latency_ns.count() ? round_to(static_cast<double>(ew.queries) / static_cast<double>(ew.latency_ns.count()), 3) : 0.0},
                                                  {"payload_kb_p99", round_to(ew.payload_bytes.quantile(0.99) / 1024.0, 3)}};
      }
      json wj = {{"start_s", round_to(ns_to_s(static_cast<double>(w.start)), 3)},
                 {"rps", round_to(static_cast<double>(w.arrivals) / ns_to_s(static_cast<double>(w.end - w.start)), 3)},
                 {"cpu_utilisation", round_to(w.cpu_utilisation, 4)},
                 {"gc_cpu_pct", round_to(100 * w.gc_cpu_share, 2)},
                 {"alloc_mb_per_s", round_to(w.alloc_bytes_per_s / (1024.0 * 1024.0), 3)},
                 {"gc_cycles", w.gc_cycles},
                 {"endpoints", eps}};
      if (slo_ep >= 0) {
        wj["burn_rate_short"] = round_to(w.burn_rate_short, 3);
        wj["burn_rate_long"] = round_to(w.burn_rate_long, 3);
      }
      windows.push_back(wj);
    }
    out["windows"] = windows;
  }

  if (options.traces > 0) {
    // The slowest traces per phase and endpoint, each span beside its mean in the first phase.
    json traces = json::array();
    const auto& base = sim.phases().front();
    std::vector<const Trace*> sorted;
    for (const auto& t : sim.traces()) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Trace* a, const Trace* b) { return a->duration > b->duration; });
    std::map<std::pair<int, int>, int> taken;
    for (const Trace* t : sorted) {
      if (taken[{t->phase, t->endpoint}]++ >= options.traces) continue;
      const auto& infos = sim.symbols().endpoints()[t->endpoint].spans;
      json spans = json::array();
      for (const auto& s : t->spans) {
        const auto& hist = base.endpoints[t->endpoint].span_ns;
        const double baseline = static_cast<std::size_t>(s.span) < hist.size() ? ms(hist[s.span].mean()) : 0.0;
        spans.push_back({{"name", infos[s.span].name},
                         {"parent", s.parent >= 0 ? json(infos[s.parent].name) : json(nullptr)},
                         {"start_ms", round_to(ms(static_cast<double>(s.start_offset)), 3)},
                         {"duration_ms", round_to(ms(static_cast<double>(s.duration)), 3)},
                         {"baseline_ms", round_to(baseline, 3)}});
      }
      char id[20];
      std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(t->trace_id));
      traces.push_back({{"trace_id", id},
                        {"endpoint", sim.symbols().endpoints()[t->endpoint].name},
                        {"phase", sim.phases()[t->phase].name},
                        {"start_s", round_to(ns_to_s(static_cast<double>(t->start)), 3)},
                        {"duration_ms", round_to(ms(static_cast<double>(t->duration)), 3)},
                        {"queued_ms", round_to(ms(static_cast<double>(t->queued)), 3)},
                        {"error", t->error},
                        {"sampling", t->tail_sampled ? "slowest-in-window" : "head"},
                        {"spans", spans}});
    }
    out["traces"] = traces;
  }

  out["perf"] = {{"requests", sim.completed_requests()},
                 {"wall_s", info.wall_s},
                 {"requests_per_s", info.wall_s > 0 ? static_cast<double>(sim.completed_requests()) / info.wall_s : 0.0}};
  return out;
}

std::string report_text(const Simulation& sim, const RunInfo& info) {
  const PlannedRun& planned = *info.planned;
  const auto phases = summarise_phases(sim, planned.slo);
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%s: %s\nseed %llu, %s simulated", info.scenario.c_str(), info.title.c_str(),
                static_cast<unsigned long long>(sim.seed()), clock_text(ns_to_s(static_cast<double>(sim.duration()))).c_str());
  out += line;
  if (!planned.fixes.empty()) {
    out += ", fixes:";
    for (const auto& f : planned.fixes) out += " " + f;
  }
  out += "\n";
  if (!planned.slo.endpoint.empty()) {
    std::snprintf(line, sizeof line, "SLO: %.2f%% of %s requests under %s\n", planned.slo.objective * 100,
                  planned.slo.endpoint.c_str(), ms_text(planned.slo.threshold_ms).c_str());
    out += line;
  }
  for (const auto& p : phases) {
    std::snprintf(line, sizeof line, "\n== %s  (%s to %s)   CPU %.0f%% busy, GC %.1f%% of CPU, %.1f MB/s allocated\n",
                  p.name.c_str(), clock_text(p.start_s).c_str(), clock_text(p.end_s).c_str(), p.cpu_utilisation * 100,
                  p.gc_cpu_pct, p.alloc_mb_per_s);
    out += line;
    std::snprintf(line, sizeof line, "   %-16s %9s %10s %10s %10s %8s %9s %10s\n", "endpoint", "req/s", "p50", "p99", "max",
                  "errors", "SLO burn", "LCP p75");
    out += line;
    for (const auto& e : p.endpoints) {
      if (e.requests == 0) continue;
      char burn[16] = "";
      if (e.name == planned.slo.endpoint) std::snprintf(burn, sizeof burn, "%.1fx", e.slo_burn_rate);
      std::snprintf(line, sizeof line, "   %-16s %9.1f %10s %10s %10s %7.2f%% %9s %10s\n", e.name.c_str(), e.rps,
                    ms_text(e.p50_ms).c_str(), ms_text(e.p99_ms).c_str(), ms_text(e.max_ms).c_str(), e.error_rate * 100,
                    burn, e.has_rum ? ms_text(e.lcp_p75_ms).c_str() : "-");
      out += line;
    }
    for (const auto& e : p.endpoints) {
      if (e.requests == 0 || (e.name != planned.slo.endpoint && !planned.slo.endpoint.empty())) continue;
      out += "   " + e.name + " spans (mean / p99):";
      for (const auto& s : e.spans) out += " " + s.name + " " + ms_text(s.mean_ms) + " / " + ms_text(s.p99_ms) + ";";
      out += "\n   " + e.name + " CPU profile, self time:";
      for (std::size_t i = 0; i < e.profile_cpu.size() && i < 6; ++i) {
        std::snprintf(line, sizeof line, " %s %.1f%%%s", e.profile_cpu[i].frame.c_str(), e.profile_cpu[i].self_pct,
                      i + 1 < std::min<std::size_t>(6, e.profile_cpu.size()) ? "," : "");
        out += line;
      }
      out += "\n";
    }
  }
  out += "\nEvents:\n";
  if (sim.events().empty()) out += "   (none)\n";
  for (const auto& e : sim.events()) {
    std::snprintf(line, sizeof line, "   %s  %-8s %s%s%s\n", clock_text(ns_to_s(static_cast<double>(e.t))).c_str(), e.kind.c_str(),
                  e.service.c_str(), e.service.empty() ? "" : ": ", e.text.c_str());
    out += line;
  }
  if (info.wall_s > 0) {
    std::snprintf(line, sizeof line, "\n%llu requests simulated in %.2f s of wall time (%.0f requests/s)\n",
                  static_cast<unsigned long long>(sim.completed_requests()), info.wall_s,
                  static_cast<double>(sim.completed_requests()) / info.wall_s);
    out += line;
  }
  return out;
}

}  // namespace perfloop
