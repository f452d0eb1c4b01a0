#include "sim/loop/loop_expert.h"

#include <algorithm>
#include <cmath>

namespace perfloop {

namespace {

// The speed-up s of a part with share p that makes the whole `ratio` times
// faster (Amdahl's law solved for s); huge where removing the part entirely
// would not be enough, since then no s is.
double implied_speedup(double share, double ratio) {
  if (share <= 0.0 || ratio <= 1.0) return 1.0;
  const double denominator = 1.0 / ratio - (1.0 - share);
  if (denominator <= share / 1e6) return 1e6;
  return std::max(1.0, share / denominator);
}

double round1(double x) { return std::round(x * 10.0) / 10.0; }

}  // namespace

std::vector<GateChoice> best_gate_set(LoopSession& session) {
  const auto& gates = session.build().enforce.gates;
  std::vector<const GateSpec*> checks;
  std::vector<GateChoice> runbooks;
  for (const auto& g : gates) {
    if (g.kind == "runbook")
      runbooks.push_back({g.id, std::nullopt});
    else
      checks.push_back(&g);
  }
  // Every subset while that stays cheap (the replay's readings are shared;
  // each evaluation only compares numbers).
  const std::size_t n = std::min<std::size_t>(checks.size(), 16);
  std::vector<GateChoice> best = runbooks;
  double best_score = session.replay().evaluate(best, false).score;
  std::size_t best_count = 0;
  for (std::uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<GateChoice> choice = runbooks;
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) {
        choice.push_back({checks[i]->id, std::nullopt});
        ++count;
      }
    const double score = session.replay().evaluate(choice, false).score;
    if (score > best_score + 1e-12 || (std::fabs(score - best_score) <= 1e-12 && count < best_count)) {
      best_score = score;
      best_count = count;
      best = std::move(choice);
    }
  }
  return best;
}

Answers expert_answers(LoopSession& session, const std::string& scenario_id, bool then_graded) {
  const ScenarioBuild& build = session.build();
  // Every run the key reads, on every core at once: the chain of right
  // fixes (each forked from the one before) and the replay's readings.
  SessionNeeds needs;
  std::vector<std::string> chain;
  for (std::size_t k = 0; k < build.bottlenecks.size() && !build.bottlenecks[k].right_fixes.empty(); ++k) {
    const double live_to = session.fix_time_s(k);
    const double to_s = live_to > build.bottlenecks[k].symptom.onset_s ? live_to : build.duration_s;
    const BottleneckSpec& b = build.bottlenecks[k];
    // The capture the key reads p from, as the loop below asks for it.
    needs.captures.push_back({chain, k, b.stream, b.symptom.onset_s, to_s, b.symptom.onset_s,
                              b.stream == "trace" && !b.hot_span.empty() ? b.hot_span : b.hot_frame});
    needs.runs.push_back({chain, capture_through(build, to_s)});
    chain.push_back(build.bottlenecks[k].right_fixes.front());
    needs.runs.push_back({chain, WhatIfRuns::kToTheEnd});
  }
  needs.readings = !build.enforce.gates.empty();
  needs.drift = then_graded && needs.readings;
  needs.expert_gate_set = needs.drift;
  session.prepare(needs);
  Answers answers;
  answers.scenario = scenario_id;
  std::vector<std::string> fixes;
  for (std::size_t k = 0; k < build.bottlenecks.size(); ++k) {
    const BottleneckSpec& b = build.bottlenecks[k];
    BottleneckAnswers a;
    const double live_to = session.fix_time_s(k);

    ObserveAnswer observe;
    observe.endpoint = b.symptom.endpoint;
    observe.metric = b.symptom.metric;
    observe.onset_s = b.symptom.onset_s;
    observe.side = b.symptom.side;
    a.observe = observe;

    ProfileAnswer profile;
    profile.stream = b.stream;
    profile.from_s = b.symptom.onset_s;
    profile.to_s = live_to > b.symptom.onset_s ? live_to : build.duration_s;
    profile.hot_frame = b.stream == "trace" && !b.hot_span.empty() ? b.hot_span : b.hot_frame;
    a.profile = profile;

    ClassifyAnswer classify;
    classify.families = b.families;
    a.classify = classify;

    const std::string fix_id = b.right_fixes.front();
    const StreamReading capture = session.capture(fixes, k, profile.stream, profile.from_s, profile.to_s,
                                                  b.symptom.onset_s, profile.hot_frame);
    fixes.push_back(fix_id);
    const FixOutcome out = session.outcome(fixes);

    PredictAnswer predict;
    predict.fix = fix_id;
    predict.share_pct = std::isnan(capture.share_pct) ? 0.0 : round1(capture.share_pct);
    const double ratio = b.symptom.metric == "rps" ? out.headline_after / std::max(1e-9, out.headline_before)
                                                   : out.headline_before / std::max(1e-9, out.headline_after);
    predict.speedup = round1(implied_speedup(predict.share_pct / 100.0, ratio));
    predict.headline = round1(out.headline_after);
    predict.go = out.target_met;
    a.predict = predict;

    FixAnswer fix;
    fix.id = fix_id;
    a.fix = fix;

    VerifyAnswer verify;
    verify.hotspot_shrank = out.hotspot_after < 0.95 * out.hotspot_before;
    verify.headline_improved = b.symptom.metric == "rps" ? out.headline_after > 1.05 * out.headline_before
                                                         : out.headline_after < 0.95 * out.headline_before;
    verify.target_met = out.target_met;
    a.verify = verify;

    MoveOnAnswer move_on;
    move_on.resolved = out.target_met;
    move_on.next_frame = out.widest_frame;
    a.move_on = move_on;
    answers.bottlenecks.push_back(std::move(a));
  }
  if (!build.enforce.gates.empty()) {
    EnforceAnswer enforce;
    enforce.gates = best_gate_set(session);
    answers.enforce = enforce;
  }
  return answers;
}

}  // namespace perfloop
