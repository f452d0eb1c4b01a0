// [SECTION] Constants and small helpers
// [SECTION] LuaValue
// [SECTION] Native functions (everything Lua calls into)
// [SECTION] Protected entries (C++ work that allocates Lua memory)
// [SECTION] LuaSandbox
// [SECTION] Snapshot
//
// Two rules hold everywhere in this file, because a Lua error is a longjmp:
// - Functions Lua calls (lua_CFunction, hook, allocator) own no C++ object
//   with a destructor and never throw.
// - Lua API calls that may allocate (and so raise) run only inside
//   run_protected(); outside it, C++ uses non-allocating calls only.
#include "sim/scenarios/lua_sandbox.h"

#include "sim/scenarios/lua_bounded_library.h"
#include "sim/engine/rng.h"

#include <lua.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace perfloop {

// ============================================================================
// [SECTION] Constants and small helpers
// ============================================================================

namespace {

using Clock = std::chrono::steady_clock;

// Checks run every 1000 instructions while instructions are cheap. A single
// instruction can be slow (a 30 MB concatenation), so when checks come
// further apart than kCheckPeriod the interval shrinks, down to every
// instruction, and grows back once instructions are cheap again. Calls also
// check the clock: one call into C (string.upper of 30 MB, table.sort) can
// take milliseconds, and a thousand of them would overrun the deadline by
// seconds.
constexpr int kHookIntervalMax = 1000;
constexpr auto kCheckPeriod = std::chrono::microseconds(1000);
constexpr int kArmedHookMask = LUA_MASKCOUNT | LUA_MASKCALL;

// Work done outside instructions counts against the instruction budget:
// each call (a C function can do a lot in one), and each block of allocated
// memory (a 30 MB concatenation is one instruction).
constexpr std::uint64_t kCallCharge = 20;
constexpr std::size_t kBytesPerInstruction = 64;

// Converting a result allocates no Lua memory by design; the headroom keeps a
// mistake there from turning into an unprotected error (a panic).
constexpr std::size_t kConversionHeadroom = std::size_t{4} << 20;

// A result can share subtables, so its copy could be far larger than the Lua
// memory behind it; these bounds keep the copy small.
constexpr std::size_t kSnapshotDepth = 64;
constexpr int kSnapshotValues = 200'000;
constexpr std::size_t kSnapshotBytes = std::size_t{64} << 20;

static_assert(LUA_IDSIZE <= 64, "short_source_ must hold a LUA_IDSIZE string");

LuaSandbox& sandbox_of(lua_State* L) { return **static_cast<LuaSandbox**>(lua_getextraspace(L)); }

std::string format_amount(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// Integral values go to Lua as integers so that "n" .. p.count reads "n4",
// not "n4.0", and string.rep(s, p.count) works.
void push_number(lua_State* L, double value) {
  if (std::floor(value) == value && std::fabs(value) < 9007199254740992.0)
    lua_pushinteger(L, static_cast<lua_Integer>(value));
  else
    lua_pushnumber(L, value);
}

struct StackRestore {
  lua_State* L;
  int top;
  ~StackRestore() { lua_settop(L, top); }
};

}  // namespace

// ============================================================================
// [SECTION] LuaValue
// ============================================================================

const LuaValue* LuaValue::field(std::string_view key) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), key,
                             [](const LuaField& f, std::string_view k) { return f.key < k; });
  return it != fields.end() && it->key == key ? &it->value : nullptr;
}

std::string LuaValue::type_name() const {
  switch (type) {
    case Type::Nil: return "nil";
    case Type::Boolean: return "boolean";
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Table: return "table";
    case Type::Function: return "function";
    case Type::Other: return text;
  }
  return "?";
}

// ============================================================================
// [SECTION] Native functions (everything Lua calls into)
// ============================================================================

struct SandboxNative {
  // --- Protected-call message handler -------------------------------------

