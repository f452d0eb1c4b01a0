// A fresh, locked-down Lua state for one scenario script.
//
// What a script can reach: the base, string, table, math and utf8 libraries,
// minus everything that loads code, touches the outside world or escapes the
// limits (load, dofile, loadfile, require, collectgarbage, print, warn,
// string.dump; no io, os, debug, package, coroutine). Reading or assigning an
// undeclared global is an error. math.random is deterministic, and so is the
// order pairs() and next() visit keys in (Lua's own varies between runs). setmetatable
// refuses __gc (finalizers run with hooks off, out of reach of the limits)
// and weak keys (the collector's ephemeron pass can take quadratic time).
// The library functions that loop inside C as long as their arguments ask
// (string.rep, the pattern functions, table.move/insert/remove) are bounded
// by their arguments before they start (lua_bounded_library.h).
//
// Limits: memory (custom allocator), instructions and wall-clock time per run
// (a count hook every <= 1000 instructions, plus a clock check on every call
// so that slow C functions cannot run far past the deadline). Calls and
// allocated memory are charged as instructions too, and so is the worst
// case of each bounded library call, so the instruction limit, which is the
// same on every machine, is normally the one that trips. The clock is the
// backstop for what cannot be counted from outside a VM instruction: a
// comparison of two long strings, a collector pass. A sandbox also has a
// total over all its runs (total_instructions). A tripped limit cannot be caught by the script's own
// pcall: the hook then fires on every instruction and raises until the error
// reaches the sandbox's protected call. Such a sandbox is spent; every later
// call fails with the same reason. Hooks only run between instructions, so a
// C call that these bounds do not foresee can still run long in process:
// scripts that come from outside run in a child process (script_runner.h),
// where the kernel's limits hold whatever the script does.
//
// Errors come back as values (SandboxFailure), never as C++ exceptions thrown
// through Lua frames. Results are read with raw access only (snapshot), so no
// script code runs while C++ converts them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenarios/lua_bounded_library.h"
#include "sim/engine/model.h"

struct lua_State;
struct lua_Debug;

namespace perfloop {

struct SandboxLimits {
  std::size_t memory_bytes = std::size_t{64} << 20;  // the whole lua_State
  std::uint64_t instructions = 200'000'000;           // per run_chunk / call, calls and memory included
  std::chrono::milliseconds wall_time{3000};          // per run_chunk / call; the backstop
  // Over every run of one sandbox: a script that stays just under the limit
  // in each of a thousand build calls still ends.
  std::uint64_t total_instructions = 1'000'000'000;
};

// Why a run failed.
struct SandboxFailure {
  std::string message;          // without the "file:line: " prefix
  int line = 0;                 // line in the chunk, 0 when unknown
  std::string traceback;        // "stack traceback:..." when Lua produced one
  bool limit_exceeded = false;  // stopped by a sandbox limit, not by the script
};

struct LuaField;
struct LuaItem;
struct SnapshotWalk;

// A Lua value copied out of the sandbox. Tables keep string keys in `fields`
// (sorted by key) and integer keys in `items` (sorted by index), so a
// sequence {a, b} has items with indices 1 and 2.
struct LuaValue {
  enum class Type { Nil, Boolean, Number, String, Table, Function, Other };
  Type type = Type::Nil;
  bool boolean = false;
  double number = 0.0;
  bool integer = false;               // Number: Lua integer subtype
  std::string text;                   // String: contents; Other: Lua type name
  int line = 0;                       // Table passed to the prelude's mark(): line of that call
  std::vector<LuaField> fields;
  std::vector<LuaItem> items;
  std::vector<std::string> odd_keys;  // keys that are neither strings nor integers, described

