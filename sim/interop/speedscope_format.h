// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json):
// frames shared by every profile, each profile sampled (stacks of frame
// indices with weights) or evented (frames opened and closed at times).
#pragma once

#include <string>
#include <string_view>

#include "sim/interop/stack_profile.h"

namespace perfloop {

// One sampled profile per column, weights in the column's unit (count ->
// "none", nanoseconds, bytes, ...), the default column active.
std::string write_speedscope(const StackProfile& profile);

// Every profile of the file becomes a column named after it (sampled
// weights as they are; an evented profile's time between events goes to the
// stack open then). Errors name the JSON path or the byte offset.
StackProfile read_speedscope(std::string_view text);

}  // namespace perfloop
