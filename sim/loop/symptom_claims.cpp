// The claims a bottleneck's truth makes about the incident as it plays:
// its symptom starts moving at onset_s, and its stream shows the hot frame
// (or span) while it is live. Both read the run a learner meets the
// bottleneck in (the earlier bottlenecks' first right fixes in place).
#include <algorithm>
#include <cmath>

#include "sim/engine/profile_query.h"
#include "sim/engine/time.h"
#include "sim/loop/answers.h"
#include "sim/loop/claim_text.h"
#include "sim/loop/scenario_claims.h"
#include "sim/loop/scoring.h"

namespace perfloop {

namespace {

using claims::entry;
using claims::figure;

// One window's reading of a headline on one endpoint, as the summaries
// compute it for a phase; NaN when the window holds nothing to read.
double window_headline(const WindowStats& w, std::size_t endpoint, const std::string& metric) {
  if (endpoint >= w.endpoints.size()) return NAN;
  const EndpointWindow& e = w.endpoints[endpoint];
  if (metric == "rps") return static_cast<double>(e.completed) / ns_to_s(static_cast<double>(w.end - w.start));
  if (metric == "error_rate") return e.completed ? 100.0 * static_cast<double>(e.errors) / static_cast<double>(e.completed) : NAN;
  if (metric == "lcp" || metric == "inp") {
    const SparseHistogram& h = metric == "lcp" ? e.lcp_ns : e.inp_ns;
    return h.count() ? h.quantile(0.75) / 1e6 : NAN;
  }
  if (e.latency_ns.count() == 0) return NAN;
  return e.latency_ns.quantile(metric == "p50" ? 0.5 : 0.99) / 1e6;
}

struct Point {
  double start_s = 0.0, end_s = 0.0, value = 0.0;
};

std::vector<Point> headline_windows(const Simulation& sim, const SymptomSpec& s) {
  std::vector<Point> points;
  const int e = sim.symbols().find_endpoint(s.endpoint);
  if (e < 0) return points;
  for (const auto& w : sim.windows()) {
    const double v = window_headline(w, static_cast<std::size_t>(e), s.metric);
    if (!std::isnan(v)) points.push_back({ns_to_s(static_cast<double>(w.start)), ns_to_s(static_cast<double>(w.end)), v});
  }
  return points;
}

// The windows of [from, to), by value.
std::vector<double> values_in(const std::vector<Point>& points, double from_s, double to_s) {
  std::vector<double> values;
  for (const auto& p : points)
    if (p.start_s >= from_s - 1e-6 && p.end_s <= to_s + 1e-6) values.push_back(p.value);
  return values;
}

double median(std::vector<double> values) {
  if (values.empty()) return NAN;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

// How the headline changes at `at_s`: the windows of `span` after it
// against those of `span` before it (the after side cut at `until_s`).
// One window's p99 is noisy; comparing every window after with every
// window before is not, and a drift of a few percent that holds shows as
// clearly as a jump.
struct Move {
  double at_s = 0.0;
  double before = NAN, after = NAN;  // medians
  double worse = NAN;                // the medians' change, a fraction: positive is worse
  double worse_pairs = NAN;          // share of (after, before) window pairs in which after is worse
};

Move move_at(const std::vector<Point>& points, const std::string& metric, double at_s, double span, double until_s) {
  Move m;
  m.at_s = at_s;
  const std::vector<double> before = values_in(points, at_s - span, at_s);
  const std::vector<double> after = values_in(points, at_s, std::min(until_s, at_s + span));
  if (before.size() < 3 || after.size() < 3) return m;
  m.before = median(before);
  m.after = median(after);
  m.worse = -claims::improvement(metric, m.before, m.after);
  double pairs = 0.0;
  for (double a : after)
    for (double b : before) pairs += a == b ? 0.5 : (metric == "rps") == (a < b) ? 1.0 : 0.0;
  m.worse_pairs = pairs / static_cast<double>(after.size() * before.size());
  return m;
}

bool moved(const Move& m) { return m.worse_pairs >= kOnsetWorsePairsMin && m.worse >= kOnsetMoveMin; }

ClaimResult onset_claim(LoopSession& session, std::size_t k) {
  const ScenarioBuild& build = session.build();
  const BottleneckSpec& b = build.bottlenecks[k];
  const SymptomSpec& s = b.symptom;
  const std::vector<Point> points = headline_windows(session.runs().run(fixes_in_place(Answers{}, build, k)), s);
  // Each side spans four times Observe's tolerance: a move that far from
  // onset_s leaves enough windows on the wrong side to fail the pairs.
  const double tolerance = onset_tolerance_s(build.duration_s);
  const double span = 4.0 * tolerance, until = session.fix_time_s(k);
  const Move at = move_at(points, s.metric, s.onset_s, span, until);

  ClaimResult c;
  c.kind = "onset";
  c.field = entry("bottlenecks", k, b.id) + ".symptom.onset_s";
  c.claim = claims::headline_name(s) + " gets worse at " + clock_text(s.onset_s) + ": its windows in the " +
            figure(span, "s") + " after are worse than those in the " + figure(span, "s") + " before, by a median " +
            claims::percent(kOnsetMoveMin) + " or more and in " + claims::percent(kOnsetWorsePairsMin) + " of pairs";
  if (std::isnan(at.worse)) {
    c.measured = "there are not three metric windows on each side of " + clock_text(s.onset_s) + " to compare";
    return c;
  }
  c.ok = moved(at);
  c.measured = "it goes " + claims::from_to(s.metric, at.before, at.after) + ", worse in " +
               claims::percent(at.worse_pairs) + " of pairs";
  if (c.ok) return c;
  // Where it does move: the author's onset is probably there. The clearest
  // move is the one most window pairs agree on; of equals, the first, where
  // the windows after it start to differ.
  Move clearest;
  for (const auto& p : points) {
    if (p.start_s > until) break;
    const Move m = move_at(points, s.metric, p.start_s, span, until);
    if (!std::isnan(m.worse) && m.worse > 0 && (std::isnan(clearest.worse) || m.worse_pairs > clearest.worse_pairs + 1e-9))
      clearest = m;
  }
  if (!std::isnan(clearest.worse) && clearest.at_s != at.at_s)
    c.measured += "; it moves most clearly at " + clock_text(clearest.at_s) + ", " +
                  claims::from_to(s.metric, clearest.before, clearest.after);
  return c;
}

// What the frame costs a request of the endpoint in its stream over [from, to):
// ms of CPU, KB allocated or ms off CPU, counting everything under it.
double per_request(const Simulation& sim, const std::string& endpoint, const std::string& stream,
                   const std::string& frame, double from_s, double to_s) {
  const int e = sim.symbols().find_endpoint(endpoint);
  if (e < 0) return 0.0;
  const SimTime from = s_to_ns(from_s), to = s_to_ns(to_s);
  const auto requests = static_cast<double>(range_requests(sim, static_cast<std::size_t>(e), from, to));
  if (requests <= 0) return 0.0;
  const FrameCost f = frame_cost(sim.symbols(), range_profile(sim, from, to), static_cast<std::size_t>(e), frame);
  if (stream == "cpu") return f.cpu_ns / 1e6 / requests;
  if (stream == "alloc") return f.alloc_bytes / 1024.0 / requests;
  return f.offcpu_ns / 1e6 / requests;
}

// "name 22.1, other 8.0 (% of CPU samples (self))": what the stream's top lists.
std::string top_text(const StreamReading& r) {
  std::string text;
  for (std::size_t i = 0; i < r.top.size() && i < 3; ++i)
    text += (i ? ", " : "") + r.top[i].first + " " + figure(r.top[i].second, "");
  return text.empty() ? "nothing" : text + " (" + r.unit + ")";
}

ClaimResult hot_spot_claim(LoopSession& session, std::size_t k) {
  const ScenarioBuild& build = session.build();
  const BottleneckSpec& b = build.bottlenecks[k];
  const SymptomSpec& s = b.symptom;
  const bool span = b.stream == "trace" && !b.hot_span.empty();
  const std::string hot = span ? b.hot_span : b.hot_frame;
  const std::vector<std::string> earlier = fixes_in_place(Answers{}, build, k);
  // While the bottleneck is live, as the expert captures it, against as long again before the onset.
  const double from = s.onset_s, to = session.fix_time_s(k);
  const StreamReading now = session.capture(earlier, k, b.stream, from, to, s.onset_s, hot);
  const std::string window = " from " + clock_text(from) + " to " + clock_text(to);

  ClaimResult c;
  c.kind = "hot spot";
  c.field = entry("bottlenecks", k, b.id) + (span ? ".hot_span " : ".hot_frame ") + quote(hot, 80);
  if (b.stream == "bundle") {
    // A bundle analyzer has no frames: what it shows is the route's JavaScript.
    const double kb = now.top.empty() ? 0.0 : now.top.front().second;
    const StreamReading was = session.capture(earlier, k, b.stream, std::max(0.0, 2 * from - to), from, 0.0, hot);
    const double kb_before = was.top.empty() ? 0.0 : was.top.front().second;
    c.claim = "the bundle stream of " + s.endpoint + " shows its page's JavaScript grown since before the onset";
    c.ok = kb > kb_before;
    c.measured = now.top.empty() ? s.endpoint + " has no page (client) to analyse"
                                 : now.top.front().first + " " + figure(kb_before, "KB") + " before, " + figure(kb, "KB") + window;
    return c;
  }
  const double share = std::isnan(now.share_pct) ? 0.0 : now.share_pct;
  c.measured = "it has " + claims::percent(share / 100.0) + " of it" + window;
  if (span) {
    c.claim = "the trace stream of " + s.endpoint + " shows it, with at least " + claims::percent(kHotShareMinPct / 100.0) +
              " of the request's time and among the three spans that grew most";
    bool ranked = false;
    for (std::size_t i = 0; i < now.top.size() && i < 3; ++i) ranked = ranked || now.top[i].first == hot;
    c.ok = share >= kHotShareMinPct && ranked;
  } else {
    // Grown per request, not only in share: a frame alone in its stream has 100% before and after.
    c.claim = "the " + b.stream + " stream of " + s.endpoint + " shows it, with at least " +
              claims::percent(kHotShareMinPct / 100.0) + " of the stream and " + claims::percent(kHotGrowthMin - 1.0) +
              " more per request than before the onset";
    const Simulation& sim = session.runs().run(earlier);
    const double after = per_request(sim, s.endpoint, b.stream, hot, from, to);
    const double before = per_request(sim, s.endpoint, b.stream, hot, std::max(0.0, 2 * from - to), from);
    const std::string unit = b.stream == "alloc" ? "KB" : "ms";
    c.ok = share >= kHotShareMinPct && after >= kHotGrowthMin * before && after > 0;
    c.measured += ", " + figure(after, unit) + " per request against " + figure(before, unit) + " before";
  }
  if (!c.ok) c.measured += "; the stream's top: " + top_text(now);
  return c;
}

}  // namespace

std::vector<ClaimResult> prove_symptom_claims(LoopSession& session) {
  std::vector<ClaimResult> out;
  for (std::size_t k = 0; k < session.build().bottlenecks.size(); ++k) {
    out.push_back(onset_claim(session, k));
    out.push_back(hot_spot_claim(session, k));
  }
  return out;
}

}  // namespace perfloop
