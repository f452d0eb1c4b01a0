#include "sim/quiz/quiz_json.h"

#include <algorithm>
#include <cmath>

#include "sim/io/json_text.h"

namespace perfloop {

namespace {

using nlohmann::json;

// Folded stacks of one endpoint's profile in the card's measure, the
// format flame graph tools read; the largest 200 (a card's flame is small).
json folded_stacks(const Capture& c, const std::string& stream) {
  std::vector<std::pair<std::string, double>> stacks;
  if (c.endpoint >= 0) {
    const auto ep = static_cast<std::size_t>(c.endpoint);
    for (std::size_t s = 0; s < c.profile.stacks; ++s) {
      const ProfileCell& cell = c.profile.at(ep, s);
      const double v = stream == "alloc"    ? static_cast<double>(cell.alloc_bytes) / 1024.0
                       : stream == "offcpu" ? static_cast<double>(cell.offcpu_ns) / 1e6
                                            : static_cast<double>(cell.cpu_samples);
      if (v > 0) stacks.emplace_back(c.symbols.stack_string(static_cast<std::uint32_t>(s)), v);
    }
  }
  std::stable_sort(stacks.begin(), stacks.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (stacks.size() > 200) stacks.resize(200);
  json out = json::array();
  for (const auto& [stack, v] : stacks) out.push_back({{"stack", stack}, {"value", round_to(v, 3)}});
  return out;
}

json trace_json(const Capture& c, int index) {
  if (index < 0 || static_cast<std::size_t>(index) >= c.slow_traces.size() || c.endpoint < 0) return nullptr;
  const Trace& t = c.slow_traces[static_cast<std::size_t>(index)];
  const auto& names = c.symbols.endpoints()[static_cast<std::size_t>(c.endpoint)].spans;
  json spans = json::array();
  for (const TraceSpan& s : t.spans) {
    const auto i = static_cast<std::size_t>(s.span);
    const double baseline = c.span_baseline_ms(i);
    spans.push_back({{"name", i < names.size() ? names[i].name : "?"},
                     {"parent", s.parent},
                     {"start_ms", round_to(static_cast<double>(s.start_offset) / 1e6, 3)},
                     {"duration_ms", round_to(static_cast<double>(s.duration) / 1e6, 3)},
                     {"baseline_ms", baseline >= 0 ? json(round_to(baseline, 3)) : json(nullptr)}});
  }
  return {{"duration_ms", round_to(static_cast<double>(t.duration) / 1e6, 3)},
          {"queued_ms", round_to(static_cast<double>(t.queued) / 1e6, 3)},
          {"spans", std::move(spans)}};
}

json headline_json(const HeadlineSeries& h) {
  json points = json::array();
  for (std::size_t i = 0; i < h.t_s.size(); ++i) points.push_back({round_to(h.t_s[i], 1), round_to(h.values[i], 2)});
  return {{"endpoint", h.endpoint}, {"metric", h.metric},        {"unit", h.unit},
          {"target", h.target},     {"duration_s", h.duration_s}, {"points", std::move(points)},
          {"changes_s", h.changes_s}};
}

}  // namespace

json quiz_card_json(const QuizCard& card) {
  json evidence = {{"headline", headline_json(card.headline)}};
  switch (card.kind()) {
    case QuizKind::Classify: {
      const ClassifyEvidence& c = card.classify;
      evidence["window_s"] = {c.capture.window.from_s, c.capture.window.to_s};
      evidence["baseline_s"] = {c.capture.window.base_from_s, c.capture.window.base_to_s};
      json flames = json::array();
      for (const StreamView& v : c.streams) {
        json widest = json::array();
        for (const auto& [frame, value] : v.widest) widest.push_back({{"frame", frame}, {"value", round_to(value, 2)}});
        flames.push_back({{"stream", v.stream},
                          {"unit", v.stream == "alloc" ? "KB" : v.stream == "offcpu" ? "ms" : "samples"},
                          {"widest_unit", v.unit},
                          {"widest", std::move(widest)},
                          {"stacks", folded_stacks(c.capture, v.stream)}});
      }
      evidence["flames"] = std::move(flames);
      evidence["trace"] = trace_json(c.capture, c.trace);
      break;
    }
    case QuizKind::Predict: {
      const PredictEvidence& p = card.predict;
      evidence["current"] = p.current;
      evidence["target"] = p.target;
      evidence["unit"] = card.headline.unit;
      evidence["hot_spot"] = {{"name", p.hot_spot}, {"stream", p.stream}, {"share_pct", p.share_pct}};
      evidence["fix"] = {{"id", p.fix_id}, {"title", p.fix_title}, {"local_speedup", p.local_speedup}};
      evidence["load"] = {{"cores", p.cores},
                          {"rps", round_to(p.rps, 1)},
                          {"cpu_utilisation_pct", round_to(100.0 * p.cpu_utilisation, 1)},
                          {"hot_spot_cpu_share_of_service_pct", p.service_cpu_share_pct}};
      break;
    }
    case QuizKind::Enforce: {
      const EnforceEvidence& e = card.enforce;
      json changes = json::array();
      for (const auto& c : e.changes) changes.push_back({{"day", c.day}, {"title", c.title}, {"text", c.text}});
      evidence["regression"] = {{"what", e.what_happened},
                                {"before", e.before},
                                {"during", e.during},
                                {"unit", card.headline.unit},
                                {"fixed_by", e.fix_title}};
      evidence["changes"] = std::move(changes);
      break;
    }
  }
  json choices = json::array();
  for (const auto& c : card.choices) {
    json j = {{"id", c.id}, {"label", c.label}};
    if (!c.detail.empty()) j["detail"] = c.detail;
    choices.push_back(std::move(j));
  }
  // A classify item names its family: null until the card is answered.
  const json item = card.kind() == QuizKind::Classify ? json(nullptr) : json(card.item);
  return {{"id", card.id},       {"kind", quiz_kind_name(card.kind())}, {"item", item},
          {"prompt", card.prompt}, {"evidence", std::move(evidence)}, {"choices", std::move(choices)}};
}

json quiz_result_json(const QuizCard& card, const QuizResult& r) {
  json out = {{"id", card.id},
              {"score", r.score},
              {"max", r.max},
              {"feedback", r.feedback},
              {"truth", quiz_answer_json(card, r.truth)},
              {"families", r.families},
              {"scenario", card.scenario_id},
              {"root_cause", r.root_cause}};
  if (r.predict) {
    const PredictOutcome& o = *r.predict;
    out["outcome"] = {{"actual", round_to(o.actual, 1)},
                      {"target_met", o.target_met},
                      {"amdahl", round_to(o.amdahl, 1)},
                      {"queueing", round_to(o.queueing.headline, 1)},
                      {"utilisation_before_pct", round_to(100 * o.queueing.utilisation_before, 1)},
                      {"utilisation_after_pct", round_to(100 * o.queueing.utilisation_after, 1)},
                      {"followed", o.followed}};
  }
  if (r.enforce) {
    json changes = json::array();
    for (const auto& c : r.enforce->changes)
      changes.push_back({{"day", c.day}, {"title", c.title}, {"harmful", c.harmful}, {"verdict", verdict_name(c.verdict)},
                         {"blocked_by", c.blocked_by}, {"paged_by", c.paged_by}});
    out["outcome"] = {{"caught", r.enforce->caught}, {"harmful", r.enforce->harmful},
                      {"false_alarms", r.enforce->false_alarms}, {"harmless", r.enforce->harmless},
                      {"runbook", r.enforce->has_runbook}, {"changes", std::move(changes)}};
  }
  return out;
}

}  // namespace perfloop