  // The current line of the innermost frame (from `level` outwards) running
  // the chunk, or 0. Fills `ar` for that frame. Allocates nothing.
  static int innermost_chunk_line(lua_State* L, int level, lua_Debug& ar) {
    const LuaSandbox& box = sandbox_of(L);
    for (; lua_getstack(L, level, &ar); ++level)
      if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && box.chunk_name_ == ar.source) return ar.currentline;
    return 0;
  }

  // Pushes "short_src:line: " of the innermost frame running the chunk, or "".
  static void push_chunk_location(lua_State* L) {
    lua_Debug ar;
    if (const int line = innermost_chunk_line(L, 1, ar))
      lua_pushfstring(L, "%s:%d: ", ar.short_src, line);
    else
      lua_pushliteral(L, "");
  }

  // Gives every error a "file:line: " where one can be found and appends a
  // traceback. Never calls __tostring: that would run script code.
  static int message_handler(lua_State* L) {
    // After an abort keep the pre-interned reason: a traceback needs memory.
    if (sandbox_of(L).abort_ != LuaSandbox::Abort::None) return 1;
    const int type = lua_type(L, 1);
    if (type == LUA_TSTRING || type == LUA_TNUMBER) {
      if (!sandbox_of(L).chunk_position_at_start(lua_tostring(L, 1))) {
        push_chunk_location(L);
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        lua_replace(L, 1);
      }
    } else {
      push_chunk_location(L);
      lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 1));
      lua_concat(L, 2);
      lua_replace(L, 1);
    }
    luaL_traceback(L, L, lua_tostring(L, 1), 1);
    return 1;
  }

  static int panic(lua_State* L) {
    const char* message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    std::fprintf(stderr, "perfloop: Lua error outside a protected call: %s\n", message);
    return 0;  // Lua aborts the process
  }

  // --- Strict globals ------------------------------------------------------

  static int unknown_global(lua_State* L) {
    if (lua_type(L, 2) == LUA_TSTRING) return luaL_error(L, "unknown global '%s'", lua_tostring(L, 2));
    return luaL_error(L, "unknown global (a %s key)", luaL_typename(L, 2));
  }

  static int undeclared_assignment(lua_State* L) {
    if (lua_type(L, 2) == LUA_TSTRING)
      return luaL_error(L, "assignment to undeclared global '%s' (use local)", lua_tostring(L, 2));
    return luaL_error(L, "assignment to undeclared global (a %s key) (use local)", luaL_typename(L, 2));
  }

  // --- math.random bound to the sandbox's seed -----------------------------

  // Uniform in [0, span] by rejection, so no value is favoured.
  static std::uint64_t uniform_up_to(LuaSandbox& box, std::uint64_t bits, std::uint64_t span) {
    if ((span & (span + 1)) == 0) return bits & span;  // span + 1 is a power of two (or 2^64)
    std::uint64_t mask = span;
    for (int shift = 1; shift < 64; shift <<= 1) mask |= mask >> shift;
    while ((bits &= mask) > span) bits = box.next_random();
    return bits;
  }

  // Same contract as Lua 5.4: random() in [0,1), random(m) in [1,m],
  // random(m,n) in [m,n], random(0) any integer.
  static int random(lua_State* L) {
    LuaSandbox& box = sandbox_of(L);
    const std::uint64_t bits = box.next_random();
    lua_Integer low = 1;
    lua_Integer high = 0;
    switch (lua_gettop(L)) {
      case 0:
        lua_pushnumber(L, static_cast<lua_Number>(bits >> 11) * 0x1.0p-53);
        return 1;
      case 1:
        high = luaL_checkinteger(L, 1);
        if (high == 0) {
          lua_pushinteger(L, static_cast<lua_Integer>(bits));
          return 1;
        }
        break;
      case 2:
        low = luaL_checkinteger(L, 1);
        high = luaL_checkinteger(L, 2);
        break;
      default:
        return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, low <= high, lua_gettop(L), "interval is empty");
    const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    lua_pushinteger(L, static_cast<lua_Integer>(static_cast<std::uint64_t>(low) + uniform_up_to(box, bits, span)));
    return 1;
  }

  static int randomseed(lua_State* L) {
    LuaSandbox& box = sandbox_of(L);
    if (lua_isnone(L, 1)) {
      box.random_state_ = box.seed_;
    } else {
      const auto first = static_cast<std::uint64_t>(luaL_checkinteger(L, 1));
      const auto second = static_cast<std::uint64_t>(luaL_optinteger(L, 2, 0));
      box.random_state_ = first ^ (second * 0x9e3779b97f4a7c15ULL);
    }
    return 0;
  }

  // --- setmetatable without __gc -------------------------------------------

  // Finalizers run with hooks switched off, so a __gc could loop forever out
  // of reach of every limit. Lua marks a table for finalization only if its
  // metatable has __gc when set, so refusing it here is enough.
  static int setmetatable(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const int type = lua_type(L, 2);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (type == LUA_TTABLE) {
      lua_pushliteral(L, "__gc");
      if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not allowed in scenarios");
      lua_pop(L, 1);
      // Weak keys make the collector's ephemeron pass quadratic, out of reach
      // of the hooks. (A script that adds __mode to the metatable afterwards
      // meets the child process's limits instead.)
      lua_pushliteral(L, "__mode");
      if (lua_rawget(L, 2) == LUA_TSTRING && std::strchr(lua_tostring(L, -1), 'k'))
        return luaL_error(L, "weak keys (__mode \"k\") are not allowed in scenarios");
      lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
  }

  // --- xpcall whose handler cannot outlive an abort ------------------------

  // Lua calls a message handler from inside our hook when the hook raises,
  // and there hooks are off: a looping handler would never be stopped. Once
  // the sandbox is aborting, the script's handler is skipped.
  static int guarded_handler(lua_State* L) {
    if (sandbox_of(L).abort_ != LuaSandbox::Abort::None) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
  }

  static int xpcall(lua_State* L) {
    const int arguments = lua_gettop(L);  // f, handler, args...
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);     // f, guarded, args...
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);   // f, guarded, true, f, args...
    if (lua_pcall(L, arguments - 2, LUA_MULTRET, 2) != LUA_OK) {
      lua_pushboolean(L, 0);
      lua_pushvalue(L, -2);
      return 2;
    }
    return lua_gettop(L) - 2;  // true, results...
  }

  // --- mark(t): remember the script line that built t ----------------------

  // Level 0 is mark, level 1 the prelude's constructor, level 2 its caller.
  static int mark_constructor_line(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const LuaSandbox& box = sandbox_of(L);
    lua_Debug ar;
    if (lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && box.chunk_name_ == ar.source) {
      lua_pushvalue(L, 1);
      lua_pushinteger(L, ar.currentline);
      lua_rawset(L, lua_upvalueindex(1));
    }
    return 0;
  }

  // --- p: the read-only parameter table ------------------------------------

  static int index_param(lua_State* L) {  // upvalue: values
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    if (lua_type(L, 2) == LUA_TSTRING) return luaL_error(L, "unknown param '%s'", lua_tostring(L, 2));
    return luaL_error(L, "unknown param (a %s key)", luaL_typename(L, 2));
  }

  static int refuse_param_write(lua_State* L) { return luaL_error(L, "params are read-only"); }



  // ==========================================================================
  // [SECTION] Protected entries (C++ work that allocates Lua memory)
  // ==========================================================================
  // Each runs through run_protected() with its context as light userdata.

  struct SetupContext {
    std::string_view prelude;
    const char* abort_texts[LuaSandbox::kAbortKinds];
  };

  static void open_libraries(lua_State* L) {
    const luaL_Reg libraries[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string}, {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (const luaL_Reg& library : libraries) {
      luaL_requiref(L, library.name, library.func, 1);
      lua_pop(L, 1);
    }
  }

  static void remove_unsafe_functions(lua_State* L) {
    const char* const removed[] = {"dofile", "loadfile", "load", "require", "collectgarbage", "print", "warn"};
    for (const char* name : removed) {
      lua_pushnil(L);
      lua_setglobal(L, name);
    }
    lua_pushcfunction(L, setmetatable);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, xpcall);
    lua_setglobal(L, "xpcall");

    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    lua_getglobal(L, "math");
    lua_pushcfunction(L, random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
  }

  static void lock_globals(lua_State* L) {
    lua_pushglobaltable(L);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, unknown_global);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, undeclared_assignment);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);  // getmetatable(_G) answers false; setmetatable(_G, ...) is refused
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
  }

  // Lua seeds its string hashes per process, so raw next() visits keys in a
  // different order from run to run, and a scenario that builds endpoints with
  // pairs() would differ between runs with the same seed. pairs and next see
  // keys in a fixed order instead: numbers ascending, then strings, then
  // booleans; other key types are refused. `sources` maps a read-only params
  // table to the table holding its values.
  static constexpr std::string_view kOrderedIteration = R"lua(