  bool is_table() const { return type == Type::Table; }
  const LuaValue* field(std::string_view key) const;  // nullptr when absent
  std::string type_name() const;                      // "nil", "number", ...
};

struct LuaField {
  std::string key;
  LuaValue value;
};

struct LuaItem {
  long long index = 0;
  LuaValue value;
};

// A value the sandbox keeps alive in the Lua registry.
using LuaRef = int;

class LuaSandbox {
 public:
  // `prelude` is a text chunk run before the globals are locked, so the
  // globals it assigns become part of the environment. It receives one
  // argument, mark(t): records the line of the script code that called the
  // function calling mark (a constructor), reported as LuaValue::line.
  // Throws std::runtime_error if the state cannot be set up.
  LuaSandbox(SandboxLimits limits, std::uint64_t seed, std::string_view prelude);
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  // Compiles `text` (text only, binary chunks are refused) as chunk "@path"
  // and runs it; keeps its first result in `result`.
  std::optional<SandboxFailure> run_chunk(std::string_view text, const std::string& path, LuaRef& result);

  // Calls the function `function` with one argument p: a read-only table of
  // `params` where reading an unknown name is an error. Keeps the first
  // result in `result`.
  std::optional<SandboxFailure> call_with_params(LuaRef function, const ParamValues& params, LuaRef& result);

  // Keeps table[key] (raw access) in `result`.
  std::optional<SandboxFailure> get_field(LuaRef table, const char* key, LuaRef& result);

  // Copies the value with raw access only; limited in depth and size, cycles
  // refused.
  std::optional<SandboxFailure> snapshot(LuaRef value, LuaValue& out);

  // Lets the registry forget the value. Failures are ignored: at worst the
  // value lives until the sandbox is destroyed.
  void release(LuaRef value);

  // Restarts math.random's sequence; math.randomseed() without arguments
  // returns to this seed as well.
  void reseed(std::uint64_t seed);

  std::size_t memory_used() const { return memory_used_; }
  const SandboxLimits& limits() const { return limits_; }

 private:
  friend struct SandboxNative;
  enum class Abort { None, Instructions, Time, Memory, TotalInstructions };
  static constexpr int kAbortKinds = 5;

  using NativeEntry = int (*)(lua_State*);
  std::optional<SandboxFailure> run_protected(NativeEntry entry, void* context);
  SandboxFailure failure_from_error_value(int status);
  void arm_limits();
  void disarm_limits();
  void trip(Abort reason);
  Abort instruction_abort() const;
  std::string abort_text(Abort reason) const;
  std::uint64_t next_random();
  bool read_value(int index, LuaValue& out, SnapshotWalk& walk);
  bool read_table(int index, LuaValue& out, SnapshotWalk& walk);
  bool chunk_position_at_start(const char* message) const;

  static void* allocate(void* self, void* block, std::size_t old_size, std::size_t new_size);
  static void on_hook(lua_State* L, lua_Debug* ar);

  SandboxLimits limits_;
  lua_State* L_ = nullptr;

  // Memory accounting, read by the allocator.
  std::size_t memory_used_ = 0;
  std::size_t memory_limit_ = 0;

  // Per-run budget, read by the count hook: the run may count up to
  // run_limit_, the smaller of the per-run limit and what is left of the total.
  std::uint64_t instructions_ = 0;
  std::uint64_t run_limit_ = 0;
  std::uint64_t spent_total_ = 0;  // instructions and charges of the runs before this one
  LibraryBudget budget_;  // work charged outside instructions, and the bounded functions' memory limit
  int hook_interval_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::steady_clock::time_point last_check_{};

  // Abort state. Once set, the sandbox is spent.
  Abort abort_ = Abort::None;
  int abort_line_ = 0;
  LuaRef abort_message_ref_[kAbortKinds] = {-2, -2, -2, -2, -2};  // LUA_NOREF until set up

  LuaRef lines_ref_ = -1;  // weak table: constructor table -> line
  LuaRef params_sources_ref_ = -1;  // weak table: read-only params table -> its values

  // The chunk being run. Plain char arrays: Lua C functions compare against
  // them, and C functions must not touch allocating C++ objects.
  std::string chunk_name_;  // "@path", set before entering Lua
  char short_source_[64] = {};

  std::uint64_t seed_ = 0;
  std::uint64_t random_state_ = 0;
};

}  // namespace perfloop
