#include "sim/interop/folded_format.h"

#include <charconv>
#include <cmath>

#include "sim/interop/import_error.h"
#include "sim/io/safe_text.h"

namespace perfloop {

namespace {

std::string folded_frame(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == ';') c = ':';
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// What a path's count may be: past 2^53 a double no longer holds every whole number.
constexpr double kMaxCount = 9007199254740992.0;

}  // namespace

std::string write_folded(const StackProfile& profile, std::size_t type) {
  std::string out;
  for (std::uint32_t stack : profile.stacks_with_value(type)) {
    const double count = std::round(profile.value(stack, type));
    if (count <= 0) continue;
    bool first = true;
    for (std::uint32_t frame : profile.path(stack)) {
      if (!first) out += ';';
      first = false;
      out += folded_frame(profile.symbols.frame_name(frame));
    }
    char number[32];
    const auto end = std::to_chars(number, number + sizeof number, static_cast<std::uint64_t>(count)).ptr;
    out += ' ';
    out.append(number, end);
    out += '\n';
  }
  return out;
}

StackProfile read_folded(std::string_view text) {
  StackProfile profile;
  profile.add_type({"samples", "count"});
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    const std::size_t space = line.rfind(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == line.size())
      throw ImportError(where + "expected 'frame;frame;...;leaf COUNT' (a path, one space, a whole number)");
    const std::string_view digits = line.substr(space + 1);
    std::uint64_t count = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (ec != std::errc() || end != digits.data() + digits.size() || static_cast<double>(count) > kMaxCount)
      throw ImportError(where + "the count after the last space is not a whole number up to 2^53");
    std::string_view path = line.substr(0, space);
    std::uint32_t stack = kNoStack;
    while (true) {
      const std::size_t semi = path.find(';');
      const std::string_view frame = path.substr(0, semi);
      if (frame.empty()) throw ImportError(where + "an empty frame name (two ';' in a row, or one at an end)");
      // Names go on into JSON summaries and the app: invalid UTF-8 is mended here, once.
      stack = profile.symbols.stack_path(stack, is_valid_utf8(frame) ? std::string(frame) : repaired_utf8(frame));
      if (semi == std::string_view::npos) break;
      path.remove_prefix(semi + 1);
    }
    profile.add(stack, 0, static_cast<double>(count));
  }
  return profile;
}

}  // namespace perfloop
