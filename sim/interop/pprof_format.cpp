#include "sim/interop/pprof_format.h"

#include "sim/io/safe_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <unordered_map>

#include "sim/interop/gzip_codec.h"
#include "sim/interop/proto_wire.h"

namespace perfloop {
namespace {

// Field numbers of profile.proto's messages.
namespace profile_field {
constexpr std::uint32_t kSampleType = 1, kSample = 2, kLocation = 4, kFunction = 5, kStringTable = 6, kTimeNanos = 9,
                        kDurationNanos = 10, kPeriodType = 11, kPeriod = 12, kDefaultSampleType = 14;
}
namespace value_type_field {
constexpr std::uint32_t kType = 1, kUnit = 2;
}
namespace sample_field {
constexpr std::uint32_t kLocationId = 1, kValue = 2;
}
namespace location_field {
constexpr std::uint32_t kId = 1, kAddress = 3, kLine = 4;
}
namespace line_field {
constexpr std::uint32_t kFunctionId = 1;
}
namespace function_field {
constexpr std::uint32_t kId = 1, kName = 2, kSystemName = 3;
}

[[noreturn]] void refuse(std::size_t at, const std::string& what) {
  throw ImportError("byte " + std::to_string(at) + ": " + what);
}

// ---------------------------------------------------------------- writing

// Strings by index in order of first use, "" at 0 as the format demands.
class StringTable {
 public:
  StringTable() { index(""); }
  std::int64_t index(const std::string& s) {
    const auto [it, added] = ids_.try_emplace(s, static_cast<std::int64_t>(strings_.size()));
    if (added) strings_.push_back(&it->first);
    return it->second;
  }
  void write(proto::Writer& out) const {
    for (const std::string* s : strings_) out.bytes_field(profile_field::kStringTable, *s);
  }

