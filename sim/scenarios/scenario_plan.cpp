#include "sim/scenarios/scenario_plan.h"

#include <algorithm>

namespace perfloop {

namespace {

struct Change {
  double at_s = 0.0;
  std::string phase, kind, service, text;
  ParamValues set;
};

std::string known_fixes(const std::vector<FixSpec>& fixes) {
  std::string names;
  for (const auto& f : fixes) names += (names.empty() ? "" : ", ") + f.id;
  return names.empty() ? "none" : names;
}

}  // namespace

PlannedRun plan_run(ScenarioScript& script, const ParamValues& overrides, const std::vector<std::string>& fixes,
                    std::uint64_t seed) {
  PlannedRun run;
  run.params = script.resolve(overrides);
  const ScenarioBuild initial = script.build(run.params);
  run.slo = initial.model.slo;
  RunPlan& plan = run.plan;
  plan.scenario = script.id();
  plan.seed = seed;
  plan.duration = s_to_ns(initial.duration_s);
  plan.first_phase = initial.first_phase;
  plan.models.push_back(initial.model);

  std::vector<Change> changes;
  for (const auto& e : initial.timeline) changes.push_back({e.at_s, e.phase, e.kind, e.service, e.text, e.set});
  // Chosen fixes land at fix_at_s, one after another fix_spacing_s apart
  // (all together when the spacing is 0).
  const double first_fix_s = initial.fix_at_s >= 0 ? initial.fix_at_s : initial.duration_s * 2.0 / 3.0;
  run.first_fix_s = first_fix_s;
  run.fix_spacing_s = initial.fix_spacing_s;
  for (std::size_t i = 0; i < fixes.size(); ++i) {
    const std::string& id = fixes[i];
    auto it = std::find_if(initial.fixes.begin(), initial.fixes.end(), [&](const FixSpec& f) { return f.id == id; });
    if (it == initial.fixes.end())
      throw ScenarioError(script.file(), 0, "fixes", "unknown fix '" + id + "' (known: " + known_fixes(initial.fixes) + ")");
    const double at_s = first_fix_s + static_cast<double>(i) * initial.fix_spacing_s;
    if (!changes.empty() && changes.back().kind == "fix" && changes.back().at_s == at_s) {
      Change& together = changes.back();  // same moment: one change, one phase
      together.text += "; " + it->title;
      for (const auto& [name, value] : it->set) together.set[name] = value;
    } else {
      changes.push_back({at_s, it->phase, "fix", script.id(), it->title, it->set});
    }
    run.fixes.push_back(id);
  }
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.at_s < b.at_s; });

  ParamValues state = run.params;
  for (const auto& change : changes) {
    if (change.at_s >= initial.duration_s) continue;
    for (const auto& [name, value] : change.set) state[name] = value;
    plan.models.push_back(script.build(state).model);
    Stage stage;
    stage.at = s_to_ns(change.at_s);
    stage.model = static_cast<int>(plan.models.size()) - 1;
    stage.phase = change.phase;
    stage.kind = change.kind;
    stage.service = change.service;
    stage.text = change.text;
    plan.stages.push_back(std::move(stage));
  }
  return run;
}

Simulation fork_onto_plan(const Simulation& parent, SimTime from, const PlannedRun& with) {
  Simulation sim = parent.fork();
  sim.cancel_stages_from(from);
  for (const Stage& stage : with.plan.stages)
    if (stage.at >= from) sim.add_stage(stage, with.plan.models[static_cast<std::size_t>(stage.model)]);
  return sim;
}

}  // namespace perfloop
