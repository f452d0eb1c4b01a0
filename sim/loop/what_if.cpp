#include "sim/loop/what_if.h"

#include <algorithm>

namespace perfloop {

WhatIfRuns::WhatIfRuns(ScenarioScript& script, ParamValues overrides, std::uint64_t seed)
    : script_(script), overrides_(std::move(overrides)), seed_(seed) {
  planned_ = plan_run(script_, overrides_, {}, seed_);
  build_ = script_.build(planned_.params);
}

SimTime WhatIfRuns::fix_time(std::size_t index) const {
  const double first = build_.fix_at_s >= 0 ? build_.fix_at_s : build_.duration_s * 2.0 / 3.0;
  return s_to_ns(first + static_cast<double>(index) * build_.fix_spacing_s);
}

// Runs to just before the next fix would land, keeps that copy to fork from,
// then runs to the end.
void WhatIfRuns::finish(Entry& e, std::unique_ptr<Simulation> sim, std::size_t fixes) {
  const SimTime next_fix = fix_time(fixes);
  // Only the loop's own fixes chain: one per bottleneck.
  const std::size_t depth = std::max<std::size_t>(1, build_.bottlenecks.size());
  if (next_fix < sim->duration() && fixes < depth) {
    sim->run_until(next_fix - 1);
    e.paused = std::make_unique<Simulation>(sim->fork());
  }
  sim->run();
  e.finished = std::move(sim);
  ++simulated_;
}

void WhatIfRuns::evict() {
  while (cache_.size() > kMaxEntries) {
    auto oldest = cache_.end();
    for (auto it = cache_.begin(); it != cache_.end(); ++it)
      if (!it->first.empty() && (oldest == cache_.end() || it->second.last_used < oldest->second.last_used)) oldest = it;
    if (oldest == cache_.end()) return;
    cache_.erase(oldest);
  }
}

const Simulation& WhatIfRuns::run(const std::vector<std::string>& fixes) {
  Entry& e = entry(fixes);
  e.last_used = ++clock_;
  const Simulation& sim = *e.finished;
  evict();  // never the entry just used: it is the most recent
  return sim;
}

WhatIfRuns::Entry& WhatIfRuns::entry(const std::vector<std::string>& fixes) {
  if (auto it = cache_.find(fixes); it != cache_.end()) {
    it->second.last_used = ++clock_;
    return it->second;
  }
  if (fixes.empty()) {
    Entry e;
    finish(e, std::make_unique<Simulation>(planned_.plan), 0);
    return cache_.emplace(fixes, std::move(e)).first->second;
  }
  const std::vector<std::string> before(fixes.begin(), fixes.end() - 1);
  // Plan first: an unknown fix id throws before anything is simulated.
  const PlannedRun with = plan_run(script_, overrides_, fixes, seed_);
  Entry& parent = entry(before);
  Entry e;
  parent.last_used = ++clock_;
  if (!parent.paused && fix_time(before.size()) < parent.finished->duration()) {
    // A sequence longer than the loop's: simulate it from the start.
    auto sim = std::make_unique<Simulation>(with.plan);
    sim->run();
    e.finished = std::move(sim);
    ++simulated_;
  } else if (!parent.paused) {
    // The fix would land after the end: the run is the parent's.
    e.finished = std::make_unique<Simulation>(parent.finished->fork());
  } else {
    auto sim = std::make_unique<Simulation>(parent.paused->fork());
    const SimTime lands = fix_time(fixes.size() - 1);
    // Everything from here on follows the plan with this fix: the fix's own
    // change, and later timeline changes rebuilt with the fix in place.
    sim->cancel_stages_from(lands);
    for (const Stage& stage : with.plan.stages)
      if (stage.at >= lands) sim->add_stage(stage, with.plan.models[static_cast<std::size_t>(stage.model)]);
    finish(e, std::move(sim), fixes.size());
  }
  return cache_.emplace(fixes, std::move(e)).first->second;
}

}  // namespace perfloop
