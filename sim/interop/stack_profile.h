// A profile as outside tools hold it: call stacks (a trie of frames) with
// one or more value columns, each with its type and unit. Exports are made
// from it and imports produce it, so a file read back shows the same shares
// the app's flame graph showed before it was written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/symbols.h"

namespace perfloop {

struct ValueType {
  std::string type;  // samples, cpu, alloc_space, delay, ...
  std::string unit;  // count, nanoseconds, bytes
  bool operator==(const ValueType&) const = default;
};

struct StackProfile {
  std::string name;                // what it is a profile of (a file name, "cpu of /checkout 20:00-30:00")
  Symbols symbols;                 // frames and call paths; a stack id is one path, root first
  std::vector<ValueType> types;    // the value columns
  std::size_t default_type = 0;    // the column a viewer shows first
  // values[type][stack]: what that exact path cost itself (the leaf's self
  // value); a path with callees of its own may also carry some.
  std::vector<std::vector<double>> values;
  ValueType period_type;           // pprof's sampling period, where there is one
  std::int64_t period = 0;
  std::int64_t time_unix_ns = 0;   // when the profile starts; 0: unknown
  std::int64_t duration_ns = 0;

  std::size_t add_type(ValueType type);
  // Adds `value` to column `type` of `stack`, growing the columns as stacks are interned.
  void add(std::uint32_t stack, std::size_t type, double value);
  double value(std::uint32_t stack, std::size_t type) const;
  double total(std::size_t type) const;
  // Stacks with a value in `type`, in id order (which is first-seen order).
  std::vector<std::uint32_t> stacks_with_value(std::size_t type) const;
  // The path of frame ids of a stack, root first.
  std::vector<std::uint32_t> path(std::uint32_t stack) const;
  // The index of the column named `type` (or whose unit is `type`), -1 when none.
  int find_type(const std::string& type) const;
};

// The column of `other` that measures what `type` does: the same type name,
// else the same unit, else other's default column.
std::size_t matching_column(const StackProfile& other, const ValueType& type);

// `other`'s column as values by `onto`'s stack ids: each of other's paths is
// interned into onto's symbols (a path only other has gets an id of its own),
// so two files' shares can be compared path by path (the diff view).
std::vector<double> align_column(StackProfile& onto, const StackProfile& other, std::size_t column);

// Each frame's share of a column's total, by frame name: `self` counts the
// stacks it is the leaf of; `total` counts every stack it is on, once per
// stack however often it recurses (what a flame graph's widest box shows).
struct FrameWeight {
  std::string frame;
  double self = 0.0, total = 0.0;  // 0..1 of the column's total
};
std::vector<FrameWeight> frame_weights(const StackProfile& profile, std::size_t type);

}  // namespace perfloop
