#include "sim/loop/scenario_claims.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "sim/loop/answers.h"
#include "sim/loop/claim_text.h"
#include "sim/loop/loop_expert.h"
#include "sim/loop/loop_grader.h"

namespace perfloop {

namespace {

using claims::entry;
using claims::figure;

// The fixes of bottleneck k's playbook, each measured as the grader does:
// on the run with the earlier bottlenecks' first right fixes in place, the
// phase just before it lands against the phase just after.
void bottleneck_fix_claims(LoopSession& session, std::size_t k, std::vector<ClaimResult>& out) {
  const ScenarioBuild& build = session.build();
  const BottleneckSpec& b = build.bottlenecks[k];
  const SymptomSpec& s = b.symptom;
  const std::string headline = claims::headline_name(s), unit = headline_unit(s.metric);
  const std::string bottleneck = entry("bottlenecks", k, b.id);
  auto outcome = [&](const std::string& fix) {
    std::vector<std::string> fixes = fixes_in_place(Answers{}, build, k);
    fixes.push_back(fix);
    return session.outcome(fixes);
  };

  double least_right = INFINITY;
  std::string least_right_id;
  for (std::size_t i = 0; i < b.right_fixes.size(); ++i) {
    const std::string& id = b.right_fixes[i];
    const FixOutcome out_of = outcome(id);
    const double better = claims::improvement(s.metric, out_of.headline_before, out_of.headline_after);
    if (better < least_right) {
      least_right = better;
      least_right_id = id;
    }
    ClaimResult target;
    target.kind = "right fix";
    target.field = bottleneck + "." + entry("right_fixes", i, id);
    target.claim = "a right fix brings " + headline + " within its target, " + figure(s.target, unit);
    target.ok = out_of.target_met;
    target.measured = "it takes it " + claims::from_to(s.metric, out_of.headline_before, out_of.headline_after);
    out.push_back(target);

    // What Verify reads: a right fix shrinks the hot spot it was chosen for.
    ClaimResult shrinks;
    shrinks.kind = "smaller hot spot";
    shrinks.field = target.field;
    shrinks.claim = "a right fix shrinks the hot spot by more than 5%";
    shrinks.ok = out_of.hotspot_after < 0.95 * out_of.hotspot_before;
    shrinks.measured = out_of.hotspot_unit + " goes from " + figure(out_of.hotspot_before, "") + " to " +
                       figure(out_of.hotspot_after, "");
    out.push_back(shrinks);
  }

  for (std::size_t i = 0; i < b.wrong_fixes.size(); ++i) {
    const std::string& id = b.wrong_fixes[i];
    const FixOutcome out_of = outcome(id);
    const double better = claims::improvement(s.metric, out_of.headline_before, out_of.headline_after);
    const std::string moves = "it takes " + headline + " " + claims::from_to(s.metric, out_of.headline_before, out_of.headline_after);
    ClaimResult wrong;
    wrong.kind = "wrong fix";
    wrong.field = bottleneck + "." + entry("wrong_fixes", i, id);
    wrong.claim = "a wrong fix improves " + headline + " less than every right fix";
    wrong.ok = better < least_right;
    wrong.measured = moves + (wrong.ok ? ", less than" : ", as much as") + " right fix " + least_right_id + " (" +
                     claims::change_words(least_right) + ")";
    out.push_back(wrong);

    const FixSpec* fix = build.find_fix(id);
    if (!fix || fix->touches != "elsewhere") continue;
    ClaimResult elsewhere;
    elsewhere.kind = "elsewhere fix";
    elsewhere.field = "fixes." + id + ".touches \"elsewhere\"";
    elsewhere.claim = "a fix off the critical path moves " + headline + " (" + bottleneck + ") by less than " +
                      claims::percent(kElsewhereMoveMax);
    elsewhere.ok = std::fabs(better) < kElsewhereMoveMax;
    elsewhere.measured = moves;
    out.push_back(elsewhere);
  }
}

}  // namespace

std::vector<ClaimResult> prove_fix_claims(LoopSession& session) {
  std::vector<ClaimResult> out;
  for (std::size_t k = 0; k < session.build().bottlenecks.size(); ++k) bottleneck_fix_claims(session, k, out);
  return out;
}

ClaimResult prove_expert_claim(LoopSession& session, const std::string& scenario_id) {
  const PlayResult result = grade_answers(session, expert_answers(session, scenario_id), {false});
  ClaimResult c;
  c.kind = "expert score";
  c.field = "expert answers (perfloop solve)";
  c.claim = "the expert's answers score at least " + figure(kExpertScoreMin, "") + " of 100";
  c.ok = result.total >= kExpertScoreMin;
  c.measured = "they score " + figure(result.total, "");
  if (c.ok) return c;
  // Which steps lost points: where the truth and the simulation disagree.
  std::string lost;
  for (const auto& step : result.steps)
    if (step.score < step.max - 1e-9)
      lost += (lost.empty() ? "" : ", ") + std::string(step_name(step.step)) + " of " +
              entry("bottlenecks", static_cast<std::size_t>(step.bottleneck)) + " " + figure(step.score, "") + "/" +
              figure(step.max, "");
  if (!lost.empty()) c.measured += " (" + lost + ")";
  return c;
}

std::vector<ClaimResult> prove_claims(ScenarioScript& script, std::uint64_t seed) {
  LoopSession session(script, {}, seed);
  std::vector<ClaimResult> out = prove_symptom_claims(session);
  for (auto* part : {prove_fix_claims, prove_future_claims, prove_gate_claims}) {
    std::vector<ClaimResult> more = part(session);
    out.insert(out.end(), more.begin(), more.end());
  }
  out.push_back(prove_expert_claim(session, script.id()));
  return out;
}

std::string claim_line(const ClaimResult& c) { return c.field + ": " + c.claim + ", but " + c.measured; }

std::string claims_summary(const std::vector<ClaimResult>& list) {
  // In the order the checks run, with the count of each kind.
  std::vector<std::pair<std::string, int>> kinds;
  for (const auto& c : list) {
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == c.kind; });
    if (it == kinds.end())
      kinds.push_back({c.kind, 1});
    else
      ++it->second;
  }
  std::string text;
  for (const auto& [kind, count] : kinds)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + kind +
            (count == 1 ? "" : kind.back() == 'x' ? "es" : "s");
  return text + " (" + std::to_string(list.size()) + " claims)";
}

}  // namespace perfloop