local sources = ...
local rawnext, rawget, rawequal, type, error, sort = next, rawget, rawequal, type, error, table.sort
local rank = { number = 1, string = 2, boolean = 3 }

local function before(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return rank[ta] < rank[tb] end
  if ta == "boolean" then return b and not a end
  return a < b
end

local function ordered_keys(t)
  local keys, n = {}, 0
  local k = rawnext(t)
  while k ~= nil do
    if not rank[type(k)] then
      error("pairs/next: " .. type(k) .. " keys have no fixed order; use numbers or strings as keys", 3)
    end
    n = n + 1
    keys[n] = k
    k = rawnext(t, k)
  end
  sort(keys, before)
  return keys
end

function next(t, k)
  t = sources[t] or t
  local keys, i = ordered_keys(t), 1
  if k ~= nil then
    i = nil
    for j = 1, #keys do
      if rawequal(keys[j], k) then i = j + 1 break end
    end
    if not i then error("invalid key to 'next'", 2) end
  end
  local key = keys[i]
  if key == nil then return nil end
  return key, rawget(t, key)
end

function pairs(t)
  if type(t) ~= "table" then error("bad argument #1 to 'pairs' (table expected, got " .. type(t) .. ")", 2) end
  t = sources[t] or t
  local keys, i = ordered_keys(t), 0
  return function()
    i = i + 1
    local key = keys[i]
    if key ~= nil then return key, rawget(t, key) end
  end, t, nil
end
)lua";

  static void install_ordered_iteration(lua_State* L, LuaSandbox& box) {
    lua_createtable(L, 0, 0);  // params table -> its values; weak keys
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    box.params_sources_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
    if (luaL_loadbufferx(L, kOrderedIteration.data(), kOrderedIteration.size(), "=ordered-iteration", "t") != LUA_OK)
      lua_error(L);
    lua_insert(L, -2);
    lua_call(L, 1, 0);
  }

  static int setup_entry(lua_State* L) {
    const auto& context = *static_cast<const SetupContext*>(lua_touserdata(L, 1));
    LuaSandbox& box = sandbox_of(L);
    open_libraries(L);
    remove_unsafe_functions(L);
    install_bounded_library(L, &box.budget_);
    install_ordered_iteration(L, box);

    for (int kind = 1; kind < LuaSandbox::kAbortKinds; ++kind) {
      lua_pushstring(L, context.abort_texts[kind]);
      box.abort_message_ref_[kind] = luaL_ref(L, LUA_REGISTRYINDEX);
    }

    lua_createtable(L, 0, 0);  // constructor table -> line; weak keys so it holds nothing alive
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    box.lines_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

    if (luaL_loadbufferx(L, context.prelude.data(), context.prelude.size(), "=prelude", "t") != LUA_OK)
      return lua_error(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, box.lines_ref_);
    lua_pushcclosure(L, mark_constructor_line, 1);
    lua_call(L, 1, 0);

    lock_globals(L);
    return 0;
  }

  struct ChunkContext {
    std::string_view text;
    const char* chunk_name;
    LuaRef result;
  };

  static int run_chunk_entry(lua_State* L) {
    auto& context = *static_cast<ChunkContext*>(lua_touserdata(L, 1));
    LuaSandbox& box = sandbox_of(L);
    // Lua abbreviates long paths in messages; learn its spelling from an
    // empty chunk of the same name, before the real one can fail to compile.
    if (luaL_loadbufferx(L, "", 0, context.chunk_name, "t") != LUA_OK) return lua_error(L);
    lua_Debug ar;
    if (lua_getinfo(L, ">S", &ar)) {
      std::strncpy(box.short_source_, ar.short_src, sizeof box.short_source_ - 1);
      box.short_source_[sizeof box.short_source_ - 1] = '\0';
    }
    if (luaL_loadbufferx(L, context.text.data(), context.text.size(), context.chunk_name, "t") != LUA_OK)
      return lua_error(L);
    lua_call(L, 0, 1);
    context.result = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
  }

  struct CallContext {
    LuaRef function;
    const ParamValues* params;
    LuaRef result;
  };

  static void push_read_only_params(lua_State* L, const ParamValues& params) {
    lua_createtable(L, 0, static_cast<int>(params.size()));
    const int values = lua_gettop(L);
    for (const auto& entry : params) {
      lua_pushlstring(L, entry.first.data(), entry.first.size());
      push_number(L, entry.second);
      lua_rawset(L, values);
    }
    lua_createtable(L, 0, 0);  // p: always empty, so every read goes through __index
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, values);
    lua_pushcclosure(L, index_param, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, refuse_param_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    // pairs(p) walks the values, in the sandbox's fixed order.
    lua_rawgeti(L, LUA_REGISTRYINDEX, sandbox_of(L).params_sources_ref_);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, values);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_remove(L, values);
  }

  static int call_entry(lua_State* L) {
    auto& context = *static_cast<CallContext*>(lua_touserdata(L, 1));
    lua_rawgeti(L, LUA_REGISTRYINDEX, context.function);
    push_read_only_params(L, *context.params);
    lua_call(L, 1, 1);
    context.result = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
  }

  struct FieldContext {
    LuaRef table;
    const char* key;
    LuaRef result;
  };

  static int get_field_entry(lua_State* L) {
    auto& context = *static_cast<FieldContext*>(lua_touserdata(L, 1));
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, context.table) == LUA_TTABLE) {
      lua_pushstring(L, context.key);
      lua_rawget(L, -2);
    } else {
      lua_pushnil(L);
    }
    context.result = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
  }

  static int release_entry(lua_State* L) {
    const LuaRef value = *static_cast<const LuaRef*>(lua_touserdata(L, 1));
    luaL_unref(L, LUA_REGISTRYINDEX, value);
    return 0;
  }
};

