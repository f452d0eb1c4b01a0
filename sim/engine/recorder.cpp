#include "sim/engine/recorder.h"

#include <algorithm>
#include <cstdio>

namespace perfloop {

namespace {

void grow_profile(Profile& profile, std::size_t endpoints, std::size_t stacks) {
  if (profile.endpoints == endpoints && profile.stacks == stacks) return;
  Profile grown;
  grown.resize(endpoints, stacks);
  for (std::size_t e = 0; e < profile.endpoints; ++e)
    for (std::size_t s = 0; s < profile.stacks; ++s) grown.at(e, s) = profile.at(e, s);
  profile = std::move(grown);
}

std::string format_ms(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", ns / 1e6);
  return buf;
}

}  // namespace

void Recorder::begin(const Symbols& symbols, const std::string& first_phase, SimTime window) {
  window_ns_ = window;
  window_start_ = 0;
  endpoint_count_ = 0;
  stack_count_ = 0;
  span_counts_.clear();
  window_endpoints_.clear();
  window_profile_ = Profile{};
  phases_.clear();
  windows_.clear();
  events_.clear();
  alerts_.clear();
  completed_ = 0;
  phases_.emplace_back();
  phases_.back().name = first_phase;
  grow(symbols);
}

void Recorder::new_phase_tables(PhaseStats& phase) const {
  phase.endpoints.resize(endpoint_count_);
  for (std::size_t e = 0; e < endpoint_count_; ++e) phase.endpoints[e].span_ns.resize(span_counts_[e]);
  grow_profile(phase.profile, endpoint_count_, stack_count_);
}

void Recorder::grow(const Symbols& symbols) {
  endpoint_count_ = symbols.endpoints().size();
  endpoint_names_.clear();
  for (const auto& ep : symbols.endpoints()) endpoint_names_.push_back(ep.name);
  stack_count_ = symbols.stack_count();
  span_counts_.resize(endpoint_count_);
  for (std::size_t e = 0; e < endpoint_count_; ++e) span_counts_[e] = symbols.endpoints()[e].spans.size();
  window_endpoints_.resize(endpoint_count_);
  for (std::size_t e = 0; e < endpoint_count_; ++e) {
    window_endpoints_[e].span_ns_sum.resize(span_counts_[e], 0);
    window_endpoints_[e].span_count.resize(span_counts_[e], 0);
  }
  last_error_log_.resize(endpoint_count_, -1);
  grow_profile(window_profile_, endpoint_count_, stack_count_);
  for (auto& phase : phases_) new_phase_tables(phase);
}

void Recorder::on_gc_work(int endpoint, const Op& op, SimTime malloc_ns, SimTime scan_ns, std::int64_t alloc_bytes) {
  on_cpu_work(endpoint, op.malloc_stack, malloc_ns);
  on_cpu_work(endpoint, op.scan_stack, scan_ns);
  const double gc = static_cast<double>(malloc_ns + scan_ns);
  window_gc_ns_ += gc;
  phases_.back().gc_cpu_ns += gc;
  const auto bytes = static_cast<std::uint64_t>(alloc_bytes);
  window_profile_.at(endpoint, op.stack).alloc_bytes += bytes;
  phases_.back().profile.at(endpoint, op.stack).alloc_bytes += bytes;
  window_alloc_bytes_ += static_cast<double>(bytes);
  phases_.back().alloc_bytes += static_cast<double>(bytes);
}

void Recorder::on_wait(int endpoint, std::uint32_t stack, SimTime ns, bool mutex) {
  const auto u = static_cast<std::uint64_t>(ns);
  auto& w = window_profile_.at(endpoint, stack);
  auto& p = phases_.back().profile.at(endpoint, stack);
  w.offcpu_ns += u;
  p.offcpu_ns += u;
  if (mutex) {
    w.mutex_ns += u;
    p.mutex_ns += u;
  }
}

// Flattened: GCC otherwise keeps LogHistogram::add out of line here (five
// to ten calls per request), and the calls cost as much as the adds.
[[gnu::flatten]] void Recorder::on_complete(const CompletedRequest& r) {
  ++completed_;
  auto& w = window_endpoints_[r.endpoint];
  auto& p = phases_[r.phase].endpoints[r.endpoint];
  ++w.completed;
  w.queries += r.queries;
  p.queries += r.queries;
  p.syscalls += r.syscalls;
  if (r.slo_bad || r.error) {
    ++w.slo_bad;
    ++p.slo_bad;
  }
  if (r.error) {
    ++w.errors;
    ++p.errors;
    switch (r.reason) {
      case FailReason::Timeout: ++w.timeouts; break;
      case FailReason::Downstream: ++w.downstream_errors; break;
      case FailReason::Rejected: ++w.rejected; ++p.rejected; return;  // never served: no latency
    }
  }
  w.latency_ns.add(r.latency);
  p.latency_ns.add(r.latency);
  w.payload_bytes.add(r.payload_bytes);
  p.payload_bytes.add(r.payload_bytes);
  for (std::uint32_t bits = r.spans_seen; bits != 0; bits &= bits - 1) {
    const int span = __builtin_ctz(bits);
    p.span_ns[span].add(r.span_duration[span]);
    w.span_ns_sum[static_cast<std::size_t>(span)] += r.span_duration[span];
    ++w.span_count[static_cast<std::size_t>(span)];
  }
  w.spans_seen = w.spans_seen || r.spans_seen != 0;
  if (r.has_rum) {
    w.lcp_ns.add(r.lcp);
    p.lcp_ns.add(r.lcp);
    w.inp_ns.add(r.inp);
    p.inp_ns.add(r.inp);
  }
}

void Recorder::start_phase(const std::string& name, SimTime now) {
  phases_.back().end = now;
  phases_.emplace_back();
  phases_.back().name = name;
  phases_.back().start = now;
  new_phase_tables(phases_.back());
}

void Recorder::finish(SimTime now) { phases_.back().end = now; }

void Recorder::log(SimTime t, std::string kind, std::string service, std::string text) {
  events_.push_back({t, std::move(kind), std::move(service), std::move(text)});
}

const WindowStats& Recorder::close_window(SimTime now, const CompiledModel& model) {
  WindowStats window;
  window.start = window_start_;
  window.end = now;
  window.phase = phase();
  window.arrivals = window_arrivals_;
  const double span_s = ns_to_s(static_cast<double>(now - window_start_));
  window.cpu_utilisation = window_core_ns_ > 0 ? window_busy_ns_ / window_core_ns_ : 0.0;
  window.gc_cpu_share = window_cpu_ns_ > 0 ? window_gc_ns_ / window_cpu_ns_ : 0.0;
  window.alloc_bytes_per_s = span_s > 0 ? window_alloc_bytes_ / span_s : 0.0;
  window.gc_cycles = window_gc_cycles_;
  window.gc_pause_ms = ns_to_ms(static_cast<double>(window_gc_pause_ns_));
  window.endpoints.resize(endpoint_count_);
  for (std::size_t e = 0; e < endpoint_count_; ++e) {
    auto& acc = window_endpoints_[e];
    auto& out = window.endpoints[e];
    out.completed = acc.completed;
    out.errors = acc.errors;
    out.slo_bad = acc.slo_bad;
    out.queries = acc.queries;
    out.latency_ns = SparseHistogram(acc.latency_ns);
    out.payload_bytes = SparseHistogram(acc.payload_bytes);
    out.lcp_ns = SparseHistogram(acc.lcp_ns);
    out.inp_ns = SparseHistogram(acc.inp_ns);
    if (acc.spans_seen) {
      out.span_ns_sum = acc.span_ns_sum;
      out.span_count = acc.span_count;
    }
  }
  for (std::size_t e = 0; e < window_profile_.endpoints; ++e)
    for (std::size_t s = 0; s < window_profile_.stacks; ++s) {
      const auto& cell = window_profile_.at(e, s);
      if (!cell.empty())
        window.profile.push_back({static_cast<std::uint16_t>(e), static_cast<std::uint32_t>(s), cell});
    }
  windows_.push_back(std::move(window));
  update_alerts(now, model, windows_.back());
  log_errors(now);

  for (auto& acc : window_endpoints_) {
    acc.latency_ns.clear();
    acc.payload_bytes.clear();
    acc.lcp_ns.clear();
    acc.inp_ns.clear();
    acc.completed = acc.errors = acc.slo_bad = acc.queries = 0;
    acc.timeouts = acc.downstream_errors = acc.rejected = 0;
    if (acc.spans_seen) {
      std::fill(acc.span_ns_sum.begin(), acc.span_ns_sum.end(), 0);
      std::fill(acc.span_count.begin(), acc.span_count.end(), 0);
      acc.spans_seen = false;
    }
  }
  std::fill(window_profile_.cells.begin(), window_profile_.cells.end(), ProfileCell{});
  window_start_ = now;
  window_arrivals_ = 0;
  window_busy_ns_ = window_core_ns_ = window_cpu_ns_ = window_gc_ns_ = window_alloc_bytes_ = 0.0;
  window_gc_cycles_ = 0;
  window_gc_pause_ns_ = 0;
  return windows_.back();
}

// Multi-window burn-rate alerting: an alert fires when both its short and its
// long window burn the error budget faster than its threshold (the long one
// proves it is not a blip), and resolves once the short one falls below half
// the threshold (the burn has stopped, even if the long window still
// remembers it; the margin keeps a burn hovering at the threshold from flapping).
void Recorder::update_alerts(SimTime now, const CompiledModel& model, WindowStats& window) {
  const int ep = model.slo_endpoint;
  if (ep < 0 || model.slo.objective >= 1.0) return;
  const double budget = 1.0 - model.slo.objective;
  auto burn_over = [&](double seconds) {
    std::uint64_t bad = 0, total = 0;
    SimTime from = now - s_to_ns(seconds);
    for (auto it = windows_.rbegin(); it != windows_.rend() && it->start >= from; ++it) {
      if (static_cast<std::size_t>(ep) >= it->endpoints.size()) break;
      bad += it->endpoints[ep].slo_bad;
      total += it->endpoints[ep].completed;
    }
    return total ? (static_cast<double>(bad) / static_cast<double>(total)) / budget : 0.0;
  };
  const auto& alerts = model.slo.alerts;
  window.burn_rate_short = burn_over(alerts.empty() ? 300.0 : alerts.front().short_window_s);
  window.burn_rate_long = burn_over(alerts.empty() ? 3600.0 : alerts.front().long_window_s);
  alerts_.resize(alerts.size());
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    const auto& rule = alerts[i];
    const double short_burn = burn_over(rule.short_window_s);
    const double long_burn = burn_over(rule.long_window_s);
    const bool over = short_burn >= rule.burn_rate && long_burn >= rule.burn_rate;
    const bool under = short_burn < rule.burn_rate / 2;
    char text[256];
    if (over && !alerts_[i].firing) {
      alerts_[i].firing = true;
      std::snprintf(text, sizeof text, "%s firing: %s SLO (%.1f%% under %s) burning at %.1fx over %.0f min, %.1fx over %.0f min",
                    rule.name.c_str(), model.slo.endpoint.c_str(), model.slo.objective * 100,
                    format_ms(ms_to_ns(model.slo.threshold_ms)).c_str(), short_burn, rule.short_window_s / 60, long_burn,
                    rule.long_window_s / 60);
      log(now, "alert", model.service.name, text);
    } else if (under && alerts_[i].firing) {
      alerts_[i].firing = false;
      std::snprintf(text, sizeof text, "%s resolved: burn rate %.1fx over %.0f min", rule.name.c_str(), short_burn,
                    rule.short_window_s / 60);
      log(now, "resolved", model.service.name, text);
    }
  }
}

// At most one error line per endpoint per minute, and only when at least 1%
// of the window's requests failed, so the log stays readable.
void Recorder::log_errors(SimTime now) {
  const WindowStats& window = windows_.back();
  for (std::size_t e = 0; e < endpoint_count_; ++e) {
    const auto& acc = window_endpoints_[e];
    const std::uint64_t served = acc.completed;
    if (acc.errors == 0 || acc.errors * 100 < served) continue;
    if (last_error_log_[e] >= 0 && now - last_error_log_[e] < 60 * kNsPerS) continue;
    last_error_log_[e] = now;
    char text[256];
    std::snprintf(text, sizeof text, "%llu of %llu requests failed in %.0f s (timeouts %llu, downstream errors %llu, rejected %llu)",
                  static_cast<unsigned long long>(acc.errors), static_cast<unsigned long long>(served),
                  ns_to_s(static_cast<double>(window.end - window.start)), static_cast<unsigned long long>(acc.timeouts),
                  static_cast<unsigned long long>(acc.downstream_errors), static_cast<unsigned long long>(acc.rejected));
    log(now, "error", endpoint_names_[e], endpoint_names_[e] + ": " + text);
  }
}

}  // namespace perfloop
