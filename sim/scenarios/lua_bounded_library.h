// The standard library functions that can loop inside C for as long as
// their arguments say, replaced by bounded ones. The sandbox's hooks run
// only between Lua instructions and at calls, so one call such as
// string.rep("", 1 << 62) or table.move({}, 1, 1 << 62, 1, {}) would
// otherwise run past every limit. Each bound is worked out from the
// arguments before any work is done, so the same script is refused the same
// way on every machine:
// - string.rep: the result must fit in the memory limit; empty results
//   return at once.
// - string.find/match/gmatch/gsub: the pattern is at most 256 bytes, and the
//   worst case of Lua's backtracking matcher for it on the subject's length
//   (pattern bytes × (subject bytes + 1) ^ (repetitions, %b and back
//   references, plus one unless anchored) × 2 ^ optional items) is at most
//   kPatternSteps.
//   gsub's replacement string counts once per possible match.
// - table.move, table.insert, table.remove: at most as many elements as the
//   memory limit could hold (16 bytes each); insert and remove are our own,
//   so a __len metamethod cannot answer one length to the check and another
//   to the loop.
// - table.sort with Lua's own comparison: n log2 n comparisons, each
//   scanning up to the longest string's bytes, at most kPatternSteps.
// The worst case is charged to the sandbox's instruction budget as well, so
// a loop of cheap-looking calls ends at the instruction limit, the same way
// on every machine.
#pragma once

#include <cstddef>
#include <cstdint>

struct lua_State;

namespace perfloop {

// What the bounded functions need from the sandbox: its memory limit, and a
// counter of work done outside instructions, which the sandbox's count hook
// adds to the instructions it has counted.
struct LibraryBudget {
  std::size_t memory_bytes = 0;
  std::uint64_t charged = 0;
};

inline constexpr double kPatternSteps = 268435456.0;  // 2^28: well under a second of matching
inline constexpr std::size_t kPatternBytes = 256;

// Replaces the functions above in the string and table libraries (already
// opened). Allocates Lua memory: call it inside a protected call.
void install_bounded_library(lua_State* L, LibraryBudget* budget);

// The worst-case step count the pattern rule above gives; exposed for tests.
double pattern_worst_case(const char* pattern, std::size_t pattern_bytes, std::size_t subject_bytes, bool may_anchor);

}  // namespace perfloop
