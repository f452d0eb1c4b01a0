// Every function here is called by Lua: no C++ object with a destructor, no
// exception, errors only through luaL_error (a longjmp).
#include "sim/scenarios/lua_bounded_library.h"

#include <lua.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace perfloop {

namespace {

LibraryBudget& budget_of(lua_State* L) { return *static_cast<LibraryBudget*>(lua_touserdata(L, lua_upvalueindex(1))); }

// The most elements any table in the sandbox could hold: an array slot takes
// 16 bytes, so a longer loop can only walk over nils and metamethods.
lua_Integer element_limit(const LibraryBudget& budget) { return static_cast<lua_Integer>(budget.memory_bytes / 16); }

void charge(LibraryBudget& budget, double units) {
  budget.charged += units >= 1e18 ? std::uint64_t{1000000000000000000} : static_cast<std::uint64_t>(units);
}

// Calls the original library function (upvalue 2) with this call's arguments.
int call_original(lua_State* L) {
  const int arguments = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_insert(L, 1);
  lua_call(L, arguments, LUA_MULTRET);
  return lua_gettop(L);
}

// --- string.rep -------------------------------------------------------------

int bounded_rep(lua_State* L) {
  std::size_t length = 0, separator = 0;
  luaL_checklstring(L, 1, &length);
  const lua_Integer count = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &separator);
  if (count <= 0 || length + separator == 0) {  // nothing to build: Lua would still loop `count` times
    lua_pushliteral(L, "");
    return 1;
  }
  const double bytes = static_cast<double>(count) * static_cast<double>(length) +
                       static_cast<double>(count - 1) * static_cast<double>(separator);
  const LibraryBudget& budget = budget_of(L);
  if (bytes > static_cast<double>(budget.memory_bytes)) {
    char size[32];  // lua_pushfstring has no precision: format here
    std::snprintf(size, sizeof size, "%.4g", bytes / 1048576.0);
    return luaL_error(L, "string.rep: the result would be %s MiB, more than the sandbox's memory limit (%d MiB)", size,
                      static_cast<int>(budget.memory_bytes >> 20));
  }
  return call_original(L);
}

// --- string.find, match, gmatch, gsub ----------------------------------------

enum PatternFunction { kFind = 0, kMatch = 1, kGmatch = 2, kGsub = 3 };

// Skips one single-character class starting at p[i] (., %x, [set] or a
// literal); returns the index after it. Lenient with malformed patterns:
// Lua itself reports those.
std::size_t skip_class(const char* p, std::size_t m, std::size_t i) {
  if (p[i] == '%') return std::min(m, i + 2);
  if (p[i] != '[') return i + 1;
  ++i;
  if (i < m && p[i] == '^') ++i;
  if (i < m && p[i] == ']') ++i;  // a ']' first in a set is itself
  while (i < m && p[i] != ']') i += p[i] == '%' ? 2 : 1;
  return std::min(m, i + 1);
}

}  // namespace

double pattern_worst_case(const char* p, std::size_t m, std::size_t n, bool may_anchor) {
  std::size_t i = 0;
  bool anchored = false;
  if (may_anchor && m > 0 && p[0] == '^') {
    anchored = true;
    i = 1;
  }
  int growth = anchored ? 0 : 1;  // each start position is one more try
  int optional = 0;
  while (i < m) {
    const char c = p[i];
    if (c == '(' || c == ')') {
      ++i;
      continue;
    }
    if (c == '%' && i + 1 < m) {
      const char k = p[i + 1];
      if (k == 'b') {  // %bxy: a scan to the balancing character
        ++growth;
        i += 4;
        continue;
      }
      if (k == 'f') {  // %f[set]: a test at one position
        i = skip_class(p, m, i + 2);
        continue;
      }
      if (k >= '1' && k <= '9') {  // a back reference compares up to the whole capture
        ++growth;
        i += 2;
        continue;
      }
    }
    i = skip_class(p, m, i);
    if (i < m && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
      ++growth;
      ++i;
    } else if (i < m && p[i] == '?') {
      ++optional;
      ++i;
    }
  }
  const double steps = static_cast<double>(m == 0 ? 1 : m) * std::pow(static_cast<double>(n) + 1.0, growth) *
                       std::pow(2.0, optional);
  return steps;
}

