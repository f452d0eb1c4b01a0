// Names the engine refers to by small integers: frames, call stacks (as a
// tree of parent stack + leaf frame, ready for flame graphs), endpoints and
// the spans of each endpoint. Shared by every model variant of one run so
// that statistics stay comparable across deploys and fixes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace perfloop {

constexpr std::uint32_t kNoStack = 0xffffffffu;
constexpr int kMaxSpansPerEndpoint = 32;

struct StackNode {
  std::uint32_t parent = kNoStack;
  std::uint32_t frame = 0;
  int depth = 0;
};

struct SpanInfo {
  std::string name;
  int parent = -1;  // local index of the parent span, -1 for the root
};

struct EndpointInfo {
  std::string name;
  std::vector<SpanInfo> spans;
};

class Symbols {
 public:
  std::uint32_t frame(std::string_view name);
  std::uint32_t stack(std::uint32_t parent, std::uint32_t frame);
  std::uint32_t stack_path(std::uint32_t parent, std::string_view frame_name) { return stack(parent, frame(frame_name)); }
  int endpoint(std::string_view name);
  // Local index of `name` within the endpoint; throws std::length_error past kMaxSpansPerEndpoint.
  int span(int endpoint, std::string_view name, int parent);

  const std::string& frame_name(std::uint32_t id) const { return frames_[id]; }
  const StackNode& stack_node(std::uint32_t id) const { return stacks_[id]; }
  std::uint32_t leaf_frame(std::uint32_t stack) const { return stacks_[stack].frame; }
  // "root;child;leaf", the folded-stack format flame graph tools read.
  std::string stack_string(std::uint32_t stack) const;
  std::size_t frame_count() const { return frames_.size(); }
  std::size_t stack_count() const { return stacks_.size(); }
  const std::vector<EndpointInfo>& endpoints() const { return endpoints_; }
  int find_endpoint(std::string_view name) const;

 private:
  std::vector<std::string> frames_;
  std::map<std::string, std::uint32_t, std::less<>> frame_ids_;
  std::vector<StackNode> stacks_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> stack_ids_;
  std::vector<EndpointInfo> endpoints_;
};

}  // namespace perfloop
