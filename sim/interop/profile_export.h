// A profile written in the format a learner picks, the one call the CLI's
// `export` and the app's Export button share.
#pragma once

#include <string>

#include "sim/interop/stack_profile.h"

namespace perfloop {

inline constexpr const char* kProfileFormats[] = {"folded", "speedscope", "pprof"};
bool is_profile_format(const std::string& format);
// The file's bytes: folded (the default column), speedscope JSON, gzipped pprof.
std::string encode_profile(const StackProfile& profile, const std::string& format);
// ".folded", ".speedscope.json", ".pb.gz".
const char* profile_file_extension(const std::string& format);

}  // namespace perfloop
