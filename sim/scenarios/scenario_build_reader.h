// The reader of what build(p) returns, for the scenario loader's files only:
// the service model (service, load, endpoints, spans and steps, SLO,
// timeline, fixes, and a game day's injects: scenario_service.cpp) and the
// teaching truth (bottlenecks, symptoms, hints, gates, future changes:
// scenario_truth.cpp), and the check that every hot spot shows in the
// service as it ships.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/scenarios/scenario_fields.h"

namespace perfloop::scenario_fields {

class BuildReader {
 public:
  // `header_families`: the families the script's header lists (empty: none listed).
  BuildReader(const std::string& file, const std::vector<ParamSpec>& params,
              const std::vector<std::string>& header_families)
      : reader_(file), params_(params), header_families_(header_families) {}

  ScenarioBuild read(const LuaValue& result) const;

 private:
  ServiceSpec read_service(const Record& record) const;

  LoadSpec read_load(const Record& record) const;

  void check_background_locks(const Record& top, const ModelSpec& model) const;

  std::vector<EndpointSpec> read_endpoints(const Record& top) const;

  ClientSpec read_client(const Record& endpoint, const LuaValue& value, const std::string& endpoint_name) const;

  void read_modules(const Record& client_record, const LuaValue& value, ClientSpec& client) const;

  // Span names are unique per endpoint: they name the spans in traces.
  struct SpanBudget {
    std::set<std::string> names;
    int spans = 0;
  };

  std::string constructed_kind(const LuaValue& value, const Place& place) const;

  SpanSpec read_span(const LuaValue& value, const Place& place, SpanBudget& budget) const;

  Distribution read_distribution(const Record& step) const;

  Step read_step(const LuaValue& value, const Place& place, const std::string& kind) const;

  std::string read_endpoint_name(const Record& record, std::string_view key,
                                 const std::vector<EndpointSpec>& endpoints) const;

  SloSpec read_slo(const Record& record, const std::vector<EndpointSpec>& endpoints) const;

  ParamValues read_set(const Record& owner, std::string_view key = "set") const;

  std::vector<TimelineEvent> read_timeline(const Record& top) const;

  std::vector<FixSpec> read_fixes(const Record& top) const;

  std::vector<InjectSpec> read_injects(const Record& top, double duration_s) const;

  std::string read_slug(const Record& record, std::string_view key) const;

  std::vector<BottleneckSpec> read_bottlenecks(const Record& top, const std::vector<EndpointSpec>& endpoints,
                                               const SloSpec& slo, const std::vector<FixSpec>& fixes) const;

  BottleneckSpec read_bottleneck(const Record& r, const std::vector<EndpointSpec>& endpoints, const SloSpec& slo,
                                 const std::vector<FixSpec>& fixes) const;

  SymptomSpec read_symptom(const Record& r, const std::vector<EndpointSpec>& endpoints, const SloSpec& slo) const;

  std::vector<std::string> read_fix_ids(const Record& r, std::string_view key, std::size_t least,
                                        const std::vector<FixSpec>& fixes) const;

  static std::string fix_names(const std::vector<FixSpec>& fixes);

  std::map<std::string, std::string> read_hints(const Record& r) const;

  void check_header_families(const std::vector<BottleneckSpec>& bottlenecks) const;

  EnforceSpec read_enforce(const Record& top, const std::vector<EndpointSpec>& endpoints, bool needs_gate) const;

  std::vector<GateSpec> read_gates(const Record& enforce, const std::vector<EndpointSpec>& endpoints) const;

  void read_gate_measure(const Record& r, GateSpec& gate) const;

  std::vector<FutureChangeSpec> read_future(const Record& enforce) const;

  Reader reader_;
  const std::vector<ParamSpec>& params_;
  const std::vector<std::string>& header_families_;
};

// Hot spots: checked against the service as it runs before any fix.
// Frames the engine pushes by itself, so profiles show them though no step names them.
constexpr const char* kEngineFrames[] = {"runtime.mallocgc",      "runtime.gcAssistAlloc", "runtime.scanobject",
                                         "net/http.(*Client).Do", "sync.(*Mutex).Lock",    "encoding/json.Unmarshal"};

// A step's frames: its own, and for a lock the frame its waiters show (its
// wait_frame, or the engine's for its permits) and those of the steps it holds.
inline void add_step_frames(const Step& step, std::set<std::string>& frames) {
  if (!step.frame.empty()) frames.insert(step.frame);
  if (step.kind != Step::Kind::Lock) return;
  frames.insert(!step.wait_frame.empty() ? step.wait_frame : (step.permits > 1 ? kSemaphoreWaitFrame : kMutexWaitFrame));
  for (const Step& inner : step.inner) add_step_frames(inner, frames);
}

inline void add_span_frames(const SpanSpec& span, std::set<std::string>& frames) {
  if (!span.frame.empty()) frames.insert(span.frame);
  for (const Step& step : span.steps) add_step_frames(step, frames);
  for (const SpanSpec& child : span.children) add_span_frames(child, frames);
}

inline void add_span_names(const SpanSpec& span, std::vector<std::string>& names) {
  if (std::find(names.begin(), names.end(), span.name) == names.end()) names.push_back(span.name);
  for (const SpanSpec& child : span.children) add_span_names(child, names);
}

// What a learner can see in profiles and traces of some models.
struct Observable {
  std::set<std::string> frames{std::begin(kEngineFrames), std::end(kEngineFrames)};
  std::map<std::string, std::vector<std::string>> spans;  // endpoint -> span names, in tree order

  void add(const ModelSpec& model) {
    if (!model.service.root_frame.empty()) frames.insert(model.service.root_frame);
    for (const EndpointSpec& endpoint : model.endpoints) {
      add_span_frames(endpoint.root, frames);
      add_span_names(endpoint.root, spans[endpoint.name]);
    }
  }
};

// A hot frame or hot span nothing shows; an empty path when everything shows.
struct HotSpotProblem {
  std::string path;
  std::string message;
  explicit operator bool() const { return !path.empty(); }
};

HotSpotProblem find_hot_spot_problem(const std::vector<BottleneckSpec>& bottlenecks, const Observable& seen);

}  // namespace perfloop::scenario_fields
