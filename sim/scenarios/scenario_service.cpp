// build(p)'s result, the service model: service, load, endpoints with their
// span trees and steps, SLO, timeline and fixes; and beside it a game day's
// injects, which the simulation never sees. Every number is checked against
// its bounds, every text against the text rules (scenario_fields.h).
#include "sim/engine/program.h"
#include "sim/scenarios/scenario_build_reader.h"

namespace perfloop::scenario_fields {

ScenarioBuild BuildReader::read(const LuaValue& result) const {
  if (!result.is_table()) reader_.fail({}, "build(p) must return a table, got " + describe_value(result));
  const Record top(reader_, result, {},
                   {"duration_s", "fix_at_s", "first_phase", "trace_sample_rate", "profile_hz", "service", "load",
                    "slo", "endpoints", "timeline", "fixes", "fix_spacing_s", "bottlenecks", "enforce", "gameday"});
  ScenarioBuild build;
  build.duration_s = top.number("duration_s", Bounds{0.0, kMaxDurationS, true, false, false});
  // Not capped at duration_s: a shorter run (a param) simply ends before the fix.
  build.fix_at_s = top.number_or("fix_at_s", -1.0, up_to(kMaxDurationS));
  build.first_phase = top.text_or("first_phase", build.first_phase, false);

  ModelSpec& model = build.model;
  model.trace_sample_rate = top.number_or("trace_sample_rate", model.trace_sample_rate, within(0.0, 1.0));
  model.profile_hz = top.number_or("profile_hz", model.profile_hz, Bounds{0.0, 10000.0, true, false, false});
  model.service = read_service(Record(reader_, top.require("service"), top.at("service"),
                                      {"name", "root_frame", "cores", "workers", "queue_limit", "gc", "background"}));
  model.load = read_load(Record(reader_, top.require("load"), top.at("load"), {"rps", "curve"}));
  model.endpoints = read_endpoints(top);
  check_background_locks(top, model);
  if (const LuaValue* slo = top.find("slo"))
    model.slo = read_slo(Record(reader_, *slo, top.at("slo"), {"endpoint", "threshold_ms", "objective", "alerts"}),
                         model.endpoints);
  build.timeline = read_timeline(top);
  build.fixes = read_fixes(top);
  build.fix_spacing_s = top.number_or("fix_spacing_s", build.fix_spacing_s, up_to(kMaxDurationS));
  build.bottlenecks = read_bottlenecks(top, model.endpoints, model.slo, build.fixes);
  check_header_families(build.bottlenecks);
  build.enforce = read_enforce(top, model.endpoints, !build.bottlenecks.empty());
  build.injects = read_injects(top, build.duration_s);
  return build;
}

ServiceSpec BuildReader::read_service(const Record& record) const {
  ServiceSpec service;
  service.name = record.text("name");
  service.root_frame = record.text_or("root_frame", "");
  service.cores = record.whole_or("cores", service.cores, 1, 100'000);
  service.workers = record.whole_or("workers", service.workers, 1, 10'000'000);
  service.queue_limit = record.whole_or("queue_limit", service.queue_limit, 0, 1'000'000'000);
  if (const LuaValue* gc = record.find("gc")) {
    const Record r(reader_, *gc, record.at("gc"),
                   {"enabled", "gogc", "live_heap_mb", "malloc_ns_per_kb", "scan_ns_per_kb", "stw_pause_ms"});
    GcSpec& spec = service.gc;
    spec.enabled = r.flag_or("enabled", spec.enabled);
    spec.gogc = r.number_or("gogc", spec.gogc, Bounds{0.0, 1e6, true, false, false});
    spec.live_heap_mb = r.number_or("live_heap_mb", spec.live_heap_mb, up_to(kMaxKb));
    spec.malloc_ns_per_kb = r.number_or("malloc_ns_per_kb", spec.malloc_ns_per_kb, up_to(1e6));
    spec.scan_ns_per_kb = r.number_or("scan_ns_per_kb", spec.scan_ns_per_kb, up_to(1e6));
    spec.stw_pause_ms = r.number_or("stw_pause_ms", spec.stw_pause_ms, up_to(kMaxStepMs));
  }
  if (const LuaValue* jobs = record.find("background")) {
    const Place list_place = record.at("background");
    for (const LuaItem& item : reader_.sequence(*jobs, list_place, false, kMaxBackgroundJobs)) {
      const Record r(reader_, item.value, child_place(list_place, index_path(list_place.path, item.index), &item.value),
                     {"name", "lock", "every_s", "start_s", "hold_ms"});
      BackgroundSpec job;
      job.name = r.text("name");
      job.lock = r.text("lock");
      job.every_s = r.number("every_s", within(0.001, kMaxDurationS));
      job.start_s = r.number_or("start_s", -1.0, up_to(kMaxDurationS));
      job.hold_ms = r.number("hold_ms", up_to(kMaxStepMs));
      service.background.push_back(job);
    }
  }
  return service;
}

namespace {

void collect_locks(const std::vector<Step>& steps, const std::vector<SpanSpec>& children, std::set<std::string>& out) {
  for (const Step& step : steps) {
    if (step.kind == Step::Kind::Lock) out.insert(step.lock);
    if (step.kind == Step::Kind::Span) {
      const SpanSpec& child = children[static_cast<std::size_t>(step.child)];
      collect_locks(child.steps, child.children, out);
    }
  }
}

}  // namespace

// A background job's lock must be one some request takes: otherwise it
// blocks no one and the author has most likely misspelt it.
void BuildReader::check_background_locks(const Record& top, const ModelSpec& model) const {
  std::set<std::string> taken;
  for (const EndpointSpec& endpoint : model.endpoints) collect_locks(endpoint.root.steps, endpoint.root.children, taken);
  const Place list_place{top.at("service").path + ".background", top.at("service").line};
  for (std::size_t i = 0; i < model.service.background.size(); ++i) {
    const BackgroundSpec& job = model.service.background[i];
    if (taken.count(job.lock)) continue;
    std::vector<std::string> names(taken.begin(), taken.end());
    reader_.fail({index_path(list_place.path, static_cast<long long>(i) + 1) + ".lock", list_place.line},
                 "no step takes a lock named " + in_quotes(job.lock) +
                     (names.empty() ? std::string(" (no step takes any lock)") : " (locks: " + join(names) + ")"));
  }
}

LoadSpec BuildReader::read_load(const Record& record) const {
  LoadSpec load;
  load.rps = record.number("rps", above_up_to(0.0, kMaxRps));
  const LuaValue* curve = record.find("curve");
  if (!curve) return load;
  const Place curve_place = record.at("curve");
  for (const LuaItem& item : reader_.sequence(*curve, curve_place)) {
    const Place place = child_place(curve_place, index_path(curve_place.path, item.index), &item.value);
    const auto& pair = reader_.sequence(item.value, place);
    if (pair.size() != 2) reader_.fail(place, "must be {t_s, factor}");
    LoadPoint point;
    point.t_s = reader_.number(pair[0].value, {index_path(place.path, 1), place.line}, up_to(kMaxDurationS));
    point.factor = reader_.number(pair[1].value, {index_path(place.path, 2), place.line}, up_to(kMaxLoadFactor));
    if (!load.curve.empty() && point.t_s <= load.curve.back().t_s)
      reader_.fail({index_path(place.path, 1), place.line},
                   "must be greater than the previous point's t_s (" + format_number(load.curve.back().t_s) +
                       "), got " + format_number(point.t_s));
    load.curve.push_back(point);
  }
  return load;
}

std::vector<EndpointSpec> BuildReader::read_endpoints(const Record& top) const {
  const Place list_place = top.at("endpoints");
  const auto& items = reader_.sequence(top.require("endpoints"), list_place, false, kMaxEndpoints);
  if (items.empty()) reader_.fail(list_place, "must list at least one endpoint");
  std::vector<EndpointSpec> endpoints;
  std::set<std::string> names;
  for (const LuaItem& item : items) {
    const std::initializer_list<std::string_view> fields = {"name", "share", "timeout_ms", "size_cv", "size_max", "client", "root"};
    const Record unnamed(reader_, item.value, {index_path(list_place.path, item.index), 0}, fields);
    const std::string name = unnamed.text("name");
    if (!names.insert(name).second) unnamed.fail("name", "duplicate endpoint name " + in_quotes(name));
    const Record record(reader_, item.value, {keyed_path(list_place.path, name), 0}, fields);

    EndpointSpec endpoint;
    endpoint.name = name;
    endpoint.share = record.number_or("share", endpoint.share, above_up_to(0.0, 1e6));
    endpoint.timeout_ms = record.number_or("timeout_ms", endpoint.timeout_ms, above_up_to(0.0, kMaxTimeoutMs));
    endpoint.size_cv = record.number_or("size_cv", 0.0, within(0.0, 10.0));
    endpoint.size_max = record.number_or("size_max", endpoint.size_max, above_up_to(0.0, 1000.0));
    if (const LuaValue* client = record.find("client")) endpoint.client = read_client(record, *client, name);
    SpanBudget budget;
    endpoint.root = read_span(record.require("root"), record.at("root"), budget);
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

ClientSpec BuildReader::read_client(const Record& endpoint, const LuaValue& value,
                                    const std::string& endpoint_name) const {
  const Record r(reader_, value, endpoint.at("client"),
                 {"route", "bundle_kb", "bandwidth_mbps", "ttfb_ms", "parse_compile_ms_per_kb", "execute_ms",
                  "device_cv", "inp_handler_ms", "modules"});
  ClientSpec client;
  client.enabled = true;
  client.route = r.text_or("route", endpoint_name, false);
  client.bundle_kb = r.number_or("bundle_kb", client.bundle_kb, up_to(kMaxKb));
  client.bandwidth_mbps = r.number_or("bandwidth_mbps", client.bandwidth_mbps, above_up_to(0.0, 1e6));
  client.ttfb_ms = r.number_or("ttfb_ms", client.ttfb_ms, up_to(kMaxStepMs));
  client.parse_compile_ms_per_kb =
      r.number_or("parse_compile_ms_per_kb", client.parse_compile_ms_per_kb, up_to(kMaxPerKbMs));
  client.execute_ms = r.number_or("execute_ms", client.execute_ms, up_to(kMaxStepMs));
  client.device_cv = r.number_or("device_cv", client.device_cv, within(0.0, 10.0));
  client.inp_handler_ms = r.number_or("inp_handler_ms", client.inp_handler_ms, up_to(kMaxStepMs));
  if (const LuaValue* modules = r.find("modules")) read_modules(r, *modules, client);
  return client;
}

void BuildReader::read_modules(const Record& client_record, const LuaValue& value, ClientSpec& client) const {
  if (client_record.find("bundle_kb"))
    client_record.fail("modules", "give bundle_kb or modules, not both (the bundle is the sum of its modules)");
  const Place list_place = client_record.at("modules");
  std::vector<bool> timed;
  double total_kb = 0.0, timed_ms = 0.0;
  for (const LuaItem& item : reader_.sequence(value, list_place)) {
    const Record m(reader_, item.value, {index_path(list_place.path, item.index), list_place.line},
                   {"name", "kb", "execute_ms"});
    BundleModule module;
    module.name = m.text("name");
    module.kb = m.number("kb", up_to(kMaxKb));
    timed.push_back(m.find("execute_ms") != nullptr);
    module.execute_ms = m.number_or("execute_ms", 0.0, up_to(kMaxStepMs));
    total_kb += module.kb;
    timed_ms += module.execute_ms;
    client.modules.push_back(std::move(module));
  }
  if (client.modules.empty()) reader_.fail(list_place, "must list at least one module");
  client.bundle_kb = total_kb;
  const bool all_timed = std::find(timed.begin(), timed.end(), false) == timed.end();
  const bool total_given = client_record.find("execute_ms") != nullptr;
  // The page's execute time is the modules' when each names its own; a
  // total given as well must agree with them.
  if (all_timed && !total_given) client.execute_ms = timed_ms;
  if (total_given && (all_timed ? std::abs(timed_ms - client.execute_ms) > 1e-6 * std::max(1.0, timed_ms)
                                : timed_ms > client.execute_ms + 1e-9))
    client_record.fail("execute_ms",
                       "is " + format_number(client.execute_ms) + " ms but the modules' execute_ms add up to " +
                                         format_number(timed_ms) + " ms" + (all_timed ? "" : " before the untimed ones"));
  const double untimed_ms = std::max(0.0, client.execute_ms - timed_ms);
  double untimed_kb = 0.0;
  for (std::size_t i = 0; i < client.modules.size(); ++i)
    if (!timed[i]) untimed_kb += client.modules[i].kb;
  for (std::size_t i = 0; i < client.modules.size(); ++i)
    if (!timed[i]) client.modules[i].execute_ms = untimed_kb > 0 ? untimed_ms * client.modules[i].kb / untimed_kb : 0.0;
}

// The kind a step constructor stored, or a failure naming the constructors.
std::string BuildReader::constructed_kind(const LuaValue& value, const Place& place) const {
  static const char* const kKinds[] = {"span", "cpu", "wait", "queries", "lock", "syscalls", "downstream"};
  reader_.expect_table(value, place);
  const LuaValue* kind = value.field("kind");
  if (kind && kind->type == LuaValue::Type::String)
    for (const char* known : kKinds)
      if (kind->text == known) return kind->text;
  reader_.fail(place, "must be a step made with cpu{...}, wait{...}, queries{...}, lock{...}, syscalls{...}, "
                      "downstream{...} or span{...}");
}

SpanSpec BuildReader::read_span(const LuaValue& value, const Place& place, SpanBudget& budget) const {
  if (constructed_kind(value, place) != "span") reader_.fail(place, "must be a span{...}");
  const Record record(reader_, value, place, {"kind", "name", "frame"}, true);
  SpanSpec span;
  span.name = record.text("name");
  span.frame = record.text_or("frame", "");
  if (!budget.names.insert(span.name).second)
    record.fail("name",
                "duplicate span name " + in_quotes(span.name) + " (span names must be unique in an endpoint)");
  if (++budget.spans > kMaxSpansPerEndpoint)
    reader_.fail(record.place(), "more than " + std::to_string(kMaxSpansPerEndpoint) + " spans in one endpoint");

  const Place steps_place{record.place().path + ".steps", record.place().line};
  for (const LuaItem& item : reader_.sequence(value, steps_place, true)) {
    const Place step_place = child_place(steps_place, index_path(steps_place.path, item.index), &item.value);
    const std::string kind = constructed_kind(item.value, step_place);
    if (kind != "span") {
      span.steps.push_back(read_step(item.value, step_place, kind));
      continue;
    }
    // A child span is addressed by its name; without a usable one, by position.
    Place child = step_place;
    const LuaValue* name = item.value.field("name");
    if (name && name->type == LuaValue::Type::String && !name->text.empty())
      child.path = field_path(record.place().path, name->text);
    Step step;
    step.kind = Step::Kind::Span;
    step.child = static_cast<int>(span.children.size());
    span.children.push_back(read_span(item.value, child, budget));
    span.steps.push_back(step);
  }
  return span;
}

Distribution BuildReader::read_distribution(const Record& step) const {
  Distribution dist;
  const std::string name = step.text_or("dist", "fixed");
  if (name == "fixed")
    dist.kind = Distribution::Kind::Fixed;
  else if (name == "exp")
    dist.kind = Distribution::Kind::Exponential;
  else if (name == "lognormal")
    dist.kind = Distribution::Kind::LogNormal;
  else
    step.fail("dist", "must be \"fixed\", \"exp\" or \"lognormal\", got " + in_quotes(name));
  if (step.find("cv")) {
    if (dist.kind != Distribution::Kind::LogNormal) step.fail("cv", "only applies to dist = \"lognormal\"");
    dist.cv = step.number("cv", within(0.0, 10.0));
  }
  return dist;
}

Step BuildReader::read_step(const LuaValue& value, const Place& place, const std::string& kind) const {
  Step step;
  if (kind == "cpu") {
    const Record r(reader_, value, place, {"kind", "frame", "ms", "dist", "cv", "alloc_kb", "sized"});
    step.kind = Step::Kind::Cpu;
    step.frame = r.text("frame");
    step.ms = r.number("ms", up_to(kMaxStepMs));
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
    step.alloc_kb = r.number_or("alloc_kb", 0.0, up_to(kMaxKb));
  } else if (kind == "wait") {
    const Record r(reader_, value, place, {"kind", "frame", "ms", "dist", "cv", "sized"});
    step.kind = Step::Kind::Wait;
    step.frame = r.text("frame");
    step.ms = r.number("ms", up_to(kMaxStepMs));
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
  } else if (kind == "queries") {
    const Record r(reader_, value, place,
                   {"kind", "frame", "count", "batch", "rtt_ms", "ms", "dist", "cv", "alloc_kb", "sized"});
    step.kind = Step::Kind::Queries;
    step.frame = r.text("frame");
    step.count = r.number("count", up_to(kMaxCount));
    step.batch = r.number_or("batch", 1.0, within(1.0, kMaxCount));
    if (step.count / step.batch > kMaxRoundTripsPerStep)
      r.fail("count", "makes " + format_number(step.count / step.batch) +
                          " round trips per request (count / batch), more than the " +
                          format_number(kMaxRoundTripsPerStep) + " one step may");
    step.rtt_ms = r.number("rtt_ms", up_to(kMaxStepMs));
    step.ms = r.number_or("ms", 0.0, up_to(kMaxStepMs));
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
    step.alloc_kb = r.number_or("alloc_kb", 0.0, up_to(kMaxKb));
  } else if (kind == "lock") {
    const Record r(reader_, value, place,
                   {"kind", "lock", "frame", "ms", "dist", "cv", "sized", "alloc_kb", "permits", "wait_frame"}, true);
    step.kind = Step::Kind::Lock;
    step.lock = r.text("lock");
    step.frame = r.text("frame");
    step.permits = r.whole_or("permits", 1, 1, 1'000'000);
    step.wait_frame = r.text_or("wait_frame", "", false);
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
    step.alloc_kb = r.number_or("alloc_kb", 0.0, up_to(kMaxKb));
    // The steps listed inside run while the lock is held: a connection pool
    // holds its connection for the queries, not for CPU.
    const Place inner_place{r.place().path, r.place().line};
    for (const LuaItem& item : reader_.sequence(value, inner_place, true)) {
      const Place item_place = child_place(inner_place, index_path(inner_place.path, item.index), &item.value);
      const std::string inner_kind = constructed_kind(item.value, item_place);
      if (inner_kind == "span" || inner_kind == "lock")
        reader_.fail(item_place, "a lock may hold cpu, wait, queries, syscalls or downstream steps, not a " + inner_kind);
      step.inner.push_back(read_step(item.value, item_place, inner_kind));
    }
    step.ms = step.inner.empty() ? r.number("ms", up_to(kMaxStepMs)) : r.number_or("ms", 0.0, up_to(kMaxStepMs));
  } else if (kind == "syscalls") {
    const Record r(reader_, value, place, {"kind", "frame", "count", "batch", "ms", "block_ms", "dist", "cv",
                   "alloc_kb", "sized"});
    step.kind = Step::Kind::Syscalls;
    step.frame = r.text("frame");
    step.count = r.number("count", up_to(kMaxCount));
    step.batch = r.number_or("batch", 1.0, within(1.0, kMaxCount));
    step.ms = r.number("ms", up_to(kMaxStepMs));
    if (step.count / step.batch * step.ms > kMaxStepMs)
      r.fail("ms", "makes " + format_number(step.count / step.batch * step.ms) +
                       " ms of system calls per request (count / batch × ms), more than the " +
                       format_number(kMaxStepMs) + " one step may");
    step.block_ms = r.number_or("block_ms", 0.0, up_to(kMaxStepMs));
    if (std::ceil(step.count / step.batch) * step.block_ms > kMaxStepMs)
      r.fail("block_ms", "blocks " + format_number(std::ceil(step.count / step.batch) * step.block_ms) +
                             " ms per request (calls × block_ms), more than the " + format_number(kMaxStepMs) +
                             " one step may");
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
    step.alloc_kb = r.number_or("alloc_kb", 0.0, up_to(kMaxKb));
  } else {  // downstream
    const Record r(reader_, value, place,
                   {"kind", "service", "frame", "rtt_ms", "remote_ms", "remote_ms_per_kb", "payload_kb",
                    "decode_ms_per_kb", "decode_alloc_per_kb", "error_prob", "dist", "cv", "sized"});
    step.kind = Step::Kind::Downstream;
    step.service = r.text("service");
    step.frame = r.text_or("frame", "encoding/json.Unmarshal", false);
    if (!r.find("rtt_ms") && !r.find("remote_ms")) reader_.fail(r.place(), "needs rtt_ms or remote_ms");
    step.rtt_ms = r.number_or("rtt_ms", 0.0, up_to(kMaxStepMs));
    step.remote_ms = r.number_or("remote_ms", 0.0, up_to(kMaxStepMs));
    step.remote_ms_per_kb = r.number_or("remote_ms_per_kb", 0.0, up_to(kMaxPerKbMs));
    step.payload_kb = r.number("payload_kb", up_to(kMaxKb));
    step.decode_ms_per_kb = r.number_or("decode_ms_per_kb", 0.0, up_to(kMaxPerKbMs));
    step.decode_alloc_per_kb = r.number_or("decode_alloc_per_kb", 0.0, up_to(kMaxPerKbMs));
    step.error_prob = r.number_or("error_prob", 0.0, within(0.0, 1.0));
    step.dist = read_distribution(r);
    step.sized = r.flag_or("sized", false);
  }
  return step;
}

// The text at `key`, which must name one of the model's endpoints.
std::string BuildReader::read_endpoint_name(const Record& record, std::string_view key,
                                            const std::vector<EndpointSpec>& endpoints) const {
  const std::string name = record.text(key);
  const bool known =
      std::any_of(endpoints.begin(), endpoints.end(), [&](const EndpointSpec& e) { return e.name == name; });
  if (!known) {
    std::vector<std::string> names;
    for (const auto& e : endpoints) names.push_back(e.name);
    record.fail(key, "no endpoint named " + in_quotes(name) + " (endpoints: " + join(names) + ")");
  }
  return name;
}

SloSpec BuildReader::read_slo(const Record& record, const std::vector<EndpointSpec>& endpoints) const {
  SloSpec slo;
  slo.endpoint = read_endpoint_name(record, "endpoint", endpoints);
  slo.threshold_ms = record.number_or("threshold_ms", slo.threshold_ms, above_up_to(0.0, kMaxTimeoutMs));
  slo.objective = record.number_or("objective", slo.objective, strictly_within(0.0, 1.0));
  const LuaValue* alerts = record.find("alerts");
  if (!alerts) return slo;
  const Place list_place = record.at("alerts");
  for (const LuaItem& item : reader_.sequence(*alerts, list_place)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), list_place.line},
                   {"name", "burn_rate", "short_window_s", "long_window_s"});
    SloAlertSpec alert;
    alert.name = r.text("name");
    alert.burn_rate = r.number_or("burn_rate", alert.burn_rate, above_up_to(0.0, 1e6));
    alert.long_window_s = r.number_or("long_window_s", alert.long_window_s, above_up_to(0.0, kMaxDurationS));
    alert.short_window_s =
        r.number_or("short_window_s", alert.short_window_s, Bounds{0.0, alert.long_window_s, true, false, false});
    slo.alerts.push_back(std::move(alert));
  }
  return slo;
}

// `set` names declared params only, with values in their ranges: the
// engine rebuilds the model from them.
ParamValues BuildReader::read_set(const Record& owner, std::string_view key) const {
  ParamValues set;
  const LuaValue* table = owner.find(key);
  if (!table) return set;
  const Place set_place = owner.at(key);
  for (const LuaField& entry : reader_.named(*table, set_place)) {
    const Place place = child_place(set_place, field_path(set_place.path, entry.key), nullptr);
    const ParamSpec* param = find_param(params_, entry.key);
    if (!param)
      reader_.fail(place,
                   "unknown param " + in_quotes(entry.key) + " (declared params: " + param_names(params_) + ")");
    set[entry.key] = reader_.number(entry.value, place, param_bounds(*param));
  }
  return set;
}

std::vector<TimelineEvent> BuildReader::read_timeline(const Record& top) const {
  std::vector<TimelineEvent> timeline;
  const LuaValue* list = top.find("timeline");
  if (!list) return timeline;
  const Place list_place = top.at("timeline");
  for (const LuaItem& item : reader_.sequence(*list, list_place, false, kMaxTimelineEvents)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), 0},
                   {"at_s", "phase", "kind", "service", "text", "set"});
    TimelineEvent event;
    // Events after the end never happen; not an error, but still a time the engine can hold.
    event.at_s = r.number("at_s", up_to(1e9));
    event.phase = r.text_or("phase", "");
    event.kind = r.text_or("kind", "config");
    if (event.kind != "deploy" && event.kind != "config" && event.kind != "fix" && event.kind != "load")
      r.fail("kind", "must be \"deploy\", \"config\", \"fix\" or \"load\", got " + in_quotes(event.kind));
    event.service = r.text_or("service", "");
    event.text = r.text_or("text", "");
    event.set = read_set(r);
    timeline.push_back(std::move(event));
  }
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at_s < b.at_s; });
  return timeline;
}

