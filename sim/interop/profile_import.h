// Bringing a profile from outside: folded stacks, speedscope JSON or pprof
// (gzipped or not), told apart by their first bytes, and a summary of what
// it shows: the top frames by self and total share and what the frame names
// suggest about the family.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/interop/stack_profile.h"

namespace perfloop {

enum class ProfileFormat { Folded, Speedscope, Pprof };
const char* format_name(ProfileFormat format);

// gzip or a protobuf message: pprof; '{' (after blanks): speedscope; else folded.
ProfileFormat detect_profile_format(std::string_view bytes);

// Throws ImportError naming the line, JSON path or byte offset.
StackProfile import_profile(std::string_view bytes, ProfileFormat format);

struct ImportedProfile {
  std::string path;
  ProfileFormat format = ProfileFormat::Folded;
  StackProfile profile;
};
// Reads at most kMaxImportBytes of a regular file; throws ImportError with
// the path in front of the reason.
ImportedProfile import_profile_file(const std::string& path);

// The summary `perfloop import --json` prints: per column its total and
// top frames (self and total shares), and the family hints of the default column.
nlohmann::json import_summary_json(const ImportedProfile& imported, std::size_t top = 10);
std::string import_summary_text(const ImportedProfile& imported, std::size_t top = 10);

}  // namespace perfloop
