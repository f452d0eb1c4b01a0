// What an importer throws for a file it cannot read: the message names the
// line (text formats) or the byte offset (binary ones) where reading stopped.
#pragma once

#include <stdexcept>
#include <string>

namespace perfloop {

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The most an importer reads or inflates: a profile past this is refused, not swapped in.
inline constexpr std::size_t kMaxImportBytes = 256u << 20;

}  // namespace perfloop