// ============================================================================
// [SECTION] LuaSandbox
// ============================================================================

LuaSandbox::LuaSandbox(SandboxLimits limits, std::uint64_t seed, std::string_view prelude)
    : limits_(limits), memory_limit_(limits.memory_bytes), seed_(seed), random_state_(seed) {
  budget_.memory_bytes = limits.memory_bytes;
  L_ = lua_newstate(&LuaSandbox::allocate, this);
  if (!L_) throw std::runtime_error("cannot create a Lua state");
  *static_cast<LuaSandbox**>(lua_getextraspace(L_)) = this;
  lua_atpanic(L_, SandboxNative::panic);

  std::string texts[kAbortKinds];
  SandboxNative::SetupContext context{prelude, {}};
  for (int kind = 0; kind < kAbortKinds; ++kind) {
    texts[kind] = abort_text(static_cast<Abort>(kind));
    context.abort_texts[kind] = texts[kind].c_str();
  }
  if (auto failure = run_protected(SandboxNative::setup_entry, &context)) {
    lua_close(L_);
    L_ = nullptr;
    throw std::runtime_error("cannot set up the Lua sandbox: " + failure->message);
  }
}

LuaSandbox::~LuaSandbox() {
  if (!L_) return;
  lua_sethook(L_, nullptr, 0, 0);
  lua_close(L_);
}

