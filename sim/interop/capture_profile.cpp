#include "sim/interop/capture_profile.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace perfloop {

bool is_profile_stream(const std::string& stream) {
  for (const char* s : kProfileStreams)
    if (stream == s) return true;
  return false;
}

namespace {

std::string clock_label(double s) {
  char text[32];
  const long whole = std::lround(s);
  std::snprintf(text, sizeof text, "%ld:%02ld", whole / 60, whole % 60);
  return text;
}

// Re-interns a stack of the capture's symbols into `out`, root first, so the
// exported profile numbers only the paths it uses.
std::uint32_t copy_stack(const Symbols& from, std::uint32_t stack, Symbols& out, std::vector<std::uint32_t>& memo) {
  if (stack == kNoStack) return kNoStack;
  if (memo[stack] != kNoStack) return memo[stack];
  const StackNode& node = from.stack_node(stack);
  const std::uint32_t parent = copy_stack(from, node.parent, out, memo);
  memo[stack] = out.stack_path(parent, from.frame_name(node.frame));
  return memo[stack];
}

}  // namespace

StackProfile profile_from_capture(const Capture& capture, const std::string& stream, double profile_hz,
                                  std::int64_t epoch_unix_s) {
  if (!is_profile_stream(stream)) throw std::invalid_argument("no profile stream '" + stream + "' (cpu, alloc, offcpu, mutex)");
  StackProfile out;
  out.name = stream + " of " + capture.window.endpoint + ", " + clock_label(capture.window.from_s) + "-" +
             clock_label(capture.window.to_s);
  out.time_unix_ns = epoch_unix_s * 1'000'000'000 + static_cast<std::int64_t>(std::llround(capture.window.from_s * 1e9));
  out.duration_ns = static_cast<std::int64_t>(std::llround((capture.window.to_s - capture.window.from_s) * 1e9));
  // Per column: what the flame graph's measure reads from a cell (ui/core/flame_layout.cpp's cell_value).
  std::vector<std::uint64_t ProfileCell::*> columns;
  if (stream == "cpu") {
    out.add_type({"samples", "count"});
    out.add_type({"cpu", "nanoseconds"});
    columns = {&ProfileCell::cpu_samples, &ProfileCell::cpu_ns};
    out.period_type = {"cpu", "nanoseconds"};
    out.period = profile_hz > 0 ? std::llround(1e9 / profile_hz) : 0;
  } else if (stream == "alloc") {
    out.add_type({"alloc_space", "bytes"});
    columns = {&ProfileCell::alloc_bytes};
    out.period_type = {"space", "bytes"};
  } else if (stream == "offcpu") {
    out.add_type({"off_cpu", "nanoseconds"});
    columns = {&ProfileCell::offcpu_ns};
    out.period_type = {"off_cpu", "nanoseconds"};
  } else {
    out.add_type({"delay", "nanoseconds"});
    columns = {&ProfileCell::mutex_ns};
    out.period_type = {"delay", "nanoseconds"};
  }
  if (capture.endpoint < 0 || capture.empty) return out;
  const auto endpoint = static_cast<std::size_t>(capture.endpoint);
  const Profile& profile = capture.profile;
  std::vector<std::uint32_t> memo(capture.symbols.stack_count(), kNoStack);
  for (std::size_t s = 0; s < profile.stacks && s < capture.symbols.stack_count(); ++s) {
    const ProfileCell& cell = profile.at(endpoint, s);
    bool any = false;
    for (auto column : columns) any = any || cell.*column != 0;
    if (!any) continue;
    const std::uint32_t stack = copy_stack(capture.symbols, static_cast<std::uint32_t>(s), out.symbols, memo);
    for (std::size_t c = 0; c < columns.size(); ++c) out.add(stack, c, static_cast<double>(cell.*columns[c]));
  }
  return out;
}

}  // namespace perfloop
