// build(p)'s result, the teaching truth: each bottleneck (symptom, stream,
// hot spot, families, right and wrong fixes, hints, debrief), the gates a
// learner can choose at Enforce and the future changes they are replayed
// against; and the check that each hot spot shows in the service as it ships.
#include "sim/scenarios/scenario_build_reader.h"

namespace perfloop::scenario_fields {

std::string BuildReader::read_slug(const Record& record, std::string_view key) const {
  const std::string id = record.text(key);
  if (!is_slug(id)) record.fail(key, "must match [a-z0-9-]+, got " + in_quotes(id));
  return id;
}

std::vector<BottleneckSpec> BuildReader::read_bottlenecks(const Record& top,
                                                          const std::vector<EndpointSpec>& endpoints, const SloSpec& slo, const std::vector<FixSpec>& fixes) const {
  std::vector<BottleneckSpec> bottlenecks;
  const LuaValue* list = top.find("bottlenecks");
  if (!list) return bottlenecks;
  const Place list_place = top.at("bottlenecks");
  std::set<std::string> ids;
  for (const LuaItem& item : reader_.sequence(*list, list_place, false, kMaxBottlenecks)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), 0},
                   {"id", "title", "symptom", "stream", "hot_frame", "hot_span", "families", "root_cause",
                    "right_fixes", "wrong_fixes", "hints", "debrief"});
    bottlenecks.push_back(read_bottleneck(r, endpoints, slo, fixes));
    if (!ids.insert(bottlenecks.back().id).second)
      r.fail("id", "duplicate bottleneck id " + in_quotes(bottlenecks.back().id));
  }
  return bottlenecks;
}

// hot_frame and hot_span are checked later, by ScenarioScript::build,
// against the service as it ships rather than this build's model.
BottleneckSpec BuildReader::read_bottleneck(const Record& r, const std::vector<EndpointSpec>& endpoints,
                                            const SloSpec& slo, const std::vector<FixSpec>& fixes) const {
  BottleneckSpec bottleneck;
  bottleneck.id = read_slug(r, "id");
  bottleneck.title = r.text("title");
  bottleneck.symptom = read_symptom(
      Record(reader_, r.require("symptom"), r.at("symptom"), {"endpoint", "metric", "onset_s", "side", "target"}),
      endpoints, slo);
  bottleneck.stream = read_choice(r, "stream", nullptr, {"cpu", "alloc", "offcpu", "trace", "bundle"});
  bottleneck.hot_frame = r.text("hot_frame");
  bottleneck.hot_span = r.text_or("hot_span", "", false);
  bottleneck.families = read_families(reader_, r.require("families"), r.at("families"), 2);
  bottleneck.root_cause = r.text("root_cause");
  bottleneck.right_fixes = read_fix_ids(r, "right_fixes", 1, fixes);
  // Two at least, so the right fix is never the only plausible option.
  bottleneck.wrong_fixes = read_fix_ids(r, "wrong_fixes", 2, fixes);
  for (std::size_t i = 0; i < bottleneck.wrong_fixes.size(); ++i) {
    const std::string& id = bottleneck.wrong_fixes[i];
    if (std::find(bottleneck.right_fixes.begin(), bottleneck.right_fixes.end(), id) != bottleneck.right_fixes.end())
      reader_.fail({index_path(r.at("wrong_fixes").path, static_cast<long long>(i) + 1), 0},
                   "fix " + in_quotes(id) + " is also in right_fixes (a fix is either right or wrong)");
  }
  bottleneck.hints = read_hints(r);
  bottleneck.debrief = r.text("debrief");
  return bottleneck;
}