std::optional<SandboxFailure> LuaSandbox::run_chunk(std::string_view text, const std::string& path, LuaRef& result) {
  chunk_name_ = "@" + path;
  SandboxNative::ChunkContext context{text, chunk_name_.c_str(), LUA_NOREF};
  auto failure = run_protected(SandboxNative::run_chunk_entry, &context);
  result = context.result;
  return failure;
}

std::optional<SandboxFailure> LuaSandbox::call_with_params(LuaRef function, const ParamValues& params, LuaRef& result) {
  SandboxNative::CallContext context{function, &params, LUA_NOREF};
  auto failure = run_protected(SandboxNative::call_entry, &context);
  result = context.result;
  return failure;
}

std::optional<SandboxFailure> LuaSandbox::get_field(LuaRef table, const char* key, LuaRef& result) {
  SandboxNative::FieldContext context{table, key, LUA_NOREF};
  auto failure = run_protected(SandboxNative::get_field_entry, &context);
  result = context.result;
  return failure;
}

void LuaSandbox::release(LuaRef value) {
  if (value < 0 || abort_ != Abort::None) return;
  (void)run_protected(SandboxNative::release_entry, &value);
}

void LuaSandbox::reseed(std::uint64_t seed) {
  seed_ = seed;
  random_state_ = seed;
}

std::uint64_t LuaSandbox::next_random() { return splitmix64_next(random_state_); }

