#include "sim/engine/summary.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace perfloop {

namespace {

double ms(double ns) { return ns / 1e6; }

}  // namespace

const EndpointSummary* PhaseSummary::endpoint(const std::string& name) const {
  for (const auto& e : endpoints)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<FrameShare> cpu_by_frame(const Symbols& symbols, const Profile& profile, std::size_t endpoint) {
  std::map<std::string, std::uint64_t> by_frame;
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < profile.stacks; ++s) {
    const auto samples = profile.at(endpoint, s).cpu_samples;
    if (samples == 0) continue;
    by_frame[symbols.frame_name(symbols.leaf_frame(static_cast<std::uint32_t>(s)))] += samples;
    total += samples;
  }
  std::vector<FrameShare> shares;
  for (const auto& [frame, samples] : by_frame)
    shares.push_back({frame, 100.0 * static_cast<double>(samples) / static_cast<double>(total)});
  std::stable_sort(shares.begin(), shares.end(), [](const FrameShare& a, const FrameShare& b) { return a.self_pct > b.self_pct; });
  return shares;
}

namespace {

// Allocation (bytes) or waiting (ns) by frame. Allocation is charged to the
// frame that allocated (the stack without mallocgc); waits to their leaf.
std::vector<FrameAmount> amounts_by_frame(const Symbols& symbols, const Profile& profile, std::size_t endpoint,
                                          bool allocation, double requests) {
  std::map<std::string, double> by_frame;
  double total = 0.0;
  for (std::size_t s = 0; s < profile.stacks; ++s) {
    const ProfileCell& cell = profile.at(endpoint, s);
    const auto amount = static_cast<double>(allocation ? cell.alloc_bytes : cell.offcpu_ns);
    if (amount <= 0) continue;
    by_frame[symbols.frame_name(symbols.leaf_frame(static_cast<std::uint32_t>(s)))] += amount;
    total += amount;
  }
  std::vector<FrameAmount> out;
  for (const auto& [frame, amount] : by_frame) {
    const double per_request = requests > 0 ? amount / requests : 0.0;
    out.push_back({frame, 100.0 * amount / total, allocation ? per_request / 1024.0 : per_request / 1e6});
  }
  std::stable_sort(out.begin(), out.end(), [](const FrameAmount& a, const FrameAmount& b) { return a.pct > b.pct; });
  return out;
}

void fill_profiles(EndpointSummary& s, const Symbols& symbols, const Profile& profile, std::size_t endpoint,
                   double served) {
  s.profile_cpu = cpu_by_frame(symbols, profile, endpoint);
  s.profile_alloc = amounts_by_frame(symbols, profile, endpoint, true, served);
  s.profile_offcpu = amounts_by_frame(symbols, profile, endpoint, false, served);
}

// One endpoint's figures from what was accumulated for it over `seconds`.
EndpointSummary summarise_endpoint(const Symbols& symbols, std::size_t e, const EndpointPhase& ep, const Profile& profile,
                                   double seconds, const SloSpec& slo) {
  EndpointSummary s;
  s.name = symbols.endpoints()[e].name;
  const auto served = static_cast<double>(ep.latency_ns.count());
  s.requests = ep.latency_ns.count() + ep.rejected;
  s.rps = static_cast<double>(s.requests) / seconds;
  s.mean_ms = ms(ep.latency_ns.mean());
  s.p50_ms = ms(ep.latency_ns.quantile(0.50));
  s.p90_ms = ms(ep.latency_ns.quantile(0.90));
  s.p99_ms = ms(ep.latency_ns.quantile(0.99));
  s.max_ms = ms(static_cast<double>(ep.latency_ns.max()));
  s.error_rate = s.requests ? static_cast<double>(ep.errors) / static_cast<double>(s.requests) : 0.0;
  if (slo.endpoint == s.name && slo.objective < 1.0 && s.requests)
    s.slo_burn_rate = (static_cast<double>(ep.slo_bad) / static_cast<double>(s.requests)) / (1.0 - slo.objective);
  s.queries_per_request = served > 0 ? static_cast<double>(ep.queries) / served : 0.0;
  s.payload_kb_p99 = ep.payload_bytes.quantile(0.99) / 1024.0;
  s.has_rum = ep.lcp_ns.count() > 0;
  s.lcp_p75_ms = ms(ep.lcp_ns.quantile(0.75));
  s.inp_p75_ms = ms(ep.inp_ns.quantile(0.75));
  const auto& infos = symbols.endpoints()[e].spans;
  for (std::size_t i = 0; i < ep.span_ns.size() && i < infos.size(); ++i) {
    if (ep.span_ns[i].count() == 0) continue;
    s.spans.push_back({infos[i].name, ms(ep.span_ns[i].mean()), ms(ep.span_ns[i].quantile(0.99))});
  }
  fill_profiles(s, symbols, profile, e, served);
  return s;
}

}  // namespace