 private:
  std::map<std::string, std::int64_t> ids_;
  std::vector<const std::string*> strings_;  // into ids_' keys, which never move
};

// pprof holds integers: rounded, and pinned to int64 where a double is past it.
std::int64_t pprof_value(double v) {
  if (std::isnan(v)) return 0;
  const double r = std::round(v);
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (r >= kTwoTo63) return std::numeric_limits<std::int64_t>::max();
  if (r < -kTwoTo63) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(r);
}

// Only non-zero integers are written: proto3 reads a missing field as 0.
void put_int(proto::Writer& out, std::uint32_t field, std::int64_t v) {
  if (v != 0) out.int_field(field, v);
}

proto::Writer value_type_message(StringTable& strings, const ValueType& t) {
  proto::Writer m;
  put_int(m, value_type_field::kType, strings.index(t.type));
  put_int(m, value_type_field::kUnit, strings.index(t.unit));
  return m;
}

}  // namespace

std::string write_pprof(const StackProfile& profile) {
  StringTable strings;
  proto::Writer out;
  for (const ValueType& t : profile.types)
    out.message_field(profile_field::kSampleType, value_type_message(strings, t));
  const bool has_period_type = !profile.period_type.type.empty() || !profile.period_type.unit.empty();
  const proto::Writer period_type = value_type_message(strings, profile.period_type);

  // Samples in stack id order; each frame gets the next location id the
  // first time a sample meets it, walking leaf first.
  std::size_t stacks = 0;
  for (const auto& column : profile.values) stacks = std::max(stacks, column.size());
  std::vector<std::uint64_t> location_of_frame(profile.symbols.frame_count(), 0);
  std::vector<std::uint32_t> frame_of_location;  // [location id - 1]
  std::vector<std::int64_t> values(profile.types.size());
  std::vector<std::uint64_t> location_ids;
  for (std::size_t s = 0; s < stacks; ++s) {
    const auto stack = static_cast<std::uint32_t>(s);
    bool any = false;
    for (std::size_t t = 0; t < profile.types.size(); ++t) {
      values[t] = pprof_value(profile.value(stack, t));
      any = any || values[t] != 0;
    }
    if (!any) continue;
    location_ids.clear();
    for (auto at = stack; at != kNoStack; at = profile.symbols.stack_node(at).parent) {
      const std::uint32_t frame = profile.symbols.stack_node(at).frame;
      if (location_of_frame[frame] == 0) {
        frame_of_location.push_back(frame);
        location_of_frame[frame] = frame_of_location.size();
      }
      location_ids.push_back(location_of_frame[frame]);
    }
    proto::Writer sample;
    sample.packed_uints(sample_field::kLocationId, location_ids);
    sample.packed_ints(sample_field::kValue, values);
    out.message_field(profile_field::kSample, sample);
  }

  // One location per frame with one line of one function, all three sharing the id.
  for (std::size_t i = 0; i < frame_of_location.size(); ++i) {
    proto::Writer line;
    line.uint_field(line_field::kFunctionId, i + 1);
    proto::Writer location;
    location.uint_field(location_field::kId, i + 1);
    location.message_field(location_field::kLine, line);
    out.message_field(profile_field::kLocation, location);
  }
  for (std::size_t i = 0; i < frame_of_location.size(); ++i) {
    const std::int64_t name = strings.index(profile.symbols.frame_name(frame_of_location[i]));
    proto::Writer function;
    function.uint_field(function_field::kId, i + 1);
    put_int(function, function_field::kName, name);
    put_int(function, function_field::kSystemName, name);
    out.message_field(profile_field::kFunction, function);
  }

  const std::int64_t default_type =
      profile.default_type < profile.types.size() ? strings.index(profile.types[profile.default_type].type) : 0;
  strings.write(out);
  put_int(out, profile_field::kTimeNanos, profile.time_unix_ns);
  put_int(out, profile_field::kDurationNanos, profile.duration_ns);
  if (has_period_type) out.message_field(profile_field::kPeriodType, period_type);
  put_int(out, profile_field::kPeriod, profile.period);
  put_int(out, profile_field::kDefaultSampleType, default_type);
  return gzip_compress(out.bytes());
}

namespace {

// ---------------------------------------------------------------- reading

constexpr std::uint32_t kNone = 0xffffffffu;

struct StringRef {
  std::int64_t index = 0;
  std::size_t at = 0;  // the field that named it, for errors
};

struct ValueTypeRefs {
  StringRef type, unit;
};

struct FunctionEntry {
  std::uint64_t id = 0;
  StringRef name, system_name;
  std::size_t at = 0;
  std::uint32_t frame = kNone;  // interned when a sample first reaches it
};

struct LocationEntry {
  std::uint64_t id = 0;
  std::uint64_t address = 0;
  std::size_t first_line = 0, line_count = 0;  // into Tables::line_functions
  std::size_t at = 0;
  std::uint32_t address_frame = kNone;  // the frame of a location with no line
};

// Everything but the samples, from a first pass over the profile: samples
// may come before the tables they refer to, and are read in a second pass
// rather than held.
struct Tables {
  std::vector<ValueTypeRefs> sample_types;
  std::vector<std::string_view> strings;
  std::size_t first_string_at = 0;
  std::vector<FunctionEntry> functions;  // sorted by id once read
  std::vector<LocationEntry> locations;  // sorted by id once read
  // Each line's function id as read, then its index in `functions`, innermost first.
  std::vector<std::uint64_t> line_functions;
  std::size_t samples = 0;
  ValueTypeRefs period_type;
  std::int64_t time_nanos = 0, duration_nanos = 0, period = 0;
  StringRef default_sample_type;
};

ValueTypeRefs read_value_type(proto::Reader m) {
  ValueTypeRefs refs;
  while (m.next()) {
    if (m.field() == value_type_field::kType)
      refs.type = {m.int_value(), m.field_offset()};
    else if (m.field() == value_type_field::kUnit)
      refs.unit = {m.int_value(), m.field_offset()};
  }
  return refs;
}

FunctionEntry read_function(proto::Reader m, std::size_t at) {
  FunctionEntry f;
  f.at = at;
  while (m.next()) {
    if (m.field() == function_field::kId)
      f.id = m.uint_value();
    else if (m.field() == function_field::kName)
      f.name = {m.int_value(), m.field_offset()};
    else if (m.field() == function_field::kSystemName)
      f.system_name = {m.int_value(), m.field_offset()};
  }
  return f;
}

LocationEntry read_location(proto::Reader m, std::size_t at, std::vector<std::uint64_t>& line_functions) {
  LocationEntry loc;
  loc.at = at;
  loc.first_line = line_functions.size();
  while (m.next()) {
    if (m.field() == location_field::kId) {
      loc.id = m.uint_value();
    } else if (m.field() == location_field::kAddress) {
      loc.address = m.uint_value();
    } else if (m.field() == location_field::kLine) {
      proto::Reader line = m.message_value();
      std::uint64_t function_id = 0;
      while (line.next())
        if (line.field() == line_field::kFunctionId) function_id = line.uint_value();
      line_functions.push_back(function_id);
    }
  }
  loc.line_count = line_functions.size() - loc.first_line;
  return loc;
}

Tables read_tables(std::string_view message) {
  Tables t;
  proto::Reader in(message);
  while (in.next()) {
    const std::size_t at = in.field_offset();
    switch (in.field()) {
      case profile_field::kSampleType: t.sample_types.push_back(read_value_type(in.message_value())); break;
      case profile_field::kSample:
        if (++t.samples > kMaxPprofSamples)
          in.fail("more than " + std::to_string(kMaxPprofSamples) + " samples, more than perfloop reads");
        break;  // read in the second pass; next() skips it
      case profile_field::kLocation:
        t.locations.push_back(read_location(in.message_value(), at, t.line_functions));
        break;
      case profile_field::kFunction: t.functions.push_back(read_function(in.message_value(), at)); break;
      case profile_field::kStringTable:
        if (t.strings.empty()) t.first_string_at = at;
        t.strings.push_back(in.bytes_value());
        break;
      case profile_field::kTimeNanos: t.time_nanos = in.int_value(); break;
      case profile_field::kDurationNanos: t.duration_nanos = in.int_value(); break;
      case profile_field::kPeriodType: t.period_type = read_value_type(in.message_value()); break;
      case profile_field::kPeriod: t.period = in.int_value(); break;
      case profile_field::kDefaultSampleType: t.default_sample_type = {in.int_value(), at}; break;
      default: break;  // mappings, labels' keys, drop/keep frames, comments: not needed
    }
  }
  return t;
}

std::string_view string_at(const Tables& t, StringRef ref) {
  // Index 0 is "" even in a file with no table: what proto3 reads for an unset field.
  if (ref.index == 0 && t.strings.empty()) return {};
  if (ref.index < 0 || static_cast<std::uint64_t>(ref.index) >= t.strings.size())
    refuse(ref.at, "string index " + std::to_string(ref.index) + " is out of range (the string table has " +
                       std::to_string(t.strings.size()) + " entries)");
  return t.strings[static_cast<std::size_t>(ref.index)];
}

ValueType value_type(const Tables& t, const ValueTypeRefs& refs) {
  return {repaired_utf8(string_at(t, refs.type)), repaired_utf8(string_at(t, refs.unit))};
}

// Sorts entries by id and refuses id 0 and ids given twice.
template <typename Entry>
void index_by_id(std::vector<Entry>& entries, const char* what) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].id == 0) refuse(entries[i].at, std::string(what) + " id 0 is reserved");
    if (i > 0 && entries[i].id == entries[i - 1].id)
      refuse(entries[i].at, std::string(what) + " id " + std::to_string(entries[i].id) + " is defined twice");
  }
}