std::vector<FixSpec> BuildReader::read_fixes(const Record& top) const {
  std::vector<FixSpec> fixes;
  const LuaValue* table = top.find("fixes");
  if (!table) return fixes;
  const Place map_place = top.at("fixes");
  for (const LuaField& entry : reader_.named(*table, map_place)) {  // sorted by id
    const Place place = child_place(map_place, field_path(map_place.path, entry.key), &entry.value);
    if (!is_fix_id(entry.key)) reader_.fail(place, "fix ids must match [A-Za-z0-9_-]+");
    const Record r(reader_, entry.value, place, {"title", "text", "phase", "touches", "set"});
    FixSpec fix;
    fix.id = entry.key;
    fix.title = r.text("title");
    fix.text = r.text_or("text", "");
    fix.phase = r.text_or("phase", fix.phase, false);
    fix.touches = r.text_or("touches", "");
    if (!fix.touches.empty() && fix.touches != "cause" && fix.touches != "symptom" && fix.touches != "elsewhere")
      r.fail("touches", "must be \"cause\", \"symptom\" or \"elsewhere\", got " + in_quotes(fix.touches));
    fix.set = read_set(r);
    fixes.push_back(std::move(fix));
  }
  return fixes;
}

// A game day's injects: what a facilitator throws at the team during the
// live run. They change nothing in the model; each fires within the run.
std::vector<InjectSpec> BuildReader::read_injects(const Record& top, double duration_s) const {
  std::vector<InjectSpec> injects;
  const LuaValue* gameday = top.find("gameday");
  if (!gameday) return injects;
  const Record record(reader_, *gameday, top.at("gameday"), {"injects"});
  const LuaValue* list = record.find("injects");
  if (!list) return injects;
  const Place list_place = record.at("injects");
  std::set<std::string> ids;
  for (const LuaItem& item : reader_.sequence(*list, list_place, false, kMaxInjects)) {
    const Record r(reader_, item.value, {index_path(list_place.path, item.index), list_place.line},
                   {"id", "at_s", "kind", "service", "text"});
    InjectSpec inject;
    inject.id = r.text("id");
    if (!is_slug(inject.id)) r.fail("id", "must match [a-z0-9-]+, got " + in_quotes(inject.id));
    if (!ids.insert(inject.id).second) r.fail("id", "duplicate inject id " + in_quotes(inject.id));
    inject.at_s = r.number("at_s", up_to(kMaxDurationS));
    if (inject.at_s > duration_s)
      r.fail("at_s", "must be within the run, [0, " + format_number(duration_s) + "] (duration_s), got " +
                         format_number(inject.at_s));
    inject.kind = read_choice(r, "kind", nullptr, {"page", "deploy", "message"});
    if (inject.kind == "message") {
      if (r.find("service"))
        r.fail("service", "a message comes from no service (only a page or a deploy names one)");
    } else {
      if (!r.find("service"))
        r.fail("service", "is required for a " + inject.kind + " (" +
                              (inject.kind == "page" ? "who pages" : "what deploys") + ")");
      inject.service = r.text("service");
    }
    inject.text = r.text("text");
    if (inject.text.size() > kMaxInjectTextBytes)
      r.fail("text", "must be at most " + std::to_string(kMaxInjectTextBytes) + " bytes, one line a team reads, got " +
                         std::to_string(inject.text.size()));
    if (inject.text.find_first_of("\n\t") != std::string::npos)
      r.fail("text", "must be one line, without newlines or tabs");
    injects.push_back(std::move(inject));
  }
  std::sort(injects.begin(), injects.end(), [](const InjectSpec& a, const InjectSpec& b) {
    return a.at_s != b.at_s ? a.at_s < b.at_s : a.id < b.id;
  });
  return injects;
}

}  // namespace perfloop::scenario_fields