std::optional<SandboxFailure> LuaSandbox::run_protected(NativeEntry entry, void* context) {
  if (abort_ != Abort::None) {
    SandboxFailure spent;
    spent.message = abort_text(abort_) + " (in an earlier call)";
    spent.limit_exceeded = true;
    return spent;
  }
  StackRestore restore{L_, lua_gettop(L_)};
  const int handler = lua_gettop(L_) + 1;
  lua_pushcfunction(L_, SandboxNative::message_handler);
  lua_pushcfunction(L_, entry);
  lua_pushlightuserdata(L_, context);
  arm_limits();
  const int status = lua_pcall(L_, 1, 0, handler);
  disarm_limits();
  if (status == LUA_OK && abort_ == Abort::None) return std::nullopt;
  return failure_from_error_value(status);
}

void LuaSandbox::arm_limits() {
  const auto now = Clock::now();
  instructions_ = 0;
  budget_.charged = 0;
  run_limit_ = std::min(limits_.instructions,
                        limits_.total_instructions > spent_total_ ? limits_.total_instructions - spent_total_ : 0);
  hook_interval_ = kHookIntervalMax;
  last_check_ = now;
  deadline_ = now + limits_.wall_time;
  lua_sethook(L_, &LuaSandbox::on_hook, kArmedHookMask, hook_interval_);
}

void LuaSandbox::disarm_limits() {
  lua_sethook(L_, nullptr, 0, 0);
  spent_total_ += instructions_ + budget_.charged;
}

// The run reached its limit: its own, or what was left of the script's total.
LuaSandbox::Abort LuaSandbox::instruction_abort() const {
  return run_limit_ < limits_.instructions ? Abort::TotalInstructions : Abort::Instructions;
}

// After the first trip the hook fires on every instruction and raises each
// time, so a script's pcall can catch the error but never run past it.
void LuaSandbox::trip(Abort reason) {
  if (abort_ != Abort::None) return;
  abort_ = reason;
  if (L_) lua_sethook(L_, &LuaSandbox::on_hook, LUA_MASKCOUNT, 1);
}

void LuaSandbox::on_hook(lua_State* L, lua_Debug* ar) {
  LuaSandbox& box = sandbox_of(L);
  if (box.abort_ == Abort::None && ar->event != LUA_HOOKCOUNT) {  // a call: its charge and the clock
    box.budget_.charged += kCallCharge;
    if (box.instructions_ + box.budget_.charged >= box.run_limit_) box.trip(box.instruction_abort());
    else if (Clock::now() < box.deadline_) return;
    else box.trip(Abort::Time);
  }
  if (box.abort_ == Abort::None) {
    box.instructions_ += static_cast<std::uint64_t>(box.hook_interval_);
    const auto now = Clock::now();
    if (box.instructions_ + box.budget_.charged >= box.run_limit_) {
      box.trip(box.instruction_abort());
    } else if (now >= box.deadline_) {
      box.trip(Abort::Time);
    } else {
      const auto since_last = now - box.last_check_;
      box.last_check_ = now;
      int interval = box.hook_interval_;
      if (since_last > kCheckPeriod)
        interval = std::max(1, interval / 10);
      else if (since_last < kCheckPeriod / 4)
        interval = std::min(kHookIntervalMax, interval * 2);
      if (interval != box.hook_interval_) {
        box.hook_interval_ = interval;
        lua_sethook(L, &LuaSandbox::on_hook, kArmedHookMask, interval);
      }
      return;
    }
  }
  if (box.abort_line_ == 0) {
    lua_Debug frame;  // a call event describes the callee, maybe C: look outwards for the chunk
    box.abort_line_ = SandboxNative::innermost_chunk_line(L, 0, frame);
  }
  // Pre-interned in the registry: raising must not need memory.
  lua_rawgeti(L, LUA_REGISTRYINDEX, box.abort_message_ref_[static_cast<int>(box.abort_)]);
  lua_error(L);
}

void* LuaSandbox::allocate(void* self, void* block, std::size_t old_size, std::size_t new_size) {
  LuaSandbox& box = *static_cast<LuaSandbox*>(self);
  const std::size_t previous = block ? old_size : 0;  // without a block, old_size names the object type
  if (new_size == 0) {
    std::free(block);
    box.memory_used_ -= previous;
    return nullptr;
  }
  if (new_size > previous) {
    const std::size_t growth = new_size - previous;
    if (box.memory_used_ > box.memory_limit_ || growth > box.memory_limit_ - box.memory_used_) {
      box.trip(Abort::Memory);
      return nullptr;
    }
  }
  void* moved = std::realloc(block, new_size);
  if (!moved) {
    box.trip(Abort::Memory);
    return nullptr;
  }
  if (new_size > previous) box.budget_.charged += (new_size - previous) / kBytesPerInstruction;
  box.memory_used_ = box.memory_used_ - previous + new_size;
  return moved;
}

