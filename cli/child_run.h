// Runs this perfloop binary again as a child (the app's benchmarks are
// processes of their own: a launch is timed from its spawn) and collects its
// standard output, with a deadline so a child stuck on a display never hangs
// the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace perfloop::cli {

struct ChildResult {
  int exit_code = -1;          // -1: it did not exit by itself (killed at the deadline, or a signal)
  std::string out;             // its standard output
  std::string problem;         // why it could not run or finish, or the last line it wrote to stderr
  std::int64_t spawned_ns = 0; // the steady clock just before the spawn
};

// `args` follow the binary's own path; the child's stderr is kept only for its last line.
ChildResult run_self(const std::vector<std::string>& args, double deadline_s);

}  // namespace perfloop::cli
