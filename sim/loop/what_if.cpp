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

bool WhatIfRuns::pauses_for_next(std::size_t fixes, SimTime duration) const {
  // Only the loop's own fixes chain: one per bottleneck.
  const std::size_t depth = std::max<std::size_t>(1, build_.bottlenecks.size());
  return fix_time(fixes) < duration && fixes < depth;
}

// Takes the run forward, stopping just before the next fix would land to
// keep a copy to fork from.
void WhatIfRuns::advance(Entry& e, std::size_t fixes, SimTime t,
                         const std::function<void(const Simulation&)>& paused) const {
  const SimTime end = e.sim->duration();
  const SimTime target = t == kToTheEnd ? end : std::min(t, end);
  if (!e.paused && pauses_for_next(fixes, end)) {
    const SimTime stop = fix_time(fixes) - 1;
    if (target < stop) {
      if (e.sim->now() < target) e.sim->run_until(target);
      return;
    }
    e.sim->run_until(stop);
    e.paused = std::make_unique<Simulation>(e.sim->fork());
    if (paused) paused(*e.paused);
  }
  if (e.sim->now() < target || (target == end && !e.sim->finished())) e.sim->run_until(target);
}

std::unique_ptr<Simulation> WhatIfRuns::fork_with_fix(const Simulation& parent, const std::vector<std::string>& fixes,
                                                      const PlannedRun& with) const {
  // Everything from the fix on follows the plan with it: the fix's own
  // change, and later timeline changes rebuilt with the fix in place.
  return std::make_unique<Simulation>(fork_onto_plan(parent, fix_time(fixes.size() - 1), with));
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

const Simulation& WhatIfRuns::run(const std::vector<std::string>& fixes) { return run_through(fixes, kToTheEnd); }

const Simulation& WhatIfRuns::run_through(const std::vector<std::string>& fixes, SimTime t) {
  Entry& e = entry(fixes);
  try {
    advance(e, fixes.size(), t);
  } catch (...) {
    cache_.erase(fixes);  // stopped mid-event: asked again, it starts over (and fails the same way)
    throw;
  }
  e.last_used = ++clock_;
  const Simulation& sim = *e.sim;
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
    e.sim = std::make_unique<Simulation>(planned_.plan);
    ++simulated_;
    return cache_.emplace(fixes, std::move(e)).first->second;
  }
  const std::vector<std::string> before(fixes.begin(), fixes.end() - 1);
  // Plan first: an unknown fix id throws before anything is simulated.
  const PlannedRun with = plan_run(script_, overrides_, fixes, seed_);
  Entry& parent = entry(before);
  try {
    advance(parent, before.size(), fix_time(before.size()) - 1);  // where it forks, if it does
  } catch (...) {
    cache_.erase(before);
    throw;
  }
  Entry e;
  parent.last_used = ++clock_;
  if (!parent.paused && fix_time(before.size()) < parent.sim->duration()) {
    // A sequence longer than the loop's: simulate it from the start.
    e.sim = std::make_unique<Simulation>(with.plan);
    ++simulated_;
  } else if (!parent.paused) {
    // The fix would land after the end: the run is the parent's.
    try {
      advance(parent, before.size(), kToTheEnd);
    } catch (...) {
      cache_.erase(before);
      throw;
    }
    e.sim = std::make_unique<Simulation>(parent.sim->fork());
  } else {
    e.sim = fork_with_fix(*parent.paused, fixes, with);
    ++simulated_;
  }
  return cache_.emplace(fixes, std::move(e)).first->second;
}

namespace {

// One run prefetch takes forward: its plan, where it starts, how far it goes.
struct PrefetchNode {
  std::vector<std::string> fixes;
  PlannedRun with;
  bool fresh = false;                 // started here, not found in the cache
  SimTime through = 0;                // kToTheEnd, or a time
  std::vector<PrefetchNode*> children;
  std::vector<std::function<void(const Simulation&)>> reached;  // the wanted runs' hooks
  bool done = false;
};

}  // namespace

struct WhatIfRuns::Prefetch {
  std::map<std::vector<std::string>, PrefetchNode> nodes;
  std::map<std::vector<std::string>, Entry> made;  // fresh runs' slots, every one made before any job runs
  std::map<const PrefetchNode*, Entry*> entry_of;
};

