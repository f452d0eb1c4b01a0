// gzip, as pprof files are stored on disk (zlib underneath). Compression is
// deterministic: no file name, no modification time and an "unknown" OS
// byte, so the same profile exports the same bytes on every machine that
// has the same zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sim/interop/import_error.h"

namespace perfloop {

std::string gzip_compress(std::string_view data);

// Inflates one gzip stream (or several back to back, as `cat a.gz b.gz`
// makes and Go's reader accepts). Throws ImportError naming the byte of the
// compressed input where it stopped: "gzip: corrupt data at byte N (...)",
// "gzip: truncated at byte N", "gzip: inflates past 256 MiB at byte N".
// The output never grows past `max_out`, however the input lies.
std::string gzip_decompress(std::string_view compressed, std::size_t max_out = kMaxImportBytes);

// The two magic bytes every gzip member starts with.
bool is_gzip(std::string_view data);

}  // namespace perfloop
