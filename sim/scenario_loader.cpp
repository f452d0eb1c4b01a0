// [SECTION] ScenarioError
// [SECTION] Prelude and seeds
// [SECTION] Field paths and number rules
// [SECTION] Reader and Record: checked access to copied Lua tables
// [SECTION] Choices and lists of names
// [SECTION] Script header: id, title, params, catalogue card
// [SECTION] Build result: model, spans and steps
// [SECTION] Build result: timeline and fixes
// [SECTION] Build result: bottlenecks
// [SECTION] Build result: enforce
// [SECTION] Hot spots: checked against the service as it runs before any fix
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

#include "sim/bounded_file.h"
#include "sim/lua_sandbox.h"
#include "sim/program.h"
#include "sim/safe_text.h"
#include "sim/script_runner.h"
#include "sim/symbols.h"

namespace perfloop {

// ============================================================================
// [SECTION] ScenarioError
// ============================================================================

namespace {

// Everything in an error may come from the script (its path, a key, a
// message it raised): each part is made printable and capped, so the error
// stays one line a terminal shows as it is. Values the loader quotes are
// escaped already (quote()); terminal_line leaves those as they are.
std::string compose_error(const std::string& file, int line, const std::string& field, const std::string& message) {
  std::string text = terminal_line(file, 300);
  if (line > 0) text += ":" + std::to_string(line);
  if (!text.empty()) text += ": ";
  if (!field.empty()) text += terminal_line(field, 300) + ": ";
  return text + terminal_line(message, 600);
}

// A Lua traceback keeps its lines; each is made printable, and there are at most 40.
std::string printable_lines(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  for (int lines = 0; start <= text.size() && lines < 40; ++lines) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out += (out.empty() ? "" : "\n") + terminal_line(std::string_view(text).substr(start, end - start), 300);
    start = end + 1;
  }
  return out;
}

}  // namespace

ScenarioError::ScenarioError(std::string file, int line, std::string field, const std::string& message)
    : std::runtime_error(compose_error(file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(terminal_line(message, 600)) {}

ScenarioError& ScenarioError::with_traceback(const std::string& traceback) {
  traceback_ = printable_lines(traceback);
  return *this;
}

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

// Sizes a scenario may have. Each keeps what it feeds bounded: a run's
// memory and events, a saved attempt's size, the time to check a file.
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxTextBytes = 4096;
constexpr std::size_t kMaxListItems = 1000;
constexpr std::size_t kMaxEndpoints = 64;
constexpr std::size_t kMaxBottlenecks = 20;
constexpr std::size_t kMaxTimelineEvents = 200;
constexpr double kMaxDurationS = 7.0 * 24 * 3600;  // the engine keeps at most seven days of windows
constexpr double kMaxRps = 1e6;
constexpr double kMaxLoadFactor = 1000.0;
constexpr double kMaxStepMs = 1e6;      // one step's time; per-KB times multiply up to this with payloads
constexpr double kMaxPerKbMs = 1000.0;
constexpr double kMaxTimeoutMs = 1e12;  // "never" in practice, and still within the engine's integer nanoseconds
constexpr double kMaxKb = 1e6;          // one payload, allocation or bundle: 1 GB
constexpr double kMaxCount = 1e9;       // syscalls per request; queries are bounded by round trips

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

// Texts are printed to terminals and drawn as they are: no C0 or C1
// controls (escape sequences, carriage returns), no bidirectional
// overrides that would show text in another order than it is stored; a
// newline or a tab is fine. The offset of the first, or npos. `text` is
// valid UTF-8.
std::size_t first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    const auto third = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return i;
    if (c == 0xC2 && next >= 0x80 && next <= 0x9F) return i;  // U+0080..U+009F
    // U+202A..U+202E (embeddings, overrides) and U+2066..U+2069 (isolates)
    if (c == 0xE2 && next == 0x80 && third >= 0xAA && third <= 0xAE) return i;
    if (c == 0xE2 && next == 0x81 && third >= 0xA6 && third <= 0xA9) return i;
  }
  return std::string_view::npos;
}

