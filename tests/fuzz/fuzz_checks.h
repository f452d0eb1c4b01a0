// What every fuzz target checks beyond the sanitizers: the promises the
// parsers make in their headers. A broken promise aborts, so libFuzzer
// keeps the input as a crash reproducer like any sanitizer report.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sim/io/safe_text.h"

namespace perfloop::fuzz {

[[noreturn]] inline void finding(const char* what, std::string_view detail) {
  // printable(): the detail may hold whatever the input held.
  std::fprintf(stderr, "==perfloop-fuzz== %s: %s\n", what, perfloop::printable(detail, 2000).c_str());
  std::abort();
}

// Error messages that the headers promise are one printable line (they end
// up in a terminal or the app's error panel): UTF-8, no control character.
inline void expect_printable_line(std::string_view text, const char* what) {
  if (!perfloop::is_valid_utf8(text)) finding(what, text);
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) finding(what, text);
}

}  // namespace perfloop::fuzz
