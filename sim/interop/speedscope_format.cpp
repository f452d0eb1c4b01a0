#include "sim/interop/speedscope_format.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "sim/interop/import_error.h"

namespace perfloop {

using nlohmann::json;

namespace {

constexpr const char* kSchema = "https://www.speedscope.app/file-format-schema.json";

std::string speedscope_unit(const std::string& unit) {
  if (unit == "nanoseconds" || unit == "microseconds" || unit == "milliseconds" || unit == "seconds" || unit == "bytes")
    return unit;
  return "none";
}

}  // namespace

std::string write_speedscope(const StackProfile& profile) {
  json frames = json::array();
  for (std::size_t f = 0; f < profile.symbols.frame_count(); ++f)
    frames.push_back({{"name", profile.symbols.frame_name(static_cast<std::uint32_t>(f))}});
  json profiles = json::array();
  for (std::size_t t = 0; t < profile.types.size(); ++t) {
    json samples = json::array(), weights = json::array();
    double total = 0.0;
    for (std::uint32_t stack : profile.stacks_with_value(t)) {
      const double v = profile.value(stack, t);
      samples.push_back(profile.path(stack));
      weights.push_back(v);
      total += v;
    }
    profiles.push_back({{"type", "sampled"},
                        {"name", profile.types[t].type},
                        {"unit", speedscope_unit(profile.types[t].unit)},
                        {"startValue", 0},
                        {"endValue", total},
                        {"samples", std::move(samples)},
                        {"weights", std::move(weights)}});
  }
  json file = {{"$schema", kSchema},
               {"shared", {{"frames", std::move(frames)}}},
               {"profiles", std::move(profiles)},
               {"name", profile.name},
               {"activeProfileIndex", profile.default_type},
               {"exporter", "perfloop"}};
  return file.dump() + "\n";
}

namespace {

[[noreturn]] void fail_at(const std::string& path, const std::string& what) { throw ImportError(path + ": " + what); }

const json& field(const json& object, const char* key, const std::string& path) {
  if (!object.is_object()) fail_at(path, "expected an object");
  const auto it = object.find(key);
  if (it == object.end()) fail_at(path, std::string("missing \"") + key + "\"");
  return *it;
}

double finite_number(const json& value, const std::string& path) {
  if (!value.is_number()) fail_at(path, "expected a number");
  const double v = value.get<double>();
  if (!std::isfinite(v)) fail_at(path, "expected a finite number");
  return v;
}

std::uint32_t frame_index(const json& value, std::size_t frame_count, const std::string& path) {
  if (!value.is_number_integer() && !value.is_number_unsigned()) fail_at(path, "expected a frame index");
  const auto i = value.get<std::int64_t>();
  if (i < 0 || static_cast<std::uint64_t>(i) >= frame_count)
    fail_at(path, "frame " + std::to_string(i) + " is not among the " + std::to_string(frame_count) + " shared frames");
  return static_cast<std::uint32_t>(i);
}

std::string profile_unit(const std::string& unit) { return unit == "none" ? "count" : unit; }

void read_sampled(const json& p, const std::string& path, const std::vector<std::string>& frames, std::size_t column,
                  StackProfile& out) {
  const json& samples = field(p, "samples", path);
  const json& weights = field(p, "weights", path);
  if (!samples.is_array()) fail_at(path + ".samples", "expected an array");
  if (!weights.is_array()) fail_at(path + ".weights", "expected an array");
  if (samples.size() != weights.size())
    fail_at(path, std::to_string(samples.size()) + " samples but " + std::to_string(weights.size()) + " weights");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::string at = path + ".samples[" + std::to_string(i) + "]";
    if (!samples[i].is_array()) fail_at(at, "expected an array of frame indices");
    std::uint32_t stack = kNoStack;
    for (std::size_t d = 0; d < samples[i].size(); ++d)
      stack = out.symbols.stack_path(stack, frames[frame_index(samples[i][d], frames.size(), at + "[" + std::to_string(d) + "]")]);
    const double w = finite_number(weights[i], path + ".weights[" + std::to_string(i) + "]");
    if (w < 0) fail_at(path + ".weights[" + std::to_string(i) + "]", "a negative weight");
    if (stack == kNoStack) continue;  // an empty stack: nothing to draw it under
    out.add(stack, column, w);
  }
}

// Open and close events on a timeline: each stretch between two events is
// charged to the stack open during it, as a flame graph of an evented profile shows.
void read_evented(const json& p, const std::string& path, const std::vector<std::string>& frames, std::size_t column,
                  StackProfile& out) {
  const json& events = field(p, "events", path);
  if (!events.is_array()) fail_at(path + ".events", "expected an array");
  std::vector<std::uint32_t> open_frames;  // frame indices, root first
  std::uint32_t stack = kNoStack;
  double last = -INFINITY;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string at = path + ".events[" + std::to_string(i) + "]";
    const json& e = events[i];
    const double t = finite_number(field(e, "at", at), at + ".at");
    if (t < last) fail_at(at + ".at", "goes back in time (" + std::to_string(t) + " after " + std::to_string(last) + ")");
    if (stack != kNoStack && t > last) out.add(stack, column, t - last);
    last = t;
    const json& type = field(e, "type", at);
    const std::uint32_t frame = frame_index(field(e, "frame", at), frames.size(), at + ".frame");
    if (type == "O") {
      open_frames.push_back(frame);
      stack = out.symbols.stack_path(stack, frames[frame]);
    } else if (type == "C") {
      if (open_frames.empty() || open_frames.back() != frame)
        fail_at(at, "closes frame " + std::to_string(frame) + ", which is not the innermost open frame");
      open_frames.pop_back();
      stack = out.symbols.stack_node(stack).parent;
    } else {
      fail_at(at + ".type", "expected \"O\" or \"C\"");
    }
  }
  if (!open_frames.empty()) fail_at(path + ".events", std::to_string(open_frames.size()) + " frame(s) never closed");
}

}  // namespace

