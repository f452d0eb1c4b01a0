// What a profile's shape suggests about its bottleneck family, read from
// frame names alone: runtime.mallocgc and runtime.scanobject point at
// allocation, sync.(*Mutex).Lock at a lock, syscall frames at the kernel.
// A hint, never a verdict: a frame name says where the time went, not why
// (the wide frame may be the symptom; its caller the cause).
#pragma once

#include <string>
#include <vector>

#include "sim/interop/stack_profile.h"

namespace perfloop {

struct FamilyHint {
  std::string family;               // one of kFamilies
  double share = 0.0;               // of the column's total on stacks through a suggesting frame, 0..1
  std::vector<std::string> frames;  // the frames that suggest it, widest first (at most 5)
  std::string why;                  // one line: what such frames usually mean
};

// Families with a suggesting frame covering at least `min_share` of the
// column, largest share first.
std::vector<FamilyHint> family_hints(const StackProfile& profile, std::size_t type, double min_share = 0.05);

}  // namespace perfloop