SymptomSpec BuildReader::read_symptom(const Record& r, const std::vector<EndpointSpec>& endpoints,
                                      const SloSpec& slo) const {
  SymptomSpec symptom;
  symptom.endpoint = read_endpoint_name(r, "endpoint", endpoints);
  symptom.metric = read_choice(r, "metric", "p99", {"p50", "p99", "error_rate", "rps", "lcp", "inp"});
  symptom.onset_s = r.number("onset_s", up_to(kMaxDurationS));
  symptom.side = read_choice(r, "side", "server", {"server", "client"});
  // Predict's go/no-go compares the headline after a fix with this target.
  double fallback = -1.0;
  if ((symptom.metric == "p99" || symptom.metric == "p50") && !slo.endpoint.empty() &&
      slo.endpoint == symptom.endpoint)
    fallback = slo.threshold_ms;
  else if (symptom.metric == "lcp")
    fallback = 2500.0;  // the "good" LCP threshold of Core Web Vitals
  else if (symptom.metric == "inp")
    fallback = 200.0;  // the "good" INP threshold
  if (fallback < 0.0 && !r.find("target"))
    r.fail("target", "is required for metric " + in_quotes(symptom.metric) + " on " + in_quotes(symptom.endpoint) +
                         " (no SLO or web-vitals threshold to fall back on)");
  symptom.target = r.number_or("target", fallback, Bounds{0.0, 1e12, false, false, false});
  // Only real-user monitoring in the browser sees LCP and INP.
  if ((symptom.metric == "lcp" || symptom.metric == "inp") && symptom.side != "client")
    r.fail("side", "must be \"client\" for metric " + in_quotes(symptom.metric) + " (a browser metric), got " +
                       in_quotes(symptom.side) + (r.find("side") ? "" : " (the default)"));
  // A browser metric needs a page: the endpoint must ship a client bundle.
  if (symptom.metric == "lcp" || symptom.metric == "inp") {
    const auto it = std::find_if(endpoints.begin(), endpoints.end(),
                                 [&](const EndpointSpec& e) { return e.name == symptom.endpoint; });
    if (it != endpoints.end() && !it->client.enabled)
      r.fail("endpoint", "endpoint " + in_quotes(symptom.endpoint) + " has no client bundle, so no " +
                             in_quotes(symptom.metric) + " to observe (add client = {...} to it)");
  }
  return symptom;
}

// A list of ids from `fixes`, each once, at least `least` of them.
std::vector<std::string> BuildReader::read_fix_ids(const Record& r, std::string_view key, std::size_t least,
                                                   const std::vector<FixSpec>& fixes) const {
  const Place place = r.at(key);
  const std::vector<std::string> ids = read_texts(reader_, r.require(key), place);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Place entry{index_path(place.path, static_cast<long long>(i) + 1), 0};
    const bool known = std::any_of(fixes.begin(), fixes.end(), [&](const FixSpec& f) { return f.id == ids[i]; });
    if (!known) reader_.fail(entry, "no fix named " + in_quotes(ids[i]) + " (fixes: " + fix_names(fixes) + ")");
    if (std::count(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(i), ids[i]) > 0)
      reader_.fail(entry, "fix " + in_quotes(ids[i]) + " is listed twice");
  }
  if (ids.size() < least)
    reader_.fail(place, "must list at least " + std::to_string(least) + (least == 1 ? " fix" : " fixes") +
                            ", got " + std::to_string(ids.size()));
  return ids;
}

std::string BuildReader::fix_names(const std::vector<FixSpec>& fixes) {
  std::vector<std::string> names;
  for (const auto& fix : fixes) names.push_back(fix.id);
  return names.empty() ? "none" : join(names);
}

// One hint per step of the loop, keyed by the step's name.
std::map<std::string, std::string> BuildReader::read_hints(const Record& r) const {
  std::map<std::string, std::string> hints;
  const LuaValue* table = r.find("hints");
  if (!table) return hints;
  const Record steps(reader_, *table, r.at("hints"),
                     {"observe", "profile", "classify", "predict", "fix", "verify", "enforce", "move_on"});
  for (const LuaField& field : table->fields) hints[field.key] = steps.text(field.key);
  return hints;
}