namespace {

int bounded_pattern(lua_State* L) {
  std::size_t subject = 0, length = 0;
  luaL_checklstring(L, 1, &subject);
  const char* pattern = luaL_checklstring(L, 2, &length);
  const auto function = static_cast<PatternFunction>(lua_tointeger(L, lua_upvalueindex(3)));
  static const char* const kNames[] = {"string.find", "string.match", "string.gmatch", "string.gsub"};
  const char* name = kNames[function];
  // string.find(s, needle, init, true) looks for the needle as it is.
  const bool plain = function == kFind && lua_toboolean(L, 4);
  if (!plain && length > kPatternBytes)
    return luaL_error(L, "pattern too long (%d bytes, at most %d allowed)", static_cast<int>(length),
                      static_cast<int>(kPatternBytes));
  double steps = plain ? static_cast<double>(length) * (static_cast<double>(subject) + 1.0)
                       : pattern_worst_case(pattern, length, subject, function != kGmatch);
  // gsub writes its replacement at every match, reading it whole each time
  // (a replacement of "%0" escapes adds nothing, yet takes as long).
  std::size_t replacement = 0;
  if (function == kGsub && lua_type(L, 3) == LUA_TSTRING) lua_tolstring(L, 3, &replacement);
  steps += (static_cast<double>(subject) + 1.0) * static_cast<double>(replacement);
  if (steps > kPatternSteps) {
    char figures[96];  // lua_pushfstring has no precision: format here
    std::snprintf(figures, sizeof figures, "%.3g steps on a %zu-byte subject (at most %.3g allowed)", steps, subject,
                  kPatternSteps);
    return luaL_error(L, "%s: this pattern could take %s; use a shorter subject, or fewer repeated or optional items",
                      name, figures);
  }
  // Charged at its worst case, so that a loop of such calls meets the
  // instruction limit the same way on every machine; a plain search runs
  // at memchr and memcmp speed, a few dozen bytes an instruction.
  charge(budget_of(L), plain ? static_cast<double>(subject) / 8.0 + steps / 64.0 : steps / 4.0);
  return call_original(L);
}

// --- table.move, insert, remove ---------------------------------------------

int bounded_move(lua_State* L) {
  const lua_Integer first = luaL_checkinteger(L, 2);
  const lua_Integer last = luaL_checkinteger(L, 3);
  luaL_checkinteger(L, 4);
  if (last >= first) {
    LibraryBudget& budget = budget_of(L);
    // Unsigned: the whole integer range wraps around to 0.
    const lua_Unsigned count = static_cast<lua_Unsigned>(last) - static_cast<lua_Unsigned>(first) + 1u;
    if (count == 0 || count > static_cast<lua_Unsigned>(element_limit(budget)))
      return luaL_error(L, "table.move: %I to %I is more elements than a table in the sandbox can hold (%I)", first,
                        last, element_limit(budget));
    charge(budget, static_cast<double>(count));
  }
  return call_original(L);
}

// #t, once, refused beyond what a table could hold.
lua_Integer checked_length(lua_State* L, const char* name) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Integer length = luaL_len(L, 1);
  LibraryBudget& budget = budget_of(L);
  if (length < 0 || length > element_limit(budget))
    luaL_error(L, "%s: the table's length is %I, more than a table in the sandbox can hold (%I)", name, length,
               element_limit(budget));
  return length;
}