void WhatIfRuns::prefetch(const std::vector<Wanted>& wanted, RunPool& pool) {
  // Parents come before their children in a map ordered by sequence, and
  // only runs that fork the way entry() forks are taken: the rest (longer
  // than the loop's chain, or a fix after the end) stay with entry().
  auto state = std::make_shared<Prefetch>();
  auto& nodes = state->nodes;
  const SimTime duration = planned_.plan.duration;
  auto further = [](SimTime a, SimTime b) { return a == kToTheEnd || b == kToTheEnd ? kToTheEnd : std::max(a, b); };
  for (const auto& w : wanted) {
    for (std::size_t n = 0; n <= w.fixes.size(); ++n) {
      const std::vector<std::string> fixes(w.fixes.begin(), w.fixes.begin() + static_cast<std::ptrdiff_t>(n));
      // A prefix goes as far as its fork; the wanted run as far as asked.
      const SimTime through = n == w.fixes.size() ? w.through : fix_time(n) - 1;
      if (auto it = nodes.find(fixes); it != nodes.end()) {
        it->second.through = further(it->second.through, through);
        if (n == w.fixes.size() && w.reached) it->second.reached.push_back(w.reached);
        continue;
      }
      const auto cached = cache_.find(fixes);
      if (n > 0) {
        const std::vector<std::string> before(fixes.begin(), fixes.end() - 1);
        const auto parent = cache_.find(before);
        const bool parent_pauses = (parent != cache_.end() && parent->second.paused) || pauses_for_next(n - 1, duration);
        if (!parent_pauses) break;
      }
      PrefetchNode node;
      node.fixes = fixes;
      node.through = through;
      if (n == w.fixes.size() && w.reached) node.reached.push_back(w.reached);
      node.fresh = cached == cache_.end();
      if (node.fresh) {
        try {
          node.with = n == 0 ? planned_ : plan_run(script_, overrides_, fixes, seed_);
        } catch (const std::exception&) {
          break;  // entry() plans it again and says why
        }
      }
      nodes.emplace(fixes, std::move(node));
    }
  }

  // Where each run starts: a fresh run from its plan or from its parent's
  // pause (now, when the parent already has it; else when it gets there).
  std::vector<PrefetchNode*> roots;
  for (auto& [fixes, node] : nodes) {
    Entry* e = node.fresh ? &state->made[fixes] : &cache_.at(fixes);
    state->entry_of[&node] = e;
    if (!node.fresh) {
      roots.push_back(&node);
      continue;
    }
    if (fixes.empty()) {
      e->sim = std::make_unique<Simulation>(node.with.plan);
      roots.push_back(&node);
      continue;
    }
    const std::vector<std::string> before(fixes.begin(), fixes.end() - 1);
    const auto parent_cached = cache_.find(before);
    if (parent_cached != cache_.end() && parent_cached->second.paused) {
      e->sim = fork_with_fix(*parent_cached->second.paused, fixes, node.with);
      roots.push_back(&node);
    } else {
      nodes.at(before).children.push_back(&node);
    }
  }

  // A job reads only the plans above and this object's fixed parts, and
  // writes only its own node and run.
  struct Job {
    const WhatIfRuns* runs;
    std::shared_ptr<Prefetch> state;
    RunPool* pool;
    PrefetchNode* node;
    bool rest = false;  // the rest of a run whose forks went on without it
    void operator()() const {
      Entry& e = *state->entry_of.at(node);
      if (rest) {
        // The copy to keep for later forks, then as far as wanted.
        e.paused = std::make_unique<Simulation>(e.sim->fork());
        runs->advance(e, node->fixes.size(), node->through);
        finish(e);
        return;
      }
      const std::size_t n = node->fixes.size();
      const SimTime end = e.sim->duration();
      const SimTime target = node->through == kToTheEnd ? end : std::min(node->through, end);
      if (!node->children.empty() && !e.paused && runs->pauses_for_next(n, end) && target >= runs->fix_time(n) - 1) {
        // Where advance() would pause: the forks are made from the run
        // itself (the copy it keeps is the same state), and this thread goes
        // straight on with the first, the longest chain; the copy and the
        // rest of this run are a job for another worker.
        e.sim->run_until(runs->fix_time(n) - 1);
        for (PrefetchNode* child : node->children)
          state->entry_of.at(child)->sim = runs->fork_with_fix(*e.sim, child->fixes, child->with);
        pool->submit(Job{runs, state, pool, node, true}, RunPool::Priority::Chain);
        for (std::size_t i = 1; i < node->children.size(); ++i)
          pool->submit(Job{runs, state, pool, node->children[i]}, RunPool::Priority::Chain);
        Job{runs, state, pool, node->children.front()}();
        return;
      }
      runs->advance(e, n, node->through, [&](const Simulation& paused) {
        // The forks start now, while this run goes on.
        for (PrefetchNode* child : node->children) {
          state->entry_of.at(child)->sim = runs->fork_with_fix(paused, child->fixes, child->with);
          pool->submit(Job{runs, state, pool, child}, RunPool::Priority::Chain);
        }
      });
      finish(e);
    }
    void finish(const Entry& e) const {
      for (const auto& reached : node->reached) reached(*e.sim);
      node->done = true;
    }
  };

  for (PrefetchNode* root : roots) pool.submit(Job{this, state, &pool, root}, RunPool::Priority::Chain);
  pool.then([this, state] {
    for (auto& [fixes, node] : state->nodes) {
      if (!node.fresh) {
        if (node.done) cache_.at(fixes).last_used = ++clock_;
        else cache_.erase(fixes);  // stopped mid-event: run() starts it over
        continue;
      }
      if (!node.done) continue;  // run() starts it again, and reports what stopped it
      Entry& e = state->made.at(fixes);
      e.last_used = ++clock_;
      cache_.emplace(fixes, std::move(e));
      ++simulated_;
    }
    evict();
  });
}

}  // namespace perfloop