template <typename Entry>
std::size_t find_by_id(const std::vector<Entry>& entries, std::uint64_t id) {
  const auto it = std::lower_bound(entries.begin(), entries.end(), id,
                                   [](const Entry& e, std::uint64_t wanted) { return e.id < wanted; });
  return it != entries.end() && it->id == id ? static_cast<std::size_t>(it - entries.begin()) : entries.size();
}

// Checks every reference between the tables, and turns each line's function
// id into an index in `functions`.
void link_tables(Tables& t) {
  if (!t.strings.empty() && !t.strings[0].empty())
    refuse(t.first_string_at, "string_table[0] must be empty, as pprof requires");
  for (const ValueTypeRefs& refs : t.sample_types) value_type(t, refs);
  value_type(t, t.period_type);
  string_at(t, t.default_sample_type);
  index_by_id(t.functions, "function");
  for (const FunctionEntry& f : t.functions) {
    string_at(t, f.name);
    string_at(t, f.system_name);
  }
  index_by_id(t.locations, "location");
  for (const LocationEntry& loc : t.locations) {
    for (std::size_t i = loc.first_line; i < loc.first_line + loc.line_count; ++i) {
      const std::size_t f = find_by_id(t.functions, t.line_functions[i]);
      if (f == t.functions.size())
        refuse(loc.at, "location " + std::to_string(loc.id) + " has a line in function " +
                           std::to_string(t.line_functions[i]) + ", which is not defined");
      t.line_functions[i] = f;
    }
  }
}