std::string LuaSandbox::abort_text(Abort reason) const {
  switch (reason) {
    case Abort::None: return "no limit exceeded";
    case Abort::Instructions:
      return "instruction limit (" + std::to_string(limits_.instructions) + " instructions) exceeded";
    case Abort::Time:
      return "time limit (" + format_amount(static_cast<double>(limits_.wall_time.count()) / 1000.0) + " s) exceeded";
    case Abort::TotalInstructions:
      return "instruction limit for the whole script (" + std::to_string(limits_.total_instructions) +
             " instructions over all its calls) exceeded";
    case Abort::Memory:
      return "memory limit (" + format_amount(static_cast<double>(limits_.memory_bytes) / (1024.0 * 1024.0)) +
             " MiB) exceeded";
  }
  return "?";
}

// True when `message` starts with "short_src:<digits>:", Lua's position prefix
// for this chunk.
bool LuaSandbox::chunk_position_at_start(const char* message) const {
  const std::size_t prefix = std::strlen(short_source_);
  if (prefix == 0 || std::strncmp(message, short_source_, prefix) != 0 || message[prefix] != ':') return false;
  const char* digits = message + prefix + 1;
  const char* end = digits;
  while (*end >= '0' && *end <= '9') ++end;
  return end != digits && *end == ':';
}

SandboxFailure LuaSandbox::failure_from_error_value(int status) {
  SandboxFailure failure;
  if (abort_ != Abort::None) {
    // Whatever the script made of the error on its way out, the reason is ours.
    failure.message = abort_text(abort_);
    failure.line = abort_line_;
    failure.limit_exceeded = true;
    return failure;
  }
  std::string text = "unknown error (status " + std::to_string(status) + ")";
  if (status != LUA_OK && lua_type(L_, -1) == LUA_TSTRING) {
    std::size_t length = 0;
    const char* raw = lua_tolstring(L_, -1, &length);
    text.assign(raw, length);
  }
  const std::size_t traceback = text.find("\nstack traceback:");
  if (traceback != std::string::npos) {
    failure.traceback = text.substr(traceback + 1);
    text.resize(traceback);
  }
  if (chunk_position_at_start(text.c_str())) {
    const std::size_t digits = std::strlen(short_source_) + 1;
    const std::size_t colon = text.find(':', digits);
    failure.line = std::atoi(text.c_str() + digits);
    std::size_t rest = colon + 1;
    if (rest < text.size() && text[rest] == ' ') ++rest;
    text.erase(0, rest);
  }
  failure.message = std::move(text);
  return failure;
}

// ============================================================================
// [SECTION] Snapshot
// ============================================================================

struct SnapshotWalk {
  int values = 0;
  std::size_t bytes = 0;
  std::vector<const void*> ancestors;
  std::string path;  // for error messages: .name and [index] steps
  std::string error;
  int lines_index = 0;

  bool fail(const std::string& message) {
    error = (path.empty() ? std::string("result") : path.substr(path[0] == '.' ? 1 : 0)) + ": " + message;
    return false;
  }
};

namespace {

std::string describe_odd_key(lua_State* L, int index) {
  char text[64];
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN: return lua_toboolean(L, index) ? "[true]" : "[false]";
    case LUA_TNUMBER: std::snprintf(text, sizeof text, "[%.14g]", lua_tonumber(L, index)); return text;
    default: std::snprintf(text, sizeof text, "[a %s key]", lua_typename(L, lua_type(L, index))); return text;
  }
}

}  // namespace