// The header's card promises families; the bottlenecks must keep that promise exactly.
void BuildReader::check_header_families(const std::vector<BottleneckSpec>& bottlenecks) const {
  if (header_families_.empty()) return;
  const Place header{"families", 0};
  auto belongs = [](const BottleneckSpec& b, const std::string& family) {
    return std::find(b.families.begin(), b.families.end(), family) != b.families.end();
  };
  for (const std::string& family : header_families_)
    if (std::none_of(bottlenecks.begin(), bottlenecks.end(), [&](const auto& b) { return belongs(b, family); }))
      reader_.fail(header, "lists " + in_quotes(family) + " but no bottleneck belongs to it" +
                               (bottlenecks.empty() ? " (build(p) returns no bottlenecks)" : ""));
  for (std::size_t i = 0; i < bottlenecks.size(); ++i)
    for (const std::string& family : bottlenecks[i].families)
      if (std::find(header_families_.begin(), header_families_.end(), family) == header_families_.end())
        reader_.fail(header, "misses " + in_quotes(family) + ", a family of " +
                                 index_path("bottlenecks", static_cast<long long>(i) + 1) + " (" +
                                 in_quotes(bottlenecks[i].id) + ")");
}

// A scenario with bottlenecks ends at Enforce, which needs a gate to choose.
EnforceSpec BuildReader::read_enforce(const Record& top, const std::vector<EndpointSpec>& endpoints,
                                      bool needs_gate) const {
  EnforceSpec enforce;
  const LuaValue* table = top.find("enforce");
  if (!table) {
    if (needs_gate) top.fail("enforce", "is required when the scenario has bottlenecks (at least one gate)");
    return enforce;
  }
  const Record record(reader_, *table, top.at("enforce"), {"gates", "future"});
  enforce.gates = read_gates(record, endpoints);
  if (needs_gate && enforce.gates.empty())
    record.fail("gates", "must list at least one gate when the scenario has bottlenecks");
  enforce.future = read_future(record);
  return enforce;
}

std::vector<GateSpec> BuildReader::read_gates(const Record& enforce,
                                              const std::vector<EndpointSpec>& endpoints) const {
  std::vector<GateSpec> gates;
  const LuaValue* list = enforce.find("gates");
  if (!list) return gates;
  const Place list_place = enforce.at("gates");
  std::set<std::string> ids;
  for (const LuaItem& item : reader_.sequence(*list, list_place)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), 0},
                   {"id", "kind", "title", "endpoint", "threshold", "unit", "description", "measure", "rule", "frame",
                    "params"});
    GateSpec gate;
    gate.id = read_slug(r, "id");
    if (!ids.insert(gate.id).second) r.fail("id", "duplicate gate id " + in_quotes(gate.id));
    gate.kind = read_choice(r, "kind", nullptr,
                            {"bundle-budget", "query-count", "alloc-diff", "load-test-p99", "payload-contract",
                             "alert", "runbook"});
    gate.title = r.text("title");
    // A runbook entry is written for people; every other gate watches an endpoint against a threshold.
    const bool runbook = gate.kind == "runbook";
    if (!runbook || r.find("endpoint")) gate.endpoint = read_endpoint_name(r, "endpoint", endpoints);
    gate.threshold = runbook ? r.number_or("threshold", 0.0, up_to(1e12)) : r.number("threshold", up_to(1e12));
    gate.unit = r.text_or("unit", "");
    gate.description = r.text("description");
    if (!runbook) read_gate_measure(r, gate);
    gates.push_back(std::move(gate));
  }
  return gates;
}

