// Checked access to what a scenario script returned, for the scenario
// loader's files only: where a value sits (a field path and the script line
// that built it), the rules numbers and texts must follow, and Reader and
// Record, which read a copied Lua table and throw ScenarioError naming the
// field at fault. Also the limits on what a scenario may ask for.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine/model.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/lua_sandbox.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop::scenario_fields {

// Sizes a scenario may have. Each keeps what it feeds bounded: a run's
// memory and events, a saved attempt's size, the time to check a file.
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxTextBytes = 4096;
// A pager line: shown on a card before the title is.
constexpr std::size_t kMaxPagerBytes = 120;
// A game day's inject: one line a team reads while it works the incident.
constexpr std::size_t kMaxInjectTextBytes = 300;
constexpr std::size_t kMaxInjects = 100;
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

// ============================================================================
// [SECTION] Field paths and number rules
// ============================================================================

// Where a value sits in the script's result, and the nearest line a step
// constructor recorded (0: unknown).
struct Place {
  std::string path;
  int line = 0;
};

inline bool is_identifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Texts are printed to terminals and drawn as they are: no C0 or C1
// controls (escape sequences, carriage returns), no bidirectional
// overrides that would show text in another order than it is stored; a
// newline or a tab is fine. The offset of the first, or npos. `text` is
// valid UTF-8.
inline std::size_t first_control_character(std::string_view text) {
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
inline std::string in_quotes(std::string_view text) { return quote(text, 80); }

// parent.key, or parent["key"] when key is not an identifier.
inline std::string field_path(const std::string& parent, std::string_view key) {
  if (!is_identifier(key)) return parent + "[" + in_quotes(key) + "]";
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

inline std::string keyed_path(const std::string& parent, std::string_view key) {
  return parent + "[" + in_quotes(key) + "]";
}

inline std::string index_path(const std::string& parent, long long index) {
  return parent + "[" + std::to_string(index) + "]";
}

inline Place child_place(const Place& parent, std::string path, const LuaValue* value) {
  return {std::move(path), value && value->line > 0 ? value->line : parent.line};
}

inline std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[40];
  if (std::floor(value) == value && std::fabs(value) < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

inline std::string join(const std::vector<std::string>& names) {
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

inline Bounds any_finite() { return {}; }
inline Bounds within(double low, double high) { return {low, high, false, false, false}; }
inline Bounds strictly_within(double low, double high) { return {low, high, true, true, false}; }
inline Bounds whole_within(double low, double high) { return {low, high, false, false, true}; }
inline Bounds up_to(double high) { return within(0.0, high); }
inline Bounds above_up_to(double low, double high) { return {low, high, true, false, false}; }

inline std::string describe(const Bounds& bounds) {
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
inline std::optional<std::string> bounds_violation(double value, const Bounds& bounds) {
  if (!std::isfinite(value)) return "must be a finite number, got " + format_number(value);
  const bool below = bounds.low_open ? value <= bounds.low : value < bounds.low;
  const bool beyond = bounds.high_open ? value >= bounds.high : value > bounds.high;
  if (below || beyond || (bounds.whole && std::floor(value) != value))
    return "must be " + describe(bounds) + ", got " + format_number(value);
  return std::nullopt;
}

// A declared param's range; the ±1e300 "no bound" defaults read as none.
inline Bounds param_bounds(const ParamSpec& spec) {
  return within(spec.min <= -1e300 ? -kInf : spec.min, spec.max >= 1e300 ? kInf : spec.max);
}

inline std::string describe_value(const LuaValue& value) {
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
inline std::string choice_list(Choices choices) {
  std::string out;
  std::size_t index = 0;
  for (std::string_view choice : choices) {
    if (index > 0) out += index + 1 == choices.size() ? " or " : ", ";
    out += in_quotes(choice);
    ++index;
  }
  return out;
}

inline bool is_one_of(std::string_view text, Choices choices) {
  return std::find(choices.begin(), choices.end(), text) != choices.end();
}

// A text field restricted to `choices`; `fallback` nullptr makes it required.
inline std::string read_choice(const Record& record, std::string_view key, const char* fallback, Choices choices) {
  const std::string value = fallback ? record.text_or(key, fallback) : record.text(key);
  if (!is_one_of(value, choices))
    record.fail(key, "must be " + choice_list(choices) + ", got " + in_quotes(value));
  return value;
}

// A list of non-empty strings.
inline std::vector<std::string> read_texts(const Reader& reader, const LuaValue& value, const Place& place) {
  std::vector<std::string> texts;
  for (const LuaItem& item : reader.sequence(value, place))
    texts.push_back(reader.text(item.value, {index_path(place.path, item.index), place.line}, false));
  return texts;
}

inline std::string family_names() {
  std::vector<std::string> names(std::begin(kFamilies), std::end(kFamilies));
  return join(names);
}

inline bool is_family(std::string_view name) {
  return std::find(std::begin(kFamilies), std::end(kFamilies), name) != std::end(kFamilies);
}

// Families as scenario files spell them, each once; at least one, at most `most`.
inline std::vector<std::string> read_families(const Reader& reader, const LuaValue& value, const Place& place,
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

// Lower-case words joined by hyphens: scenario, bottleneck and gate ids.
inline bool is_slug(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

inline bool is_fix_id(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

inline const ParamSpec* find_param(const std::vector<ParamSpec>& params, const std::string& name) {
  for (const auto& param : params)
    if (param.name == name) return &param;
  return nullptr;
}

inline std::string param_names(const std::vector<ParamSpec>& params) {
  std::vector<std::string> names;
  for (const auto& param : params) names.push_back(param.name);
  return names.empty() ? "none" : join(names);
}

}  // namespace perfloop::scenario_fields
