// Folded stacks, the text flame graph tools trade in: one line per call
// path, "root;caller;leaf COUNT", the count a whole number after the last
// space.
#pragma once

#include <string>
#include <string_view>

#include "sim/interop/stack_profile.h"

namespace perfloop {

// Column `type` as folded lines, paths in first-seen order. A frame name's
// ';' becomes ':' and line breaks become spaces (either would split the
// path); a value is rounded to a whole count, and a path that rounds to 0 is
// left out.
std::string write_folded(const StackProfile& profile, std::size_t type);

// One column, type "samples", unit "count". Blank lines are skipped, "\r\n"
// endings accepted; anything else that is not "PATH COUNT" is an
// ImportError naming the line.
StackProfile read_folded(std::string_view text);

}  // namespace perfloop