PhaseSummary summarise_range(const Simulation& sim, const SloSpec& slo, SimTime from, SimTime to) {
  const Symbols& symbols = sim.symbols();
  const std::size_t endpoints = symbols.endpoints().size();
  PhaseSummary out;
  out.name = "range";
  std::vector<EndpointPhase> acc(endpoints);
  // Windows carry each span's total time and count, not its histogram: a
  // range gets span means, and no span percentiles.
  std::vector<std::vector<double>> span_sum(endpoints);
  std::vector<std::vector<std::uint64_t>> span_count(endpoints);
  Profile profile;
  profile.resize(endpoints, symbols.stack_count());
  double busy = 0.0, gc_share_weighted = 0.0, alloc_bytes = 0.0, seconds = 0.0;
  std::uint64_t cycles = 0;
  for (const auto& w : sim.windows()) {
    if (w.start < from || w.end > to) continue;
    if (seconds == 0.0) out.start_s = ns_to_s(static_cast<double>(w.start));
    out.end_s = ns_to_s(static_cast<double>(w.end));
    const double span_s = ns_to_s(static_cast<double>(w.end - w.start));
    seconds += span_s;
    busy += w.cpu_utilisation * span_s;
    gc_share_weighted += w.gc_cpu_share * span_s;
    alloc_bytes += w.alloc_bytes_per_s * span_s;
    cycles += w.gc_cycles;
    for (std::size_t e = 0; e < w.endpoints.size() && e < endpoints; ++e) {
      const EndpointWindow& ew = w.endpoints[e];
      EndpointPhase& a = acc[e];
      a.latency_ns.merge(ew.latency_ns);
      a.payload_bytes.merge(ew.payload_bytes);
      a.lcp_ns.merge(ew.lcp_ns);
      a.inp_ns.merge(ew.inp_ns);
      a.errors += ew.errors;
      a.rejected += ew.completed - ew.latency_ns.count();  // turned away: counted, never timed
      a.slo_bad += ew.slo_bad;
      a.queries += ew.queries;
      if (span_sum[e].size() < ew.span_ns_sum.size()) {
        span_sum[e].resize(ew.span_ns_sum.size(), 0.0);
        span_count[e].resize(ew.span_ns_sum.size(), 0);
      }
      for (std::size_t i = 0; i < ew.span_ns_sum.size() && i < ew.span_count.size(); ++i) {
        span_sum[e][i] += static_cast<double>(ew.span_ns_sum[i]);
        span_count[e][i] += ew.span_count[i];
      }
    }
    for (const auto& entry : w.profile)
      if (entry.endpoint < endpoints && entry.stack < profile.stacks) profile.at(entry.endpoint, entry.stack).add(entry.cell);
  }
  if (seconds <= 0) return out;
  out.cpu_utilisation = busy / seconds;
  out.gc_cpu_pct = 100.0 * gc_share_weighted / seconds;
  out.alloc_mb_per_s = alloc_bytes / (1024.0 * 1024.0) / seconds;
  out.gc_cycles_per_s = static_cast<double>(cycles) / seconds;
  for (std::size_t e = 0; e < endpoints; ++e) {
    EndpointSummary s = summarise_endpoint(symbols, e, acc[e], profile, seconds, slo);
    const auto& infos = symbols.endpoints()[e].spans;
    for (std::size_t i = 0; i < span_sum[e].size() && i < infos.size(); ++i)
      if (span_count[e][i] > 0)
        s.spans.push_back({infos[i].name, ms(span_sum[e][i] / static_cast<double>(span_count[e][i])), NAN});
    out.endpoints.push_back(std::move(s));
  }
  return out;
}

std::vector<PhaseSummary> summarise_phases(const Simulation& sim, const SloSpec& slo) {
  std::vector<PhaseSummary> out;
  const Symbols& symbols = sim.symbols();
  for (const auto& phase : sim.phases()) {
    PhaseSummary ps;
    ps.name = phase.name;
    ps.start_s = ns_to_s(static_cast<double>(phase.start));
    ps.end_s = ns_to_s(static_cast<double>(phase.end));
    const double seconds = std::max(1e-9, ps.end_s - ps.start_s);
    ps.cpu_utilisation = phase.core_ns > 0 ? phase.busy_core_ns / phase.core_ns : 0.0;
    double cpu_ns = 0.0;
    for (const auto& cell : phase.profile.cells) cpu_ns += static_cast<double>(cell.cpu_ns);
    ps.gc_cpu_pct = cpu_ns > 0 ? 100.0 * phase.gc_cpu_ns / cpu_ns : 0.0;
    ps.alloc_mb_per_s = phase.alloc_bytes / (1024.0 * 1024.0) / seconds;
    ps.gc_cycles_per_s = static_cast<double>(phase.gc_cycles) / seconds;
    for (std::size_t e = 0; e < phase.endpoints.size(); ++e)
      ps.endpoints.push_back(summarise_endpoint(symbols, e, phase.endpoints[e], phase.profile, seconds, slo));
    out.push_back(std::move(ps));
  }
  return out;
}

}  // namespace perfloop
