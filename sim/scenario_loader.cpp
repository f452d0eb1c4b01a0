// [SECTION] ScenarioError
// [SECTION] Prelude and seeds
// [SECTION] Field paths and number rules
// [SECTION] Reader and Record: checked access to copied Lua tables
// [SECTION] Script header: id, title, params
// [SECTION] Build result: model, spans and steps
// [SECTION] Build result: timeline and fixes
// [SECTION] ScenarioScript
//
// Conversion works on a LuaValue copy of what the script returned, so no
// script code can run while it is checked and any C++ exception is safe.
#include "sim/scenario_loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string_view>

#include "sim/lua_sandbox.h"

namespace perfloop {

// ============================================================================
// [SECTION] ScenarioError
// ============================================================================

namespace {

std::string compose_error(const std::string& file, int line, const std::string& field, const std::string& message) {
  std::string text = file;
  if (line > 0) text += ":" + std::to_string(line);
  if (!text.empty()) text += ": ";
  if (!field.empty()) text += field + ": ";
  return text + message;
}

}  // namespace

ScenarioError::ScenarioError(std::string file, int line, std::string field, const std::string& message)
    : std::runtime_error(compose_error(file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(message) {}

namespace {

// ============================================================================
// [SECTION] Prelude and seeds
// ============================================================================

// Step constructors. Each tags its table with the kind; mark() remembers the
// line of the call so validation errors can point at it. The standard
// functions are captured as locals because the script may reassign globals.
constexpr std::string_view kPrelude = R"lua(
local mark = ...
local error, rawset, type = error, rawset, type

local function constructor(kind)
  return function(t)
    if type(t) ~= "table" then
      error(kind .. "{...} expects a table, got " .. type(t), 2)
    end
    rawset(t, "kind", kind)
    mark(t)
    return t
  end
end

span = constructor("span")
cpu = constructor("cpu")
wait = constructor("wait")
queries = constructor("queries")
lock = constructor("lock")
syscalls = constructor("syscalls")
downstream = constructor("downstream")
)lua";

constexpr std::size_t kMaxFileBytes = std::size_t{16} << 20;
constexpr int kMaxSpansPerEndpoint = 32;
constexpr double kMaxDurationS = 30.0 * 24 * 3600;

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// math.random is deterministic. While the file itself runs the id is not yet
// known, so that run uses a constant seed; every build(p) call starts again
// from FNV-1a-64 of the scenario id, so a build depends only on p.
const std::uint64_t kFileRunSeed = fnv1a64("perfloop scenario file");
std::uint64_t build_seed(const std::string& id) { return fnv1a64(id); }

// ============================================================================
// [SECTION] Field paths and number rules
// ============================================================================

// Where a value sits in the script's result, and the nearest line a step
// constructor recorded (0: unknown).
struct Place {
  std::string path;
  int line = 0;
};

bool is_identifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// parent.key, or parent["key"] when key is not an identifier.
std::string field_path(const std::string& parent, std::string_view key) {
  if (!is_identifier(key)) return parent + "[" + in_quotes(key) + "]";
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string keyed_path(const std::string& parent, std::string_view key) { return parent + "[" + in_quotes(key) + "]"; }

std::string index_path(const std::string& parent, long long index) {
  return parent + "[" + std::to_string(index) + "]";
}

Place child_place(const Place& parent, std::string path, const LuaValue* value) {
  return {std::move(path), value && value->line > 0 ? value->line : parent.line};
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[40];
  if (std::floor(value) == value && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Bounds {
  double low = -kInf;
  double high = kInf;
  bool low_open = false;
  bool high_open = false;
  bool whole = false;  // must be an integer
};

Bounds any_finite() { return {}; }
Bounds at_least(double low) { return {low, kInf, false, false, false}; }
Bounds above(double low) { return {low, kInf, true, false, false}; }
Bounds within(double low, double high) { return {low, high, false, false, false}; }
Bounds strictly_within(double low, double high) { return {low, high, true, true, false}; }
Bounds whole_within(double low, double high) { return {low, high, false, false, true}; }

std::string describe(const Bounds& bounds) {
  const bool has_low = std::isfinite(bounds.low);
  const bool has_high = std::isfinite(bounds.high);
  std::string text = bounds.whole ? "an integer" : "";
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : " ") + part; };
  if (has_low && has_high)
    add(std::string("in ") + (bounds.low_open ? "(" : "[") + format_number(bounds.low) + ", " +
        format_number(bounds.high) + (bounds.high_open ? ")" : "]"));
  else if (has_low)
    add((bounds.low_open ? "> " : ">= ") + format_number(bounds.low));
  else if (has_high)
    add((bounds.high_open ? "< " : "<= ") + format_number(bounds.high));
  return text.empty() ? "finite" : text;
}

// The complaint about `value`, or nothing when it satisfies `bounds`.
std::optional<std::string> bounds_violation(double value, const Bounds& bounds) {
  if (!std::isfinite(value)) return "must be a finite number, got " + format_number(value);
  const bool below = bounds.low_open ? value <= bounds.low : value < bounds.low;
  const bool beyond = bounds.high_open ? value >= bounds.high : value > bounds.high;
  if (below || beyond || (bounds.whole && std::floor(value) != value))
    return "must be " + describe(bounds) + ", got " + format_number(value);
  return std::nullopt;
}

// A declared param's range; the ±1e300 "no bound" defaults read as none.
Bounds param_bounds(const ParamSpec& spec) {
  return within(spec.min <= -1e300 ? -kInf : spec.min, spec.max >= 1e300 ? kInf : spec.max);
}

std::string describe_value(const LuaValue& value) {
  if (value.type != LuaValue::Type::String) return value.type_name();
  std::string shown = value.text.size() > 40 ? value.text.substr(0, 40) + "..." : value.text;
  return "string " + in_quotes(shown);
}

// ============================================================================
// [SECTION] Reader and Record: checked access to copied Lua tables
// ============================================================================

class Reader {
 public:
  explicit Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const Place& place, const std::string& message) const {
    throw ScenarioError(file_, place.line, place.path, message);
  }

  void expect_table(const LuaValue& value, const Place& place) const {
    if (!value.is_table()) fail(place, "must be a table, got " + describe_value(value));
    if (!value.odd_keys.empty()) fail({place.path + value.odd_keys.front(), place.line}, "unexpected key");
  }

  double number(const LuaValue& value, const Place& place, const Bounds& bounds) const {
    if (value.type != LuaValue::Type::Number) fail(place, "must be a number, got " + describe_value(value));
    if (auto complaint = bounds_violation(value.number, bounds)) fail(place, *complaint);
    return value.number;
  }

  std::string text(const LuaValue& value, const Place& place, bool allow_empty) const {
    if (value.type != LuaValue::Type::String) fail(place, "must be a string, got " + describe_value(value));
    if (!allow_empty && value.text.empty()) fail(place, "must not be empty");
    return value.text;
  }

  bool flag(const LuaValue& value, const Place& place) const {
    if (value.type != LuaValue::Type::Boolean) fail(place, "must be true or false, got " + describe_value(value));
    return value.boolean;
  }

  // Items 1..n without gaps. Named fields are refused unless allowed.
  const std::vector<LuaItem>& sequence(const LuaValue& value, const Place& place, bool fields_allowed = false) const {
    expect_table(value, place);
    if (!fields_allowed && !value.fields.empty())
      fail(child_place(place, field_path(place.path, value.fields.front().key), nullptr),
           "unexpected named field (expected a list)");
    for (std::size_t i = 0; i < value.items.size(); ++i)
      if (value.items[i].index != static_cast<long long>(i) + 1)
        fail(child_place(place, index_path(place.path, value.items[i].index), nullptr),
             "is outside the list 1.." + std::to_string(value.items.size()) + " (lists must have no gaps)");
    return value.items;
  }

  // Named entries only.
  const std::vector<LuaField>& named(const LuaValue& value, const Place& place) const {
    expect_table(value, place);
    if (!value.items.empty())
      fail(child_place(place, index_path(place.path, value.items.front().index), nullptr),
           "unexpected list entry (expected named entries)");
    return value.fields;
  }

 private:
  const std::string& file_;
};

// A table with a fixed set of named fields; any other field is an error.
class Record {
 public:
  Record(const Reader& reader, const LuaValue& value, const Place& place,
         std::initializer_list<std::string_view> allowed, bool items_allowed = false)
      : reader_(reader), value_(value), place_(child_place(place, place.path, &value)) {
    reader.expect_table(value, place_);
    if (!items_allowed && !value.items.empty())
      reader.fail(child_place(place_, index_path(place_.path, value.items.front().index), nullptr),
                  "unexpected list entry (expected named fields)");
    for (const LuaField& field : value.fields) {
      if (std::find(allowed.begin(), allowed.end(), field.key) != allowed.end()) continue;
      std::vector<std::string> expected;
      for (std::string_view name : allowed)
        if (name != "kind") expected.emplace_back(name);  // set by the constructor, not by hand
      reader.fail(at(field.key), "unknown field (expected one of: " + join(expected) + ")");
    }
  }

  const Place& place() const { return place_; }
  Place at(std::string_view key) const { return child_place(place_, field_path(place_.path, key), find(key)); }
  [[noreturn]] void fail(std::string_view key, const std::string& message) const { reader_.fail(at(key), message); }

  const LuaValue* find(std::string_view key) const { return value_.field(key); }

  const LuaValue& require(std::string_view key) const {
    const LuaValue* value = find(key);
    if (!value) fail(key, "is required");
    return *value;
  }

  double number(std::string_view key, const Bounds& bounds) const {
    return reader_.number(require(key), at(key), bounds);
  }

  double number_or(std::string_view key, double fallback, const Bounds& bounds) const {
    const LuaValue* value = find(key);
    return value ? reader_.number(*value, at(key), bounds) : fallback;
  }

  int whole_or(std::string_view key, int fallback, double low, double high) const {
    return static_cast<int>(number_or(key, fallback, whole_within(low, high)));
  }

  std::string text(std::string_view key) const { return reader_.text(require(key), at(key), false); }

  std::string text_or(std::string_view key, std::string fallback, bool allow_empty = true) const {
    const LuaValue* value = find(key);
    return value ? reader_.text(*value, at(key), allow_empty) : fallback;
  }

  bool flag_or(std::string_view key, bool fallback) const {
    const LuaValue* value = find(key);
    return value ? reader_.flag(*value, at(key)) : fallback;
  }

 private:
  const Reader& reader_;
  const LuaValue& value_;
  Place place_;
};

// ============================================================================
// [SECTION] Script header: id, title, params
// ============================================================================

bool is_scenario_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool is_fix_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::vector<ParamSpec> read_params(const Reader& reader, const Record& script) {
  std::vector<ParamSpec> params;
  const LuaValue* table = script.find("params");
  if (!table) return params;
  for (const LuaField& entry : reader.named(*table, script.at("params"))) {
    const Place place = child_place(script.at("params"), field_path(script.at("params").path, entry.key), &entry.value);
    if (!is_identifier(entry.key)) reader.fail(place, "param names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)");
    const Record spec(reader, entry.value, place, {"default", "min", "max", "unit", "description"});
    ParamSpec param;
    param.name = entry.key;
    param.min = spec.number_or("min", param.min, any_finite());
    param.max = spec.number_or("max", param.max, any_finite());
    if (param.min > param.max)
      spec.fail("min", "must be <= max (" + format_number(param.max) + "), got " + format_number(param.min));
    param.default_value = spec.number("default", param_bounds(param));
    param.unit = spec.text_or("unit", "");
    param.description = spec.text_or("description", "");
    params.push_back(std::move(param));
  }
  return params;
}

const ParamSpec* find_param(const std::vector<ParamSpec>& params, const std::string& name) {
  for (const auto& param : params)
    if (param.name == name) return &param;
  return nullptr;
}

std::string param_names(const std::vector<ParamSpec>& params) {
  std::vector<std::string> names;
  for (const auto& param : params) names.push_back(param.name);
  return names.empty() ? "none" : join(names);
}

// ============================================================================
// [SECTION] Build result: model, spans and steps
// ============================================================================

class BuildReader {
 public:
  BuildReader(const std::string& file, const std::vector<ParamSpec>& params) : reader_(file), params_(params) {}

  ScenarioBuild read(const LuaValue& result) const {
    if (!result.is_table()) reader_.fail({}, "build(p) must return a table, got " + describe_value(result));
    const Record top(reader_, result, {},
                     {"duration_s", "fix_at_s", "first_phase", "trace_sample_rate", "profile_hz", "service", "load",
                      "slo", "endpoints", "timeline", "fixes"});
    ScenarioBuild build;
    build.duration_s = top.number("duration_s", Bounds{0.0, kMaxDurationS, true, false, false});
    // Not capped at duration_s: a shorter run (a param) simply ends before the fix.
    build.fix_at_s = top.number_or("fix_at_s", -1.0, at_least(0.0));
    build.first_phase = top.text_or("first_phase", build.first_phase, false);

    ModelSpec& model = build.model;
    model.trace_sample_rate = top.number_or("trace_sample_rate", model.trace_sample_rate, within(0.0, 1.0));
    model.profile_hz = top.number_or("profile_hz", model.profile_hz, Bounds{0.0, 10000.0, true, false, false});
    model.service = read_service(Record(reader_, top.require("service"), top.at("service"),
                                        {"name", "root_frame", "cores", "workers", "queue_limit", "gc"}));
    model.load = read_load(Record(reader_, top.require("load"), top.at("load"), {"rps", "curve"}));
    model.endpoints = read_endpoints(top);
    if (const LuaValue* slo = top.find("slo"))
      model.slo = read_slo(Record(reader_, *slo, top.at("slo"), {"endpoint", "threshold_ms", "objective", "alerts"}),
                           model.endpoints);
    build.timeline = read_timeline(top);
    build.fixes = read_fixes(top);
    return build;
  }

 private:
  ServiceSpec read_service(const Record& record) const {
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
      spec.live_heap_mb = r.number_or("live_heap_mb", spec.live_heap_mb, at_least(0.0));
      spec.malloc_ns_per_kb = r.number_or("malloc_ns_per_kb", spec.malloc_ns_per_kb, at_least(0.0));
      spec.scan_ns_per_kb = r.number_or("scan_ns_per_kb", spec.scan_ns_per_kb, at_least(0.0));
      spec.stw_pause_ms = r.number_or("stw_pause_ms", spec.stw_pause_ms, at_least(0.0));
    }
    return service;
  }

  LoadSpec read_load(const Record& record) const {
    LoadSpec load;
    load.rps = record.number("rps", above(0.0));
    const LuaValue* curve = record.find("curve");
    if (!curve) return load;
    const Place curve_place = record.at("curve");
    for (const LuaItem& item : reader_.sequence(*curve, curve_place)) {
      const Place place = child_place(curve_place, index_path(curve_place.path, item.index), &item.value);
      const auto& pair = reader_.sequence(item.value, place);
      if (pair.size() != 2) reader_.fail(place, "must be {t_s, factor}");
      LoadPoint point;
      point.t_s = reader_.number(pair[0].value, {index_path(place.path, 1), place.line}, at_least(0.0));
      point.factor = reader_.number(pair[1].value, {index_path(place.path, 2), place.line}, at_least(0.0));
      if (!load.curve.empty() && point.t_s <= load.curve.back().t_s)
        reader_.fail({index_path(place.path, 1), place.line},
                     "must be greater than the previous point's t_s (" + format_number(load.curve.back().t_s) +
                         "), got " + format_number(point.t_s));
      load.curve.push_back(point);
    }
    return load;
  }

  std::vector<EndpointSpec> read_endpoints(const Record& top) const {
    const Place list_place = top.at("endpoints");
    const auto& items = reader_.sequence(top.require("endpoints"), list_place);
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
      endpoint.share = record.number_or("share", endpoint.share, above(0.0));
      endpoint.timeout_ms = record.number_or("timeout_ms", endpoint.timeout_ms, above(0.0));
      endpoint.size_cv = record.number_or("size_cv", 0.0, within(0.0, 10.0));
      endpoint.size_max = record.number_or("size_max", endpoint.size_max, above(0.0));
      if (const LuaValue* client = record.find("client")) endpoint.client = read_client(record, *client, name);
      SpanBudget budget;
      endpoint.root = read_span(record.require("root"), record.at("root"), budget);
      endpoints.push_back(std::move(endpoint));
    }
    return endpoints;
  }

  ClientSpec read_client(const Record& endpoint, const LuaValue& value, const std::string& endpoint_name) const {
    const Record r(reader_, value, endpoint.at("client"),
                   {"route", "bundle_kb", "bandwidth_mbps", "ttfb_ms", "parse_compile_ms_per_kb", "execute_ms",
                    "device_cv", "inp_handler_ms"});
    ClientSpec client;
    client.enabled = true;
    client.route = r.text_or("route", endpoint_name, false);
    client.bundle_kb = r.number_or("bundle_kb", client.bundle_kb, at_least(0.0));
    client.bandwidth_mbps = r.number_or("bandwidth_mbps", client.bandwidth_mbps, above(0.0));
    client.ttfb_ms = r.number_or("ttfb_ms", client.ttfb_ms, at_least(0.0));
    client.parse_compile_ms_per_kb =
        r.number_or("parse_compile_ms_per_kb", client.parse_compile_ms_per_kb, at_least(0.0));
    client.execute_ms = r.number_or("execute_ms", client.execute_ms, at_least(0.0));
    client.device_cv = r.number_or("device_cv", client.device_cv, within(0.0, 10.0));
    client.inp_handler_ms = r.number_or("inp_handler_ms", client.inp_handler_ms, at_least(0.0));
    return client;
  }

  // Span names are unique per endpoint: they name the spans in traces.
  struct SpanBudget {
    std::set<std::string> names;
    int spans = 0;
  };

  // The kind a step constructor stored, or a failure naming the constructors.
  std::string constructed_kind(const LuaValue& value, const Place& place) const {
    static const char* const kKinds[] = {"span", "cpu", "wait", "queries", "lock", "syscalls", "downstream"};
    reader_.expect_table(value, place);
    const LuaValue* kind = value.field("kind");
    if (kind && kind->type == LuaValue::Type::String)
      for (const char* known : kKinds)
        if (kind->text == known) return kind->text;
    reader_.fail(place, "must be a step made with cpu{...}, wait{...}, queries{...}, lock{...}, syscalls{...}, "
                        "downstream{...} or span{...}");
  }

  SpanSpec read_span(const LuaValue& value, const Place& place, SpanBudget& budget) const {
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

  Distribution read_distribution(const Record& step) const {
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

  Step read_step(const LuaValue& value, const Place& place, const std::string& kind) const {
    Step step;
    if (kind == "cpu") {
      const Record r(reader_, value, place, {"kind", "frame", "ms", "dist", "cv", "alloc_kb", "sized"});
      step.kind = Step::Kind::Cpu;
      step.frame = r.text("frame");
      step.ms = r.number("ms", at_least(0.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
      step.alloc_kb = r.number_or("alloc_kb", 0.0, at_least(0.0));
    } else if (kind == "wait") {
      const Record r(reader_, value, place, {"kind", "frame", "ms", "dist", "cv", "sized"});
      step.kind = Step::Kind::Wait;
      step.frame = r.text("frame");
      step.ms = r.number("ms", at_least(0.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
    } else if (kind == "queries") {
      const Record r(reader_, value, place,
                     {"kind", "frame", "count", "batch", "rtt_ms", "ms", "dist", "cv", "alloc_kb"});
      step.kind = Step::Kind::Queries;
      step.frame = r.text("frame");
      step.count = r.number("count", at_least(0.0));
      step.batch = r.number_or("batch", 1.0, at_least(1.0));
      step.rtt_ms = r.number("rtt_ms", at_least(0.0));
      step.ms = r.number_or("ms", 0.0, at_least(0.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
      step.alloc_kb = r.number_or("alloc_kb", 0.0, at_least(0.0));
    } else if (kind == "lock") {
      const Record r(reader_, value, place, {"kind", "lock", "frame", "ms", "dist", "cv", "sized"});
      step.kind = Step::Kind::Lock;
      step.lock = r.text("lock");
      step.frame = r.text("frame");
      step.ms = r.number("ms", at_least(0.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
    } else if (kind == "syscalls") {
      const Record r(reader_, value, place, {"kind", "frame", "count", "batch", "ms", "dist", "cv", "alloc_kb", "sized"});
      step.kind = Step::Kind::Syscalls;
      step.frame = r.text("frame");
      step.count = r.number("count", at_least(0.0));
      step.batch = r.number_or("batch", 1.0, at_least(1.0));
      step.ms = r.number("ms", at_least(0.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
      step.alloc_kb = r.number_or("alloc_kb", 0.0, at_least(0.0));
    } else {  // downstream
      const Record r(reader_, value, place,
                     {"kind", "service", "frame", "rtt_ms", "remote_ms", "remote_ms_per_kb", "payload_kb",
                      "decode_ms_per_kb", "decode_alloc_per_kb", "error_prob", "dist", "cv", "sized"});
      step.kind = Step::Kind::Downstream;
      step.service = r.text("service");
      step.frame = r.text_or("frame", "encoding/json.Unmarshal", false);
      if (!r.find("rtt_ms") && !r.find("remote_ms")) reader_.fail(r.place(), "needs rtt_ms or remote_ms");
      step.rtt_ms = r.number_or("rtt_ms", 0.0, at_least(0.0));
      step.remote_ms = r.number_or("remote_ms", 0.0, at_least(0.0));
      step.remote_ms_per_kb = r.number_or("remote_ms_per_kb", 0.0, at_least(0.0));
      step.payload_kb = r.number("payload_kb", at_least(0.0));
      step.decode_ms_per_kb = r.number_or("decode_ms_per_kb", 0.0, at_least(0.0));
      step.decode_alloc_per_kb = r.number_or("decode_alloc_per_kb", 0.0, at_least(0.0));
      step.error_prob = r.number_or("error_prob", 0.0, within(0.0, 1.0));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
    }
    return step;
  }

  SloSpec read_slo(const Record& record, const std::vector<EndpointSpec>& endpoints) const {
    SloSpec slo;
    slo.endpoint = record.text("endpoint");
    const bool known = std::any_of(endpoints.begin(), endpoints.end(),
                                   [&](const EndpointSpec& e) { return e.name == slo.endpoint; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& e : endpoints) names.push_back(e.name);
      record.fail("endpoint", "no endpoint named " + in_quotes(slo.endpoint) + " (endpoints: " + join(names) + ")");
    }
    slo.threshold_ms = record.number_or("threshold_ms", slo.threshold_ms, above(0.0));
    slo.objective = record.number_or("objective", slo.objective, strictly_within(0.0, 1.0));
    const LuaValue* alerts = record.find("alerts");
    if (!alerts) return slo;
    const Place list_place = record.at("alerts");
    for (const LuaItem& item : reader_.sequence(*alerts, list_place)) {
      const Record r(reader_, item.value, {index_path(list_place.path, item.index), list_place.line},
                     {"name", "burn_rate", "short_window_s", "long_window_s"});
      SloAlertSpec alert;
      alert.name = r.text("name");
      alert.burn_rate = r.number_or("burn_rate", alert.burn_rate, above(0.0));
      alert.long_window_s = r.number_or("long_window_s", alert.long_window_s, above(0.0));
      alert.short_window_s =
          r.number_or("short_window_s", alert.short_window_s, Bounds{0.0, alert.long_window_s, true, false, false});
      slo.alerts.push_back(std::move(alert));
    }
    return slo;
  }

  // ==========================================================================
  // [SECTION] Build result: timeline and fixes
  // ==========================================================================

  // `set` names declared params only, with values in their ranges: the
  // engine rebuilds the model from them.
  ParamValues read_set(const Record& owner) const {
    ParamValues set;
    const LuaValue* table = owner.find("set");
    if (!table) return set;
    const Place set_place = owner.at("set");
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

  std::vector<TimelineEvent> read_timeline(const Record& top) const {
    std::vector<TimelineEvent> timeline;
    const LuaValue* list = top.find("timeline");
    if (!list) return timeline;
    const Place list_place = top.at("timeline");
    for (const LuaItem& item : reader_.sequence(*list, list_place)) {
      const Record r(reader_, item.value, {index_path(list_place.path, item.index), 0},
                     {"at_s", "phase", "kind", "service", "text", "set"});
      TimelineEvent event;
      event.at_s = r.number("at_s", at_least(0.0));  // events after the end never happen; not an error
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

  std::vector<FixSpec> read_fixes(const Record& top) const {
    std::vector<FixSpec> fixes;
    const LuaValue* table = top.find("fixes");
    if (!table) return fixes;
    const Place map_place = top.at("fixes");
    for (const LuaField& entry : reader_.named(*table, map_place)) {  // sorted by id
      const Place place = child_place(map_place, field_path(map_place.path, entry.key), &entry.value);
      if (!is_fix_id(entry.key)) reader_.fail(place, "fix ids must match [A-Za-z0-9_-]+");
      const Record r(reader_, entry.value, place, {"title", "text", "phase", "set"});
      FixSpec fix;
      fix.id = entry.key;
      fix.title = r.text("title");
      fix.text = r.text_or("text", "");
      fix.phase = r.text_or("phase", fix.phase, false);
      fix.set = read_set(r);
      fixes.push_back(std::move(fix));
    }
    return fixes;
  }

  Reader reader_;
  const std::vector<ParamSpec>& params_;
};

// ============================================================================
// [SECTION] ScenarioScript helpers
// ============================================================================

std::string read_script_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw ScenarioError(path, 0, "", "cannot open file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw ScenarioError(path, 0, "", "cannot open file");
  if (size > kMaxFileBytes)
    throw ScenarioError(path, 0, "", "file too large (" + std::to_string(size) + " bytes, at most 16 MiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, "", "cannot open file");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // editors add a UTF-8 BOM Lua would not parse
  return text;
}

ScenarioError error_from(const std::string& file, const SandboxFailure& failure) {
  ScenarioError error(file, failure.line, "", failure.message);
  error.with_traceback(failure.traceback);
  return error;
}

}  // namespace

// ============================================================================
// [SECTION] ScenarioScript
// ============================================================================

ScenarioScript::~ScenarioScript() = default;
ScenarioScript::ScenarioScript(ScenarioScript&&) noexcept = default;
ScenarioScript& ScenarioScript::operator=(ScenarioScript&&) noexcept = default;

ScenarioScript ScenarioScript::load(const std::string& path) {
  const std::string text = read_script_file(path);
  ScenarioScript script;
  script.file_ = path;
  try {
    script.sandbox_ = std::make_unique<LuaSandbox>(SandboxLimits{}, kFileRunSeed, kPrelude);
  } catch (const std::runtime_error& e) {
    throw ScenarioError(path, 0, "", e.what());
  }
  LuaSandbox& sandbox = *script.sandbox_;

  LuaRef returned = -1;
  if (auto failure = sandbox.run_chunk(text, path, returned)) throw error_from(path, *failure);
  LuaValue header;
  auto failure = sandbox.snapshot(returned, header);
  if (!failure) failure = sandbox.get_field(returned, "build", script.build_ref_);
  sandbox.release(returned);
  if (failure) throw error_from(path, *failure);

  const Reader reader(path);
  if (!header.is_table()) reader.fail({}, "the script must return a table, got " + describe_value(header));
  const Record record(reader, header, {}, {"id", "title", "params", "build"});
  script.id_ = record.text("id");
  if (!is_scenario_id(script.id_)) record.fail("id", "must match [a-z0-9-]+, got " + in_quotes(script.id_));
  script.title_ = record.text("title");
  if (record.require("build").type != LuaValue::Type::Function)
    record.fail("build", "must be a function, got " + describe_value(*record.find("build")));
  script.params_ = read_params(reader, record);
  return script;
}

ParamValues ScenarioScript::resolve(const ParamValues& overrides) const {
  ParamValues values;
  for (const auto& param : params_) values[param.name] = param.default_value;
  for (const auto& [name, value] : overrides) {
    const ParamSpec* param = find_param(params_, name);
    if (!param)
      throw ScenarioError(file_, 0, "",
                          "unknown param " + in_quotes(name) + " (known params: " + param_names(params_) + ")");
    if (auto complaint = bounds_violation(value, param_bounds(*param)))
      throw ScenarioError(file_, 0, "params." + name, *complaint);
    values[name] = value;
  }
  return values;
}

ScenarioBuild ScenarioScript::build(const ParamValues& values) {
  if (!sandbox_) throw ScenarioError(file_, 0, "", "scenario was moved away");
  const ParamValues resolved = resolve(values);
  sandbox_->reseed(build_seed(id_));

  LuaRef result = -1;
  if (auto failure = sandbox_->call_with_params(build_ref_, resolved, result)) throw error_from(file_, *failure);
  LuaValue value;
  auto failure = sandbox_->snapshot(result, value);
  sandbox_->release(result);
  if (failure) throw error_from(file_, *failure);
  return BuildReader(file_, params_).read(value);
}

}  // namespace perfloop
