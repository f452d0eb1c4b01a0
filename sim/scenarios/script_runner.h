// Where a scenario script runs: the file once, then its build function once
// per set of parameter values. Scripts come from outside (people pass
// scenario files around), so by default each one runs in a child process of
// its own. Inside it, the LuaSandbox's limits apply as they do in process;
// around it, the kernel's: a CPU-time limit per call, an address-space limit,
// and a wall-clock deadline after which the parent kills the child. No script
// can then freeze the program that opened it, whatever C call it makes.
//
// In process is for fuzzing and for tests of the sandbox itself: the same
// code runs, without the kernel's limits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/scenarios/lua_sandbox.h"
#include "sim/engine/model.h"

namespace perfloop {

enum class ScriptIsolation { ChildProcess, InProcess };

struct ScriptOptions {
  SandboxLimits limits;
  ScriptIsolation isolation = ScriptIsolation::ChildProcess;
};

// How long a child may take over one request beyond the sandbox's own clock
// before it is killed: the sandbox normally stops the script first, with a
// better message (the line it was on).
inline constexpr std::chrono::milliseconds kChildGrace{1000};

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;

  // Runs `prelude` (see LuaSandbox), then `text` as the chunk named `path`,
  // with math.random at `seed`. Copies what the chunk returned into `result`
  // and keeps its field `callable` (when that is a function) for call().
  virtual std::optional<SandboxFailure> open(std::string_view prelude, std::string_view text, const std::string& path,
                                             std::uint64_t seed, const std::string& callable, LuaValue& result) = 0;

  // Calls the kept function with the read-only params table, math.random
  // restarted at `seed`; copies its result into `result`. Fails if open()
  // found no such function.
  virtual std::optional<SandboxFailure> call(std::uint64_t seed, const ParamValues& params, LuaValue& result) = 0;
};

// Throws std::runtime_error when the runner cannot be set up (no memory, no
// process could be started).
std::unique_ptr<ScriptRunner> make_script_runner(const ScriptOptions& options);

// The in-process runner; the child process runs one of these.
std::unique_ptr<ScriptRunner> make_in_process_runner(const SandboxLimits& limits);
std::unique_ptr<ScriptRunner> make_child_process_runner(const SandboxLimits& limits);

}  // namespace perfloop
