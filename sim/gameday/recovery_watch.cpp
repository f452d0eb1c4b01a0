#include "sim/gameday/recovery_watch.h"

#include <cmath>
#include <limits>

#include "sim/engine/histogram.h"

namespace perfloop {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double rolling_headline(const std::vector<WindowStats>& windows, std::size_t last, const HeadlineWatch& watch,
                        SimTime span) {
  if (last >= windows.size() || watch.endpoint < 0) return kNaN;
  const auto ep = static_cast<std::size_t>(watch.endpoint);
  const SimTime from = windows[last].end - span;
  // A thread-local scratch histogram: merging a minute of windows costs no
  // allocation per call once it exists.
  thread_local LogHistogram merged;
  merged.clear();
  std::uint64_t completed = 0, errors = 0;
  SimTime covered = 0;
  const bool client = watch.metric == "lcp" || watch.metric == "inp";
  for (std::size_t i = last + 1; i-- > 0;) {
    const WindowStats& w = windows[i];
    if (w.start < from) break;
    covered += w.end - w.start;
    if (ep >= w.endpoints.size()) continue;
    const EndpointWindow& e = w.endpoints[ep];
    completed += e.completed;
    errors += e.errors;
    if (watch.metric == "lcp") merged.merge(e.lcp_ns);
    else if (watch.metric == "inp") merged.merge(e.inp_ns);
    else merged.merge(e.latency_ns);
  }
  if (watch.metric == "rps") return covered > 0 ? static_cast<double>(completed) / ns_to_s(static_cast<double>(covered)) : kNaN;
  if (completed == 0) return kNaN;
  if (watch.metric == "error_rate") return 100.0 * static_cast<double>(errors) / static_cast<double>(completed);
  if (merged.count() == 0) return kNaN;
  const double q = client ? 0.75 : watch.metric == "p50" ? 0.5 : 0.99;
  return merged.quantile(q) / 1e6;
}

bool within_target(const HeadlineWatch& watch, double value) {
  if (std::isnan(value)) return false;
  return watch.metric == "rps" ? value >= watch.target : value <= watch.target;
}

void RecoveryWatch::arm(SimTime t) {
  if (!armed_from_) armed_from_ = t;
}

void RecoveryWatch::update(const std::vector<WindowStats>& windows) {
  for (; read_ < windows.size(); ++read_) {
    if (recovered_ || !armed_from_) continue;
    const WindowStats& w = windows[read_];
    if (w.end <= *armed_from_) continue;
    bool all_within = true;
    for (const auto& watch : watches_) all_within = all_within && within_target(watch, rolling_headline(windows, read_, watch));
    if (!all_within) {
      within_since_.reset();
      continue;
    }
    if (!within_since_) within_since_ = w.end;
    if (w.end - *within_since_ >= kRecoveryHold) recovered_ = within_since_;
  }
}

}  // namespace perfloop
