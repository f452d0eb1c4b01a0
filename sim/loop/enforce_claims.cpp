// The claims an Enforce block makes: each future change does what its
// `harmful` flag says on the fixed service, each harmful one trips some
// gate, and each gate that names a frame names one that is there. They read
// the session's Enforce replay, so the runs are the ones the grader and the
// expert use.
#include <algorithm>
#include <cmath>
#include <optional>

#include "sim/engine/profile_query.h"
#include "sim/engine/program.h"
#include "sim/loop/claim_text.h"
#include "sim/loop/scenario_claims.h"

namespace perfloop {

namespace {

using claims::entry;
using claims::figure;

std::string headline_at(const SymptomSpec& s, double value) {
  return claims::headline_name(s) + " " + figure(value, headline_unit(s.metric));
}

ClaimResult future_claim(LoopSession& session, std::size_t c) {
  const ScenarioBuild& build = session.build();
  const FutureChangeSpec& change = build.enforce.future[c];
  std::vector<bool> none(build.enforce.future.size(), false), one = none;
  one[c] = true;
  ClaimResult r;
  r.kind = "future change";
  r.field = entry("enforce.future", c, change.title);
  // The largest move of any bottleneck's headline, and every headline after the change.
  double worst = -INFINITY, worst_before = 0.0, worst_after = 0.0;
  std::size_t worst_k = 0;
  std::string off_target, within;
  for (std::size_t k = 0; k < build.bottlenecks.size(); ++k) {
    const SymptomSpec& s = build.bottlenecks[k].symptom;
    const double before = session.replay().drift_headline(none, k), after = session.replay().drift_headline(one, k);
    const double worse = -claims::improvement(s.metric, before, after);
    if (worse > worst) {
      worst = worse;
      worst_k = k;
      worst_before = before;
      worst_after = after;
    }
    const std::string reading = headline_at(s, after) + " against " + figure(s.target, headline_unit(s.metric));
    if (!headline_meets(s.metric, after, s.target) && off_target.empty()) off_target = reading;
    within += (within.empty() ? "" : ", ") + reading;
  }
  if (build.bottlenecks.empty()) return r;
  const SymptomSpec& moved = build.bottlenecks[worst_k].symptom;
  if (change.harmful) {
    r.claim = "harmful = true: it makes some headline at least " + claims::percent(kHarmfulMoveMin) +
              " worse on the fixed service";
    r.ok = worst >= kHarmfulMoveMin;
    r.measured = "the most it moves is " + claims::headline_name(moved) + ", " +
                 claims::from_to(moved.metric, worst_before, worst_after);
  } else {
    r.claim = "harmful = false: it keeps every headline within its target on the fixed service";
    r.ok = off_target.empty();
    r.measured = r.ok ? within : "it takes " + off_target;
  }
  return r;
}

// A regression the Enforce step can be aced on: some gate trips on it at
// its suggested threshold (before merge, or paging after it shipped).
ClaimResult caught_claim(LoopSession& session, std::size_t c) {
  const ScenarioBuild& build = session.build();
  ClaimResult r;
  r.kind = "gated regression";
  r.field = entry("enforce.future", c, build.enforce.future[c].title);
  r.claim = "a harmful change trips some gate at its suggested threshold";
  std::string by;
  for (const auto& g : build.enforce.gates) {
    if (g.kind == "runbook") continue;
    const GateReading& reading = session.replay().readings(g.id).at(c);
    if (gate_trips(g, g.threshold, reading))
      by += (by.empty() ? "" : ", ") + g.id + " (" + figure(reading.before, "") + " -> " + figure(reading.after, "") + ")";
  }
  r.ok = !by.empty();
  r.measured = r.ok ? "it trips " + by : "no gate trips on it";
  return r;
}

// Every state of the service the replay and the incident run, as params.
struct ServiceStates {
  ParamValues fixed;
  ParamValues incident;  // the timeline's end, no fix
};

ServiceStates service_states(LoopSession& session) {
  const ScenarioBuild& build = session.build();
  ServiceStates states;
  states.fixed = fixed_state(build, session.runs().planned().params);
  states.incident = session.runs().planned().params;
  for (const auto& event : build.timeline)
    for (const auto& [name, value] : event.set) states.incident[name] = value;
  return states;
}

// Is `frame` a frame of the service, in its fixed state, after any future
// change, or in the incident, with the gate's fixture on top?
bool frame_exists(LoopSession& session, const ServiceStates& states, const GateSpec& gate) {
  ScenarioScript& script = session.runs().script();
  std::vector<ParamValues> all = {states.fixed, states.incident};
  for (const auto& change : session.build().enforce.future) {
    ParamValues p = states.fixed;
    for (const auto& [name, value] : change.set) p[name] = value;
    all.push_back(p);
  }
  Symbols symbols;
  LockTable locks;
  for (ParamValues p : all) {
    for (const auto& [name, value] : gate.params) p[name] = value;
    compile_model(script.build(p).model, symbols, locks);
    if (has_frame(symbols, gate.frame)) return true;
  }
  return false;
}

// The replay's seeds for a gate's view of the incident, apart from the future changes'.
constexpr std::uint64_t kIncidentKey = 0x1c1de;

}  // namespace

std::vector<ClaimResult> prove_future_claims(LoopSession& session) {
  std::vector<ClaimResult> out;
  for (std::size_t c = 0; c < session.build().enforce.future.size(); ++c) {
    out.push_back(future_claim(session, c));
    if (session.build().enforce.future[c].harmful) out.push_back(caught_claim(session, c));
  }
  return out;
}

std::vector<ClaimResult> prove_gate_claims(LoopSession& session) {
  const ScenarioBuild& build = session.build();
  const ServiceStates states = service_states(session);
  // The incident as a gate would see it, measured only if some gate needs it.
  std::optional<std::map<std::string, GateReading>> incident;
  std::vector<ClaimResult> out;
  for (std::size_t i = 0; i < build.enforce.gates.size(); ++i) {
    const GateSpec& g = build.enforce.gates[i];
    if (g.measure != "frame_ms") continue;
    // A frame the endpoint spends time in, in some state the replay runs: a
    // typo, or a frame of another endpoint, reads 0 ms everywhere and never trips.
    ClaimResult frame;
    frame.kind = "gate frame";
    frame.field = entry("enforce.gates", i, g.id) + ".frame " + quote(g.frame, 80);
    frame.claim = "it names a frame " + g.endpoint + " spends time in";
    double most = 0.0;
    for (const auto& r : session.replay().readings(g.id)) most = std::max({most, r.before, r.after});
    if (most <= 0.0) {
      if (!incident) incident = session.replay().change_readings(states.incident, kIncidentKey);
      most = std::max((*incident)[g.id].before, (*incident)[g.id].after);
    }
    frame.ok = most > 0.0;
    if (frame.ok)
      frame.measured = "it reads up to " + figure(most, "ms") + " per request";
    else if (!frame_exists(session, states, g))
      frame.measured = "no state of the service the replay runs has a frame of that name";
    else
      frame.measured = g.endpoint + " spends no time in it in any state the replay runs (another endpoint's frame?)";
    out.push_back(frame);
  }
  return out;
}

}  // namespace perfloop
