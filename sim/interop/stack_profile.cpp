#include "sim/interop/stack_profile.h"

#include <algorithm>
#include <map>

namespace perfloop {

std::size_t StackProfile::add_type(ValueType type) {
  types.push_back(std::move(type));
  values.emplace_back();
  return types.size() - 1;
}

void StackProfile::add(std::uint32_t stack, std::size_t type, double value) {
  auto& column = values.at(type);
  if (column.size() <= stack) column.resize(std::max<std::size_t>(symbols.stack_count(), stack + 1), 0.0);
  column[stack] += value;
}

double StackProfile::value(std::uint32_t stack, std::size_t type) const {
  const auto& column = values.at(type);
  return stack < column.size() ? column[stack] : 0.0;
}

double StackProfile::total(std::size_t type) const {
  double sum = 0.0;
  for (double v : values.at(type)) sum += v;
  return sum;
}

std::vector<std::uint32_t> StackProfile::stacks_with_value(std::size_t type) const {
  std::vector<std::uint32_t> out;
  const auto& column = values.at(type);
  for (std::size_t s = 0; s < column.size(); ++s)
    if (column[s] != 0.0) out.push_back(static_cast<std::uint32_t>(s));
  return out;
}

std::vector<std::uint32_t> StackProfile::path(std::uint32_t stack) const {
  std::vector<std::uint32_t> out;
  for (auto s = stack; s != kNoStack; s = symbols.stack_node(s).parent) out.push_back(symbols.stack_node(s).frame);
  std::reverse(out.begin(), out.end());
  return out;
}

int StackProfile::find_type(const std::string& type) const {
  for (std::size_t i = 0; i < types.size(); ++i)
    if (types[i].type == type) return static_cast<int>(i);
  return -1;
}

std::size_t matching_column(const StackProfile& other, const ValueType& type) {
  for (std::size_t i = 0; i < other.types.size(); ++i)
    if (other.types[i].type == type.type) return i;
  for (std::size_t i = 0; i < other.types.size(); ++i)
    if (other.types[i].unit == type.unit) return i;
  return other.default_type;
}

std::vector<double> align_column(StackProfile& onto, const StackProfile& other, std::size_t column) {
  std::vector<std::uint32_t> mapped(other.symbols.stack_count(), kNoStack);
  std::vector<double> out;
  // A stack's parent always has a smaller id (it was interned first), so one pass in id order maps every path.
  for (std::size_t s = 0; s < other.symbols.stack_count(); ++s) {
    const StackNode& node = other.symbols.stack_node(static_cast<std::uint32_t>(s));
    const std::uint32_t parent = node.parent == kNoStack ? kNoStack : mapped[node.parent];
    mapped[s] = onto.symbols.stack_path(parent, other.symbols.frame_name(node.frame));
  }
  out.assign(onto.symbols.stack_count(), 0.0);
  for (std::uint32_t s : other.stacks_with_value(column)) out[mapped[s]] += other.value(s, column);
  return out;
}

std::vector<FrameWeight> frame_weights(const StackProfile& profile, std::size_t type) {
  const double all = profile.total(type);
  std::vector<double> self(profile.symbols.frame_count(), 0.0), total(profile.symbols.frame_count(), 0.0);
  std::vector<std::uint32_t> seen;  // frames already credited on the current stack
  for (std::uint32_t s : profile.stacks_with_value(type)) {
    const double v = profile.value(s, type);
    self[profile.symbols.leaf_frame(s)] += v;
    seen.clear();
    for (auto at = s; at != kNoStack; at = profile.symbols.stack_node(at).parent) {
      const std::uint32_t f = profile.symbols.stack_node(at).frame;
      if (std::find(seen.begin(), seen.end(), f) != seen.end()) continue;  // recursion: once per stack
      seen.push_back(f);
      total[f] += v;
    }
  }
  std::vector<FrameWeight> out;
  for (std::size_t f = 0; f < self.size(); ++f)
    if (total[f] != 0.0)
      out.push_back({profile.symbols.frame_name(static_cast<std::uint32_t>(f)), all != 0 ? self[f] / all : 0.0,
                     all != 0 ? total[f] / all : 0.0});
  return out;
}

}  // namespace perfloop