std::optional<SandboxFailure> LuaSandbox::snapshot(LuaRef value, LuaValue& out) {
  StackRestore restore{L_, lua_gettop(L_)};
  lua_sethook(L_, nullptr, 0, 0);
  memory_limit_ += kConversionHeadroom;
  struct LimitRestore {
    std::size_t& limit;
    ~LimitRestore() { limit -= kConversionHeadroom; }
  } limit_restore{memory_limit_};

  SnapshotWalk walk;
  out = LuaValue{};
  if (!lua_checkstack(L_, 8)) {
    walk.fail("out of memory while reading");
  } else {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, lines_ref_);
    walk.lines_index = lua_gettop(L_);
    lua_rawgeti(L_, LUA_REGISTRYINDEX, value);
    if (read_value(lua_gettop(L_), out, walk)) return std::nullopt;
  }
  SandboxFailure failure;
  failure.message = walk.error;
  return failure;
}

bool LuaSandbox::read_value(int index, LuaValue& out, SnapshotWalk& walk) {
  if (++walk.values > kSnapshotValues)
    return walk.fail("too large (more than " + std::to_string(kSnapshotValues) + " values)");
  switch (lua_type(L_, index)) {
    case LUA_TNIL: out.type = LuaValue::Type::Nil; return true;
    case LUA_TBOOLEAN:
      out.type = LuaValue::Type::Boolean;
      out.boolean = lua_toboolean(L_, index);
      return true;
    case LUA_TNUMBER:
      out.type = LuaValue::Type::Number;
      out.integer = lua_isinteger(L_, index);
      out.number = out.integer ? static_cast<double>(lua_tointeger(L_, index)) : lua_tonumber(L_, index);
      return true;
    case LUA_TSTRING: {
      std::size_t length = 0;
      const char* text = lua_tolstring(L_, index, &length);  // a string already: no conversion, no allocation
      walk.bytes += length;
      if (walk.bytes > kSnapshotBytes) return walk.fail("too large (more than 64 MiB of text)");
      out.type = LuaValue::Type::String;
      out.text.assign(text, length);
      return true;
    }
    case LUA_TFUNCTION: out.type = LuaValue::Type::Function; return true;
    case LUA_TTABLE: return read_table(index, out, walk);
    default:
      out.type = LuaValue::Type::Other;
      out.text = lua_typename(L_, lua_type(L_, index));
      return true;
  }
}

bool LuaSandbox::read_table(int index, LuaValue& out, SnapshotWalk& walk) {
  const void* identity = lua_topointer(L_, index);
  if (std::find(walk.ancestors.begin(), walk.ancestors.end(), identity) != walk.ancestors.end())
    return walk.fail("contains itself (a cycle)");
  if (walk.ancestors.size() >= kSnapshotDepth)
    return walk.fail("nested deeper than " + std::to_string(kSnapshotDepth) + " tables");
  if (!lua_checkstack(L_, 4)) return walk.fail("out of memory while reading");
  walk.ancestors.push_back(identity);
  out.type = LuaValue::Type::Table;

  lua_pushvalue(L_, index);
  if (lua_rawget(L_, walk.lines_index) == LUA_TNUMBER) out.line = static_cast<int>(lua_tointeger(L_, -1));
  lua_pop(L_, 1);

  lua_pushnil(L_);
  while (lua_next(L_, index)) {
    const int value_index = lua_gettop(L_);
    const std::size_t path_length = walk.path.size();
    LuaValue* slot = nullptr;
    if (lua_type(L_, -2) == LUA_TSTRING) {
      std::size_t length = 0;
      const char* key = lua_tolstring(L_, -2, &length);
      walk.bytes += length;
      out.fields.push_back({std::string(key, length), {}});
      slot = &out.fields.back().value;
      walk.path += "." + out.fields.back().key;
    } else if (lua_isinteger(L_, -2)) {
      out.items.push_back({static_cast<long long>(lua_tointeger(L_, -2)), {}});
      slot = &out.items.back().value;
      walk.path += "[" + std::to_string(out.items.back().index) + "]";
    } else {
      out.odd_keys.push_back(describe_odd_key(L_, -2));
      lua_pop(L_, 1);
      continue;
    }
    if (!read_value(value_index, *slot, walk)) return false;
    walk.path.resize(path_length);
    lua_pop(L_, 1);
  }
  walk.ancestors.pop_back();
  std::sort(out.fields.begin(), out.fields.end(), [](const LuaField& a, const LuaField& b) { return a.key < b.key; });
  std::sort(out.items.begin(), out.items.end(), [](const LuaItem& a, const LuaItem& b) { return a.index < b.index; });
  return true;
}

}  // namespace perfloop