// What the replay measures for a gate. Each CI kind has the obvious
// default; alerts watch production and must say what they watch.
void BuildReader::read_gate_measure(const Record& r, GateSpec& gate) const {
  struct Default {
    const char* kind;
    const char* measure;
    const char* rule;
  };
  static constexpr Default kDefaults[] = {{"bundle-budget", "bundle_kb", "above"},
                                          {"query-count", "queries", "above"},
                                          {"alloc-diff", "alloc_kb", "growth"},
                                          {"load-test-p99", "p99_ms", "growth"},
                                          {"payload-contract", "payload_kb", "ratio"}};
  const Default* fallback = nullptr;
  for (const Default& d : kDefaults)
    if (gate.kind == d.kind) fallback = &d;
  gate.measure = fallback ? r.text_or("measure", fallback->measure) : r.text("measure");
  if (std::find(std::begin(kGateMeasures), std::end(kGateMeasures), gate.measure) == std::end(kGateMeasures)) {
    std::string names;
    for (const char* m : kGateMeasures) names += (names.empty() ? "" : ", ") + std::string(m);
    r.fail("measure", "must be one of " + names + ", got " + in_quotes(gate.measure));
  }
  gate.rule = fallback ? read_choice(r, "rule", fallback->rule, {"above", "growth", "ratio"})
                       : read_choice(r, "rule", nullptr, {"above", "growth", "ratio"});
  if (gate.measure == "frame_ms")
    gate.frame = r.text("frame");
  else if (r.find("frame"))
    r.fail("frame", "only measure \"frame_ms\" names a frame (measure is " + in_quotes(gate.measure) + ")");
  gate.params = read_set(r, "params");
}

std::vector<FutureChangeSpec> BuildReader::read_future(const Record& enforce) const {
  std::vector<FutureChangeSpec> future;
  const LuaValue* list = enforce.find("future");
  if (!list) return future;
  const Place list_place = enforce.at("future");
  for (const LuaItem& item : reader_.sequence(*list, list_place)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), 0},
                   {"day", "title", "text", "set", "harmful"});
    FutureChangeSpec change;
    change.day = r.number("day", up_to(3650.0));
    change.title = r.text("title");
    change.text = r.text_or("text", "");
    // Replayed against the chosen gates: a change that changes nothing tests nothing.
    r.require("set");
    change.set = read_set(r);
    if (change.set.empty()) r.fail("set", "must set at least one param");
    change.harmful = reader_.flag(r.require("harmful"), r.at("harmful"));
    future.push_back(std::move(change));
  }
  std::stable_sort(future.begin(), future.end(),
                   [](const FutureChangeSpec& a, const FutureChangeSpec& b) { return a.day < b.day; });
  return future;
}

HotSpotProblem find_hot_spot_problem(const std::vector<BottleneckSpec>& bottlenecks, const Observable& seen) {
  for (std::size_t i = 0; i < bottlenecks.size(); ++i) {
    const BottleneckSpec& bottleneck = bottlenecks[i];
    const std::string path = index_path("bottlenecks", static_cast<long long>(i) + 1);
    if (seen.frames.count(bottleneck.hot_frame) == 0)
      return {path + ".hot_frame", "no frame named " + in_quotes(bottleneck.hot_frame) +
                                       " in the model built with the default params, nor after any timeline change "
                                       "(hot frames come from steps, spans, service.root_frame or the runtime; "
                                       "frames only a fix brings do not count)"};
    if (bottleneck.hot_span.empty()) continue;
    const auto spans = seen.spans.find(bottleneck.symptom.endpoint);
    if (spans == seen.spans.end())
      return {path + ".symptom.endpoint", "no endpoint named " + in_quotes(bottleneck.symptom.endpoint) +
                                              " in the model built with the default params"};
    const std::vector<std::string>& names = spans->second;
    if (std::find(names.begin(), names.end(), bottleneck.hot_span) == names.end())
      return {path + ".hot_span", "no span named " + in_quotes(bottleneck.hot_span) + " in endpoint " +
                                      in_quotes(spans->first) + " (spans: " + join(names) + ")"};
  }
  return {};
}

}  // namespace perfloop::scenario_fields