std::string address_name(std::uint64_t address) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(address));
  return text;
}

// Turns samples' location lists into stacks of `profile`, root first.
class StackBuilder {
 public:
  StackBuilder(Tables& tables, StackProfile& profile) : t_(tables), profile_(profile) {}

  // `location_ids` leaf first, as in the file; kNoStack when there are none.
  std::uint32_t stack(const std::vector<std::uint64_t>& location_ids, std::size_t at) {
    std::uint32_t stack = kNoStack;
    for (auto it = location_ids.rbegin(); it != location_ids.rend(); ++it) {
      const std::size_t loc = find_by_id(t_.locations, *it);
      if (loc == t_.locations.size())
        refuse(at, "the sample refers to location " + std::to_string(*it) + ", which is not defined");
      stack = push_location(stack, loc, at);
    }
    return stack;
  }

 private:
  // The same location under the same caller is the same stack: remembered,
  // so that the lines of a location are walked once per caller.
  std::uint32_t push_location(std::uint32_t parent, std::size_t loc, std::size_t at) {
    const std::uint64_t key = (std::uint64_t{parent} << 32) | loc;
    // Its depth was checked when it was made, and is the same from here.
    if (const auto it = known_.find(key); it != known_.end()) return it->second;
    LocationEntry& entry = t_.locations[loc];
    std::uint32_t stack = parent;
    if (entry.line_count == 0) {
      if (entry.address_frame == kNone) entry.address_frame = profile_.symbols.frame(address_name(entry.address));
      stack = push_frame(stack, entry.address_frame, at);
    }
    // line[0] is the innermost call: the caller, the last line, goes on first.
    for (std::size_t i = entry.line_count; i-- > 0;) {
      FunctionEntry& f = t_.functions[t_.line_functions[entry.first_line + i]];
      // Names go on into JSON summaries and the app: invalid UTF-8 is mended here, once per function.
      if (f.frame == kNone) {
        const std::string_view name = function_name(f);
        f.frame = profile_.symbols.frame(is_valid_utf8(name) ? std::string(name) : repaired_utf8(name));
      }
      stack = push_frame(stack, f.frame, at);
    }
    known_.emplace(key, stack);
    return stack;
  }

