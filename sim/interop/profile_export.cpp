#include "sim/interop/profile_export.h"

#include <stdexcept>

#include "sim/interop/folded_format.h"
#include "sim/interop/pprof_format.h"
#include "sim/interop/speedscope_format.h"

namespace perfloop {

bool is_profile_format(const std::string& format) {
  for (const char* f : kProfileFormats)
    if (format == f) return true;
  return false;
}

std::string encode_profile(const StackProfile& profile, const std::string& format) {
  if (format == "folded") return write_folded(profile, profile.default_type);
  if (format == "speedscope") return write_speedscope(profile);
  if (format == "pprof") return write_pprof(profile);
  throw std::invalid_argument("no profile format '" + format + "' (folded, speedscope, pprof)");
}

const char* profile_file_extension(const std::string& format) {
  if (format == "speedscope") return ".speedscope.json";
  if (format == "pprof") return ".pb.gz";
  return ".folded";
}

}  // namespace perfloop
