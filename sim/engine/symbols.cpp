#include "sim/engine/symbols.h"

#include <stdexcept>

namespace perfloop {

std::uint32_t Symbols::frame(std::string_view name) {
  if (auto it = frame_ids_.find(name); it != frame_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(frames_.size());
  frames_.emplace_back(name);
  frame_ids_.emplace(std::string(name), id);
  return id;
}

std::uint32_t Symbols::stack(std::uint32_t parent, std::uint32_t frame_id) {
  const auto key = std::make_pair(parent, frame_id);
  if (auto it = stack_ids_.find(key); it != stack_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(stacks_.size());
  const int depth = parent == kNoStack ? 0 : stacks_[parent].depth + 1;
  stacks_.push_back({parent, frame_id, depth});
  stack_ids_.emplace(key, id);
  return id;
}

int Symbols::endpoint(std::string_view name) {
  if (int found = find_endpoint(name); found >= 0) return found;
  endpoints_.push_back({std::string(name), {}});
  return static_cast<int>(endpoints_.size()) - 1;
}

int Symbols::find_endpoint(std::string_view name) const {
  for (std::size_t i = 0; i < endpoints_.size(); ++i)
    if (endpoints_[i].name == name) return static_cast<int>(i);
  return -1;
}

int Symbols::span(int endpoint_id, std::string_view name, int parent) {
  auto& spans = endpoints_[endpoint_id].spans;
  for (std::size_t i = 0; i < spans.size(); ++i)
    if (spans[i].name == name) return static_cast<int>(i);
  if (static_cast<int>(spans.size()) >= kMaxSpansPerEndpoint)
    throw std::length_error("endpoint " + endpoints_[endpoint_id].name + " has more than 32 spans");
  spans.push_back({std::string(name), parent});
  return static_cast<int>(spans.size()) - 1;
}

std::string Symbols::stack_string(std::uint32_t id) const {
  std::vector<std::uint32_t> path;
  for (auto s = id; s != kNoStack; s = stacks_[s].parent) path.push_back(stacks_[s].frame);
  std::string out;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (!out.empty()) out += ';';
    out += frames_[*it];
  }
  return out;
}

}  // namespace perfloop