  std::uint32_t push_frame(std::uint32_t parent, std::uint32_t frame, std::size_t at) {
    // A node's depth counts from 0 at the root: the new stack holds depth + 2 frames.
    const std::size_t frames =
        parent == kNoStack ? 1 : static_cast<std::size_t>(profile_.symbols.stack_node(parent).depth) + 2;
    if (frames > kMaxPprofStackDepth)
      refuse(at, "the sample's stack is deeper than " + std::to_string(kMaxPprofStackDepth) + " frames");
    if (++frames_walked_ > kMaxPprofFramesWalked)
      refuse(at, "the stacks expand to more than " + std::to_string(kMaxPprofFramesWalked) + " frames");
    const std::uint32_t stack = profile_.symbols.stack(parent, frame);
    if (profile_.symbols.stack_count() > kMaxPprofCallPaths)
      refuse(at, "the stacks expand to more than " + std::to_string(kMaxPprofCallPaths) + " call paths");
    return stack;
  }

  std::string_view function_name(const FunctionEntry& f) const {
    if (const std::string_view name = string_at(t_, f.name); !name.empty()) return name;
    if (const std::string_view name = string_at(t_, f.system_name); !name.empty()) return name;
    return "??";  // as addr2line names what it cannot
  }

  Tables& t_;
  StackProfile& profile_;
  std::unordered_map<std::uint64_t, std::uint32_t> known_;
  std::size_t frames_walked_ = 0;
};

void read_samples(std::string_view message, Tables& t, StackProfile& profile) {
  StackBuilder builder(t, profile);
  std::vector<std::uint64_t> location_ids;
  std::vector<std::int64_t> values;
  proto::Reader in(message);
  while (in.next()) {
    if (in.field() != profile_field::kSample) continue;
    const std::size_t at = in.field_offset();
    location_ids.clear();
    values.clear();
    proto::Reader sample = in.message_value();
    while (sample.next()) {
      if (sample.field() == sample_field::kLocationId)
        sample.append_uints(location_ids);
      else if (sample.field() == sample_field::kValue)
        sample.append_ints(values);
    }
    if (values.size() != profile.types.size())
      refuse(at, "the sample has " + std::to_string(values.size()) + " values for " +
                     std::to_string(profile.types.size()) + " sample types");
    if (location_ids.empty()) continue;
    const std::uint32_t stack = builder.stack(location_ids, at);
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] != 0) profile.add(stack, i, static_cast<double>(values[i]));
  }
}

StackProfile decode_profile(std::string_view message) {
  Tables t = read_tables(message);
  link_tables(t);
  if (t.sample_types.empty()) refuse(message.size(), "the profile has no sample types");

  StackProfile profile;
  for (const ValueTypeRefs& refs : t.sample_types) profile.add_type(value_type(t, refs));
  profile.default_type = profile.types.size() - 1;
  if (const std::string_view wanted = string_at(t, t.default_sample_type); !wanted.empty()) {
    const int found = profile.find_type(std::string(wanted));
    if (found >= 0) profile.default_type = static_cast<std::size_t>(found);
  }
  profile.period_type = value_type(t, t.period_type);
  profile.period = t.period;
  profile.time_unix_ns = t.time_nanos;
  profile.duration_ns = t.duration_nanos;
  read_samples(message, t, profile);
  return profile;
}

}  // namespace

StackProfile read_pprof(std::string_view bytes) {
  if (bytes.empty()) throw ImportError("pprof: the file is empty");
  if (bytes.size() > kMaxImportBytes) throw ImportError("pprof: the file is larger than 256 MiB");
  if (is_gzip(bytes)) {
    std::string inflated;
    try {
      inflated = gzip_decompress(bytes);
    } catch (const ImportError& e) {
      throw ImportError(std::string("pprof: ") + e.what());
    }
    try {
      return decode_profile(inflated);
    } catch (const ImportError& e) {
      throw ImportError(std::string("pprof, inflated from gzip: ") + e.what());
    }
  }
  try {
    return decode_profile(bytes);
  } catch (const ImportError& e) {
    throw ImportError(std::string("pprof, not gzipped, read as a raw profile.proto: ") + e.what());
  }
}

}  // namespace perfloop