StackProfile read_speedscope(std::string_view text) {
  json file;
  try {
    file = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw ImportError("byte " + std::to_string(e.byte) + ": not valid JSON");
  }
  if (!file.is_object()) throw ImportError("byte 0: a speedscope file is a JSON object");
  const json& schema = field(file, "$schema", "$");
  if (schema != kSchema) fail_at("$.$schema", std::string("expected \"") + kSchema + "\"");
  const json& shared = field(file, "shared", "$");
  const json& frame_list = field(shared, "frames", "$.shared");
  if (!frame_list.is_array()) fail_at("$.shared.frames", "expected an array");
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < frame_list.size(); ++i) {
    const json& name = field(frame_list[i], "name", "$.shared.frames[" + std::to_string(i) + "]");
    if (!name.is_string()) fail_at("$.shared.frames[" + std::to_string(i) + "].name", "expected a string");
    frames.push_back(name.get<std::string>());
  }
  const json& profiles = field(file, "profiles", "$");
  if (!profiles.is_array() || profiles.empty()) fail_at("$.profiles", "expected a non-empty array");
  StackProfile out;
  if (file.contains("name") && file["name"].is_string()) out.name = file["name"].get<std::string>();
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const std::string path = "$.profiles[" + std::to_string(i) + "]";
    const json& p = profiles[i];
    const json& type = field(p, "type", path);
    const json& name = field(p, "name", path);
    const json& unit = field(p, "unit", path);
    if (!name.is_string()) fail_at(path + ".name", "expected a string");
    if (!unit.is_string()) fail_at(path + ".unit", "expected a string");
    const std::size_t column = out.add_type({name.get<std::string>(), profile_unit(unit.get<std::string>())});
    if (type == "sampled") read_sampled(p, path, frames, column, out);
    else if (type == "evented") read_evented(p, path, frames, column, out);
    else fail_at(path + ".type", "expected \"sampled\" or \"evented\"");
    if (!std::isfinite(out.total(column))) fail_at(path, "its weights add up past what a double can hold");
  }
  if (file.contains("activeProfileIndex")) {
    const json& active = file["activeProfileIndex"];
    if (active.is_number_integer() && active.get<std::int64_t>() >= 0 &&
        static_cast<std::size_t>(active.get<std::int64_t>()) < out.types.size())
      out.default_type = static_cast<std::size_t>(active.get<std::int64_t>());
  }
  return out;
}

}  // namespace perfloop
