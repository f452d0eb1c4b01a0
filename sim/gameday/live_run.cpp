#include "sim/gameday/live_run.h"

#include <algorithm>

namespace perfloop {

std::vector<HeadlineWatch> headline_watches(const ScenarioBuild& build) {
  std::vector<HeadlineWatch> watches;
  for (const auto& b : build.bottlenecks) {
    HeadlineWatch w;
    const auto& eps = build.model.endpoints;
    const auto it = std::find_if(eps.begin(), eps.end(), [&](const auto& e) { return e.name == b.symptom.endpoint; });
    w.endpoint = it == eps.end() ? -1 : static_cast<int>(it - eps.begin());
    w.metric = b.symptom.metric;
    w.target = b.symptom.target;
    watches.push_back(w);
  }
  return watches;
}

namespace {

PlannedRun checked_plan(ScenarioScript& script, const ParamValues& overrides, std::uint64_t seed) {
  const auto& params = script.params();
  if (std::none_of(params.begin(), params.end(), [](const ParamSpec& p) { return p.name == "fix_at_s"; }))
    throw ScenarioError(script.file(), 0, "params.fix_at_s",
                        "a game day lands each fix when the team applies it, which needs a fix_at_s parameter "
                        "passed to the build's fix_at_s");
  return plan_run(script, overrides, {}, seed);
}

}  // namespace

LiveRun::LiveRun(ScenarioScript& script, ParamValues overrides, std::uint64_t seed)
    : script_(script),
      overrides_(std::move(overrides)),
      seed_(seed),
      planned_(checked_plan(script_, overrides_, seed_)),
      build_(script_.build(planned_.params)),
      sim_(planned_.plan),
      in_force_(build_.bottlenecks.size()),
      recovery_(headline_watches(build_)) {}

void LiveRun::advance_to(SimTime t) {
  t = std::min(t, sim_.duration());
  if (t <= sim_.now()) return;
  sim_.run_until(t);
  scan();
}

void LiveRun::scan() {
  const auto& events = sim_.events();
  for (; events_read_ < events.size(); ++events_read_)
    if (!page_ && events[events_read_].kind == "alert") {
      page_ = events[events_read_].t;
      page_text_ = events[events_read_].text;
    }
  recovery_.update(sim_.windows());
}

void LiveRun::apply_fix(std::size_t bottleneck, const std::string& fix) {
  if (bottleneck >= in_force_.size())
    throw ScenarioError(script_.file(), 0, "bottlenecks", "no bottleneck " + std::to_string(bottleneck + 1));
  std::vector<std::string> next = in_force_;
  next[bottleneck] = fix;
  std::vector<std::string> fixes;
  for (const auto& id : next)
    if (!id.empty()) fixes.push_back(id);
  const SimTime now = sim_.now();
  // plan_run lands the n-th fix (n-1) spacings after fix_at_s: move
  // fix_at_s so the last one, this one, lands now.
  ParamValues overrides = overrides_;
  const double spacing = build_.fix_spacing_s * static_cast<double>(fixes.size() - 1);
  overrides["fix_at_s"] = std::max(0.0, ns_to_s(static_cast<double>(now)) - spacing);
  const PlannedRun with = plan_run(script_, overrides, fixes, seed_);
  SimTime lands = now;
  for (const Stage& stage : with.plan.stages)
    if (stage.kind == "fix") lands = stage.at;
  // Everything from here on follows the plan with this fix in place: its
  // own change, and later timeline changes rebuilt with it.
  const SimTime from = std::min(lands, now);
  sim_.cancel_stages_from(now);
  for (Stage stage : with.plan.stages) {
    if (stage.at < from) continue;
    stage.at = std::max(stage.at, now);
    sim_.add_stage(stage, with.plan.models[static_cast<std::size_t>(stage.model)]);
  }
  in_force_ = std::move(next);
  const auto& right = build_.bottlenecks[bottleneck].right_fixes;
  applied_.push_back({bottleneck, fix, now, std::find(right.begin(), right.end(), fix) != right.end()});
  recovery_.arm(now);
}

}  // namespace perfloop
