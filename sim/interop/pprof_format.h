// pprof's profile.proto (github.com/google/pprof/proto/profile.proto), the
// format `go tool pprof` and most continuous profilers read, gzipped as on disk.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sim/interop/stack_profile.h"

namespace perfloop {

// The most samples, and the deepest stack (inlined frames counted), a read
// accepts; past them a file is refused, not read into memory for minutes.
inline constexpr std::size_t kMaxPprofSamples = 10'000'000;
inline constexpr std::size_t kMaxPprofStackDepth = 4096;
// The most distinct call paths the stacks may expand to (memory: about
// 100 bytes each in Symbols).
inline constexpr std::size_t kMaxPprofCallPaths = 4'000'000;
// The most frames the reader walks to build them (time: about 100 ns
// each). Each location is walked once per caller it has, so real profiles
// walk about as many frames as they have call paths; many copies of one
// long inlined location under many callers would walk for hours.
inline constexpr std::size_t kMaxPprofFramesWalked = 64'000'000;

// Gzipped profile.proto: one sample type per column, one sample per stack
// with a non-zero value in some column (values rounded to integers, as
// pprof holds them; locations leaf first), one location and one function
// per frame on those stacks (ids from 1 in order of first use), the default
// column as default_sample_type, and the period and times. The same
// profile always gives the same bytes.
std::string write_pprof(const StackProfile& profile);

// Reads a profile, gzipped or not, into columns of the same names. A
// location holding several lines (inlined calls) becomes several frames, the
// last line the outermost caller. The default column is default_sample_type
// when the file names one, else the last column, as go tool pprof picks.
// Samples without any location add nothing (they have no frame to charge).
// Throws ImportError naming the byte where reading stopped: offsets are in
// the inflated profile when the file was gzipped.
StackProfile read_pprof(std::string_view bytes);

}  // namespace perfloop