// table.insert(t, value) appends; table.insert(t, pos, value) shifts
// t[pos..#t] up by one first.
int bounded_insert(lua_State* L) {
  const lua_Integer length = checked_length(L, "table.insert");
  lua_Integer position = length + 1;
  switch (lua_gettop(L)) {
    case 2: break;
    case 3: {
      position = luaL_checkinteger(L, 2);
      luaL_argcheck(L, position >= 1 && position <= length + 1, 2, "position out of bounds");
      charge(budget_of(L), static_cast<double>(length - position + 1));
      for (lua_Integer i = length + 1; i > position; --i) {
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i);
      }
      break;
    }
    default: return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, position);  // the value, last on the stack
  return 0;
}

// table.remove(t [, pos]) returns t[pos] (default #t) and shifts the rest down.
int bounded_remove(lua_State* L) {
  const lua_Integer length = checked_length(L, "table.remove");
  lua_Integer position = luaL_optinteger(L, 2, length);
  if (position != length)
    luaL_argcheck(L, position >= 1 && position <= length + 1, 2, "position out of bounds");
  charge(budget_of(L), static_cast<double>(length > position ? length - position : 0));
  lua_geti(L, 1, position);
  for (; position < length; ++position) {
    lua_geti(L, 1, position + 1);
    lua_seti(L, 1, position);
  }
  lua_pushnil(L);
  lua_seti(L, 1, position);
  return 1;
}

// table.sort(t [, less]): with Lua's own comparison, comparing two long
// strings is one step of the VM but scans them whole, inside the one C
// call; the worst case is bounded (and charged) from the longest string.
int bounded_sort(lua_State* L) {
  const lua_Integer length = checked_length(L, "table.sort");
  double longest = 0.0;
  if (lua_isnoneornil(L, 2)) {
    for (lua_Integer i = 1; i <= length; ++i) {
      std::size_t bytes = 0;
      if (lua_geti(L, 1, i) == LUA_TSTRING) lua_tolstring(L, -1, &bytes);
      longest = std::max(longest, static_cast<double>(bytes));
      lua_pop(L, 1);
    }
  }
  const double n = static_cast<double>(length);
  const double steps = n * std::log2(n + 1.0) * (1.0 + longest / 64.0);
  if (steps > kPatternSteps) {
    char figures[96];  // lua_pushfstring has no precision: format here
    std::snprintf(figures, sizeof figures, "%.3g steps (%.0f values, strings up to %.0f bytes; at most %.3g allowed)",
                  steps, n, longest, kPatternSteps);
    return luaL_error(L, "table.sort: sorting this could take %s", figures);
  }
  charge(budget_of(L), steps);
  return call_original(L);
}

// library[name] = closure(budget, original, extra...)
void wrap(lua_State* L, int library, const char* name, lua_CFunction bounded, LibraryBudget* budget, int extra = -1) {
  lua_pushlightuserdata(L, budget);
  lua_getfield(L, library, name);
  int upvalues = 2;
  if (extra >= 0) {
    lua_pushinteger(L, extra);
    ++upvalues;
  }
  lua_pushcclosure(L, bounded, upvalues);
  lua_setfield(L, library, name);
}

}  // namespace

void install_bounded_library(lua_State* L, LibraryBudget* budget) {
  lua_getglobal(L, "string");
  const int string = lua_gettop(L);
  wrap(L, string, "rep", bounded_rep, budget);
  wrap(L, string, "find", bounded_pattern, budget, kFind);
  wrap(L, string, "match", bounded_pattern, budget, kMatch);
  wrap(L, string, "gmatch", bounded_pattern, budget, kGmatch);
  wrap(L, string, "gsub", bounded_pattern, budget, kGsub);
  lua_getglobal(L, "table");
  const int table = lua_gettop(L);
  wrap(L, table, "move", bounded_move, budget);
  wrap(L, table, "insert", bounded_insert, budget);
  wrap(L, table, "remove", bounded_remove, budget);
  wrap(L, table, "sort", bounded_sort, budget);
  lua_pop(L, 2);
}

}  // namespace perfloop
