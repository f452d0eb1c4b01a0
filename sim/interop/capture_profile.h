// One stream of a learner's capture as a StackProfile: the same cells the
// app's flame graph draws for that stream, so an exported file shows the
// same shares the Profile step showed.
#pragma once

#include <string>

#include "sim/engine/capture.h"
#include "sim/interop/stack_profile.h"

namespace perfloop {

// The profile streams a capture can export (the flame graph's four).
inline constexpr const char* kProfileStreams[] = {"cpu", "alloc", "offcpu", "mutex"};
bool is_profile_stream(const std::string& stream);

// `stream`: cpu (columns samples/count, the flame graph's, then
// cpu/nanoseconds), alloc (alloc_space/bytes), offcpu (off_cpu/nanoseconds)
// or mutex (delay/nanoseconds). `profile_hz`: CPU samples per CPU-second,
// for pprof's period (0: none). `epoch_unix_s` dates the window.
StackProfile profile_from_capture(const Capture& capture, const std::string& stream, double profile_hz,
                                  std::int64_t epoch_unix_s);

}  // namespace perfloop