// A name or value from the script, as a message shows it: quoted, escaped, capped.
std::string in_quotes(std::string_view text) { return quote(text, 80); }

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
Bounds within(double low, double high) { return {low, high, false, false, false}; }
Bounds strictly_within(double low, double high) { return {low, high, true, true, false}; }
Bounds whole_within(double low, double high) { return {low, high, false, false, true}; }
Bounds up_to(double high) { return within(0.0, high); }
Bounds above_up_to(double low, double high) { return {low, high, true, false, false}; }

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
  return "string " + quote(value.text, 60);
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

  // Every text a scenario gives is shown to learners, printed and written
  // into JSON: it must be UTF-8 without control characters, and one field is
  // at most kMaxTextBytes.
  std::string text(const LuaValue& value, const Place& place, bool allow_empty) const {
    if (value.type != LuaValue::Type::String) fail(place, "must be a string, got " + describe_value(value));
    if (!allow_empty && value.text.empty()) fail(place, "must not be empty");
    if (const std::size_t bad = first_invalid_utf8(value.text); bad != std::string::npos)
      fail(place, "is not valid UTF-8 (byte " + std::to_string(bad + 1) + " of " + describe_value(value) +
                      "); save the scenario as UTF-8");
    if (value.text.size() > kMaxTextBytes)
      fail(place, "is " + std::to_string(value.text.size()) + " bytes, more than the " + std::to_string(kMaxTextBytes) +
                      " one text may be");
    if (const std::size_t bad = first_control_character(value.text); bad != std::string::npos)
      fail(place, "holds a control character (byte " + std::to_string(bad + 1) + " of " + describe_value(value) +
                      "); texts may hold newlines and tabs, not terminal or direction controls");
    return value.text;
  }

  bool flag(const LuaValue& value, const Place& place) const {
    if (value.type != LuaValue::Type::Boolean) fail(place, "must be true or false, got " + describe_value(value));
    return value.boolean;
  }

  // Items 1..n without gaps, at most `most`. Named fields are refused unless allowed.
  const std::vector<LuaItem>& sequence(const LuaValue& value, const Place& place, bool fields_allowed = false,
                                       std::size_t most = kMaxListItems) const {
    expect_table(value, place);
    if (value.items.size() > most)
      fail(place, "lists " + std::to_string(value.items.size()) + " entries, more than the " + std::to_string(most) +
                      " allowed here");
    if (!fields_allowed && !value.fields.empty())
      fail(child_place(place, field_path(place.path, value.fields.front().key), nullptr),
           "unexpected named field (expected a list)");
    for (std::size_t i = 0; i < value.items.size(); ++i)
      if (value.items[i].index != static_cast<long long>(i) + 1)
        fail(child_place(place, index_path(place.path, value.items[i].index), nullptr),
             "is outside the list 1.." + std::to_string(value.items.size()) + " (lists must have no gaps)");
    return value.items;
  }

  // Named entries only, at most kMaxListItems.
  const std::vector<LuaField>& named(const LuaValue& value, const Place& place) const {
    expect_table(value, place);
    if (value.fields.size() > kMaxListItems)
      fail(place, "has " + std::to_string(value.fields.size()) + " entries, more than the " +
                      std::to_string(kMaxListItems) + " allowed here");
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
// [SECTION] Choices and lists of names
// ============================================================================

using Choices = std::initializer_list<std::string_view>;

// "a", "b" or "c"
std::string choice_list(Choices choices) {
  std::string out;
  std::size_t index = 0;
  for (std::string_view choice : choices) {
    if (index > 0) out += index + 1 == choices.size() ? " or " : ", ";
    out += in_quotes(choice);
    ++index;
  }
  return out;
}

bool is_one_of(std::string_view text, Choices choices) {
  return std::find(choices.begin(), choices.end(), text) != choices.end();
}

// A text field restricted to `choices`; `fallback` nullptr makes it required.
std::string read_choice(const Record& record, std::string_view key, const char* fallback, Choices choices) {
  const std::string value = fallback ? record.text_or(key, fallback) : record.text(key);
  if (!is_one_of(value, choices))
    record.fail(key, "must be " + choice_list(choices) + ", got " + in_quotes(value));
  return value;
}

// A list of non-empty strings.
std::vector<std::string> read_texts(const Reader& reader, const LuaValue& value, const Place& place) {
  std::vector<std::string> texts;
  for (const LuaItem& item : reader.sequence(value, place))
    texts.push_back(reader.text(item.value, {index_path(place.path, item.index), place.line}, false));
  return texts;
}

std::string family_names() {
  std::vector<std::string> names(std::begin(kFamilies), std::end(kFamilies));
  return join(names);
}

bool is_family(std::string_view name) {
  return std::find(std::begin(kFamilies), std::end(kFamilies), name) != std::end(kFamilies);
}

// Families as scenario files spell them, each once; at least one, at most `most`.
std::vector<std::string> read_families(const Reader& reader, const LuaValue& value, const Place& place,
                                       std::size_t most) {
  const std::vector<std::string> families = read_texts(reader, value, place);
  for (std::size_t i = 0; i < families.size(); ++i) {
    const Place entry{index_path(place.path, static_cast<long long>(i) + 1), place.line};
    if (!is_family(families[i]))
      reader.fail(entry, "unknown family " + in_quotes(families[i]) + " (families: " + family_names() + ")");
    if (std::count(families.begin(), families.begin() + static_cast<std::ptrdiff_t>(i), families[i]) > 0)
      reader.fail(entry, "duplicate family " + in_quotes(families[i]));
  }
  if (families.empty()) reader.fail(place, "must list at least one family");
  if (families.size() > most)
    reader.fail(place,
                "must list at most " + std::to_string(most) + " families, got " + std::to_string(families.size()));
  return families;
}

// ============================================================================
// [SECTION] Script header: id, title, params, catalogue card
// ============================================================================

// Lower-case words joined by hyphens: scenario, bottleneck and gate ids.
bool is_slug(std::string_view id) {
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

// The catalogue card is optional, field by field: reference and test
// scenarios have none, and each field present is checked on its own.
ScenarioMeta read_meta(const Reader& reader, const Record& script) {
  ScenarioMeta meta;
  if (script.find("level")) meta.level = read_choice(script, "level", nullptr, {"junior", "middle", "senior"});
  if (const LuaValue* families = script.find("families"))
    meta.families = read_families(reader, *families, script.at("families"), std::size(kFamilies));
  meta.minutes = script.number_or("minutes", 0.0, Bounds{0.0, 600.0, true, false, false});
  if (const LuaValue* goals = script.find("goals")) {
    meta.goals = read_texts(reader, *goals, script.at("goals"));
    if (meta.goals.empty()) script.fail("goals", "must list at least one goal");
  }
  return meta;
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
  // `header_families`: the families the script's header lists (empty: none listed).
  BuildReader(const std::string& file, const std::vector<ParamSpec>& params,
              const std::vector<std::string>& header_families)
      : reader_(file), params_(params), header_families_(header_families) {}

  ScenarioBuild read(const LuaValue& result) const {
    if (!result.is_table()) reader_.fail({}, "build(p) must return a table, got " + describe_value(result));
    const Record top(reader_, result, {},
                     {"duration_s", "fix_at_s", "first_phase", "trace_sample_rate", "profile_hz", "service", "load",
                      "slo", "endpoints", "timeline", "fixes", "fix_spacing_s", "bottlenecks", "enforce"});
    ScenarioBuild build;
    build.duration_s = top.number("duration_s", Bounds{0.0, kMaxDurationS, true, false, false});
    // Not capped at duration_s: a shorter run (a param) simply ends before the fix.
    build.fix_at_s = top.number_or("fix_at_s", -1.0, up_to(kMaxDurationS));
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
    build.fix_spacing_s = top.number_or("fix_spacing_s", build.fix_spacing_s, up_to(kMaxDurationS));
    build.bottlenecks = read_bottlenecks(top, model.endpoints, model.slo, build.fixes);
    check_header_families(build.bottlenecks);
    build.enforce = read_enforce(top, model.endpoints, !build.bottlenecks.empty());
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
      spec.live_heap_mb = r.number_or("live_heap_mb", spec.live_heap_mb, up_to(kMaxKb));
      spec.malloc_ns_per_kb = r.number_or("malloc_ns_per_kb", spec.malloc_ns_per_kb, up_to(1e6));
      spec.scan_ns_per_kb = r.number_or("scan_ns_per_kb", spec.scan_ns_per_kb, up_to(1e6));
      spec.stw_pause_ms = r.number_or("stw_pause_ms", spec.stw_pause_ms, up_to(kMaxStepMs));
    }
    return service;
  }

  LoadSpec read_load(const Record& record) const {
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

  std::vector<EndpointSpec> read_endpoints(const Record& top) const {
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

  ClientSpec read_client(const Record& endpoint, const LuaValue& value, const std::string& endpoint_name) const {
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

  void read_modules(const Record& client_record, const LuaValue& value, ClientSpec& client) const {
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
      client_record.fail("execute_ms", "is " + format_number(client.execute_ms) + " ms but the modules' execute_ms add up to " +
                                           format_number(timed_ms) + " ms" + (all_timed ? "" : " before the untimed ones"));
    const double untimed_ms = std::max(0.0, client.execute_ms - timed_ms);
    double untimed_kb = 0.0;
    for (std::size_t i = 0; i < client.modules.size(); ++i)
      if (!timed[i]) untimed_kb += client.modules[i].kb;
    for (std::size_t i = 0; i < client.modules.size(); ++i)
      if (!timed[i]) client.modules[i].execute_ms = untimed_kb > 0 ? untimed_ms * client.modules[i].kb / untimed_kb : 0.0;
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
                     {"kind", "frame", "count", "batch", "rtt_ms", "ms", "dist", "cv", "alloc_kb"});
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
      const Record r(reader_, value, place, {"kind", "lock", "frame", "ms", "dist", "cv", "sized"});
      step.kind = Step::Kind::Lock;
      step.lock = r.text("lock");
      step.frame = r.text("frame");
      step.ms = r.number("ms", up_to(kMaxStepMs));
      step.dist = read_distribution(r);
      step.sized = r.flag_or("sized", false);
    } else if (kind == "syscalls") {
      const Record r(reader_, value, place, {"kind", "frame", "count", "batch", "ms", "dist", "cv", "alloc_kb", "sized"});
      step.kind = Step::Kind::Syscalls;
      step.frame = r.text("frame");
      step.count = r.number("count", up_to(kMaxCount));
      step.batch = r.number_or("batch", 1.0, within(1.0, kMaxCount));
      step.ms = r.number("ms", up_to(kMaxStepMs));
      if (step.count / step.batch * step.ms > kMaxStepMs)
        r.fail("ms", "makes " + format_number(step.count / step.batch * step.ms) +
                         " ms of system calls per request (count / batch × ms), more than the " +
                         format_number(kMaxStepMs) + " one step may");
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
  std::string read_endpoint_name(const Record& record, std::string_view key,
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

  SloSpec read_slo(const Record& record, const std::vector<EndpointSpec>& endpoints) const {
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

  // ==========================================================================
  // [SECTION] Build result: timeline and fixes
  // ==========================================================================

  // `set` names declared params only, with values in their ranges: the
  // engine rebuilds the model from them.
  ParamValues read_set(const Record& owner, std::string_view key = "set") const {
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

  std::vector<TimelineEvent> read_timeline(const Record& top) const {
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

  std::vector<FixSpec> read_fixes(const Record& top) const {
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

  // ==========================================================================
  // [SECTION] Build result: bottlenecks
  // ==========================================================================

  std::string read_slug(const Record& record, std::string_view key) const {
    const std::string id = record.text(key);
    if (!is_slug(id)) record.fail(key, "must match [a-z0-9-]+, got " + in_quotes(id));
    return id;
  }

  std::vector<BottleneckSpec> read_bottlenecks(const Record& top, const std::vector<EndpointSpec>& endpoints,
                                               const SloSpec& slo, const std::vector<FixSpec>& fixes) const {
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
  BottleneckSpec read_bottleneck(const Record& r, const std::vector<EndpointSpec>& endpoints, const SloSpec& slo,
                                 const std::vector<FixSpec>& fixes) const {
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

  SymptomSpec read_symptom(const Record& r, const std::vector<EndpointSpec>& endpoints, const SloSpec& slo) const {
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
  std::vector<std::string> read_fix_ids(const Record& r, std::string_view key, std::size_t least,
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

  static std::string fix_names(const std::vector<FixSpec>& fixes) {
    std::vector<std::string> names;
    for (const auto& fix : fixes) names.push_back(fix.id);
    return names.empty() ? "none" : join(names);
  }

  // One hint per step of the loop, keyed by the step's name.
  std::map<std::string, std::string> read_hints(const Record& r) const {
    std::map<std::string, std::string> hints;
    const LuaValue* table = r.find("hints");
    if (!table) return hints;
    const Record steps(reader_, *table, r.at("hints"),
                       {"observe", "profile", "classify", "predict", "fix", "verify", "enforce", "move_on"});
    for (const LuaField& field : table->fields) hints[field.key] = steps.text(field.key);
    return hints;
  }

  // The header's card promises families; the bottlenecks must keep that promise exactly.
  void check_header_families(const std::vector<BottleneckSpec>& bottlenecks) const {
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

  // ==========================================================================
  // [SECTION] Build result: enforce
  // ==========================================================================

  // A scenario with bottlenecks ends at Enforce, which needs a gate to choose.
  EnforceSpec read_enforce(const Record& top, const std::vector<EndpointSpec>& endpoints, bool needs_gate) const {
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

  std::vector<GateSpec> read_gates(const Record& enforce, const std::vector<EndpointSpec>& endpoints) const {
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
  void read_gate_measure(const Record& r, GateSpec& gate) const {
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

  std::vector<FutureChangeSpec> read_future(const Record& enforce) const {
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

  Reader reader_;
  const std::vector<ParamSpec>& params_;
  const std::vector<std::string>& header_families_;
};

// ============================================================================
// [SECTION] Hot spots: checked against the service as it runs before any fix
// ============================================================================

// Frames the engine pushes by itself, so profiles show them though no step names them.
constexpr const char* kEngineFrames[] = {"runtime.mallocgc",      "runtime.gcAssistAlloc", "runtime.scanobject",
                                         "net/http.(*Client).Do", "sync.(*Mutex).Lock",    "encoding/json.Unmarshal"};

void add_span_frames(const SpanSpec& span, std::set<std::string>& frames) {
  if (!span.frame.empty()) frames.insert(span.frame);
  for (const Step& step : span.steps)
    if (!step.frame.empty()) frames.insert(step.frame);
  for (const SpanSpec& child : span.children) add_span_frames(child, frames);
}

void add_span_names(const SpanSpec& span, std::vector<std::string>& names) {
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

// ============================================================================
// [SECTION] ScenarioScript helpers
// ============================================================================

std::string read_script_file(const std::string& path) {
  FileRead file = read_bounded_file(path, kMaxFileBytes, "a scenario");
  if (file.status == FileRead::Status::Missing) throw ScenarioError(path, 0, "", "cannot open file: no such file");
  if (!file.ok()) throw ScenarioError(path, 0, "", "cannot read: " + file.problem);
  if (file.text.rfind("\xEF\xBB\xBF", 0) == 0) file.text.erase(0, 3);  // editors add a UTF-8 BOM Lua would not parse
  return std::move(file.text);
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

ScenarioScript ScenarioScript::load(const std::string& path, const ScriptOptions& options) {
  return from_text(read_script_file(path), path, options);
}

ScenarioScript ScenarioScript::from_text(const std::string& text, const std::string& path, const ScriptOptions& options) {
  ScenarioScript script;
  script.file_ = path;
  LuaValue header;
  try {
    script.runner_ = make_script_runner(options);
    if (auto failure = script.runner_->open(kPrelude, text, path, kFileRunSeed, "build", header))
      throw error_from(path, *failure);
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const ScenarioError*>(&e)) throw;
    throw ScenarioError(path, 0, "", e.what());
  }

  const Reader reader(path);
  if (!header.is_table()) reader.fail({}, "the script must return a table, got " + describe_value(header));
  const Record record(reader, header, {},
                      {"id", "title", "params", "build", "level", "families", "minutes", "goals"});
  script.id_ = record.text("id");
  if (!is_slug(script.id_)) record.fail("id", "must match [a-z0-9-]+, got " + in_quotes(script.id_));
  script.title_ = record.text("title");
  if (record.require("build").type != LuaValue::Type::Function)
    record.fail("build", "must be a function, got " + describe_value(*record.find("build")));
  script.params_ = read_params(reader, record);
  script.meta_ = read_meta(reader, record);
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
  if (!runner_) throw ScenarioError(file_, 0, "", "scenario was moved away");
  const ParamValues resolved = resolve(values);
  auto build_with = [this](const ParamValues& params) {
    LuaValue value;
    if (auto failure = runner_->call(build_seed(id_), params, value)) throw error_from(file_, *failure);
    return BuildReader(file_, params_, meta_.families).read(value);
  };

  ScenarioBuild result = build_with(resolved);
  if (result.bottlenecks.empty()) return result;

  // A learner meets a bottleneck in the service as it ships and as the
  // timeline changes it, never in a build that only a fix or a param override
  // produces: the hot spots must show in the default build or after one of
  // its timeline changes. Those builds are made only as far as needed (each
  // reseeds, so they change no other build).
  const ParamValues defaults = resolve({});
  std::optional<ScenarioBuild> default_build;
  if (resolved != defaults) default_build = build_with(defaults);
  const ScenarioBuild& shipped = default_build ? *default_build : result;
  Observable seen;
  seen.add(shipped.model);
  auto problem = find_hot_spot_problem(result.bottlenecks, seen);
  ParamValues state = defaults;
  for (const TimelineEvent& event : shipped.timeline) {
    if (!problem || event.at_s >= shipped.duration_s) break;
    if (event.set.empty()) continue;
    for (const auto& [name, value] : event.set) state[name] = value;
    seen.add(build_with(state).model);
    problem = find_hot_spot_problem(result.bottlenecks, seen);
  }
  if (problem) Reader(file_).fail({problem.path, 0}, problem.message);
  return result;
}

}  // namespace perfloop
