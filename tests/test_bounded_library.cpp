// The library functions that would loop inside C as long as their arguments
// say are bounded by those arguments first, the same way on every machine;
// ordinary uses behave as Lua's own. Work done outside instructions (calls,
// allocated memory) counts against the instruction limit.
#include <catch2/catch.hpp>

#include <string>

#include "sim/scenarios/lua_bounded_library.h"
#include "sim/scenarios/lua_sandbox.h"

using namespace perfloop;

namespace {

// No clock worth the name: only the instruction and memory limits can stop a script here.
const SandboxLimits kLimits{std::size_t{64} << 20, 200'000'000, std::chrono::minutes(10)};

// Runs `chunk`; returns its string result, or "error: <message>".
std::string run(const std::string& chunk, const SandboxLimits& limits = kLimits) {
  LuaSandbox sandbox(limits, 1, "");
  LuaRef result = -1;
  if (auto failure = sandbox.run_chunk(chunk, "library.lua", result)) return "error: " + failure->message;
  LuaValue value;
  if (auto failure = sandbox.snapshot(result, value)) return "error: " + failure->message;
  return value.type == LuaValue::Type::String ? value.text : "(" + value.type_name() + ")";
}

}  // namespace

TEST_CASE("string.rep builds what fits and refuses what cannot", "[sandbox][library]") {
  CHECK(run("return string.rep('ab', 3, ',')") == "ab,ab,ab");
  CHECK(run("return string.rep('x', 0) .. '|' .. string.rep('x', -4)") == "|");
  // Lua would loop 2^62 times producing nothing; the bounded one answers at once.
  CHECK(run("return '[' .. string.rep('', 1 << 62) .. string.rep('', 1 << 62, '') .. ']'") == "[]");
  CHECK(run("return string.rep('x', 1 << 40)") ==
        "error: string.rep: the result would be 1.049e+06 MiB, more than the sandbox's memory limit (64 MiB)");
  CHECK(run("return string.rep('', 1 << 40, ',')").rfind("error: string.rep: the result would be", 0) == 0);
}

TEST_CASE("table.move moves as Lua does and refuses a range no table can hold", "[sandbox][library]") {
  CHECK(run("local t = table.move({1, 2, 3}, 1, 3, 2) return table.concat(t, ',')") == "1,1,2,3");
  CHECK(run("local t = table.move({1, 2, 3}, 2, 3, 1, {}) return table.concat(t, ',')") == "2,3");
  CHECK(run("return #table.move({}, 5, 1, 1, {}) .. ''") == "0");  // an empty range
  CHECK(run("table.move({}, 1, 1 << 62, 1, {})") ==
        "error: table.move: 1 to 4611686018427387904 is more elements than a table in the sandbox can hold (4194304)");
  CHECK(run("table.move({}, math.mininteger, math.maxinteger, 1, {})").rfind("error: table.move: ", 0) == 0);
}

TEST_CASE("table.insert and table.remove are Lua's, with a length that cannot lie", "[sandbox][library]") {
  CHECK(run("local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) return table.concat(t, ',')") ==
        "0,1,2,3,4");
  CHECK(run("local t = {1, 2, 3} local a = table.remove(t) local b = table.remove(t, 1) "
            "return a .. b .. table.concat(t, ',') .. #t") == "3121");
  CHECK(run("local t = {} local x = table.remove(t) return tostring(x) .. #t") == "nil0");
  CHECK(run("table.insert({1}, 5, 'x')") == "error: bad argument #2 to 'insert' (position out of bounds)");
  CHECK(run("table.remove({1, 2}, 7)") == "error: bad argument #2 to 'remove' (position out of bounds)");
  CHECK(run("table.insert({}, 1, 2, 3)") == "error: wrong number of arguments to 'insert'");
  // A __len that claims 2^62 elements would make Lua's own insert and remove
  // shift that many nils, inside one C call.
  const std::string liar = "local t = setmetatable({}, { __len = function() return 1 << 62 end }) ";
  CHECK(run(liar + "table.insert(t, 1, 'x')") ==
        "error: table.insert: the table's length is 4611686018427387904, more than a table in the sandbox can hold "
        "(4194304)");
  CHECK(run(liar + "table.remove(t, 1)").rfind("error: table.remove: the table's length is", 0) == 0);
}

TEST_CASE("the pattern functions give Lua's results", "[sandbox][library]") {
  CHECK(run("local s, e = string.find('hello world', 'o w') return s .. ',' .. e") == "5,7");
  CHECK(run("return (string.gsub('a=1, b=2', '(%w+)=(%w+)', '%2=%1'))") == "1=a, 2=b");
  CHECK(run("return string.match('  trimmed  ', '^%s*(.-)%s*$')") == "trimmed");
  CHECK(run("local out = '' for k in string.gmatch('one two three', '%a+') do out = out .. k:sub(1, 1) end return out") ==
        "ott");
  CHECK(run("return tostring(string.find('a.b', '.', 1, true))") == "2");
  CHECK(run("return string.find(string.rep('x', 300), '(', 1, true) == nil and 'none' or 'found'") == "none");
}

TEST_CASE("a pattern whose worst case is too long is refused before it runs", "[sandbox][library]") {
  // Lua's matcher backtracks: 12 lazy items on 40 bytes could take 10^20 steps.
  CHECK(run("string.find(string.rep('a', 40), 'a-a-a-a-a-a-a-a-a-a-a-a-b')") ==
        "error: string.find: this pattern could take 2.31e+22 steps on a 40-byte subject (at most 2.68e+08 allowed); "
        "use a shorter subject, or fewer repeated or optional items");
  CHECK(run("string.match(string.rep(' ', 5000), '^%s*(.-)%s*$')").rfind("error: string.match: this pattern", 0) == 0);
  CHECK(run("for _ in string.gmatch(string.rep('ab', 20000), '(a*)(b*)(a*)') do end").rfind("error: string.gmatch", 0) == 0);
  CHECK(run("string.gsub(string.rep('x', 100000), '%w+%w+', '')").rfind("error: string.gsub", 0) == 0);
  // A plain search costs needle × subject.
  CHECK(run("string.find(string.rep('a', 1 << 22), string.rep('a', 1 << 10) .. 'b', 1, true)")
            .rfind("error: string.find: this pattern could take 4.3e+09 steps", 0) == 0);
  CHECK(run("string.find('x', string.rep('y', 300))") == "error: pattern too long (300 bytes, at most 256 allowed)");
}

TEST_CASE("the pattern rule's worst case follows the pattern's shape", "[sandbox][library]") {
  const auto cost = [](const std::string& pattern, std::size_t subject, bool may_anchor = true) {
    return pattern_worst_case(pattern.data(), pattern.size(), subject, may_anchor);
  };
  CHECK(cost("abc", 99) == 3.0 * 100);                  // literal: a try per start position
  CHECK(cost("^abc", 99) == 4.0);                       // anchored: one try
  CHECK(cost("a-b", 99) == 3.0 * 100 * 100);            // one repetition
  CHECK(cost("^%s*(.-)%s*$", 99) == 12.0 * 100 * 100 * 100);
  CHECK(cost("colou?r", 99) == 7.0 * 100 * 2);          // an optional item doubles
  CHECK(cost("%b()", 99) == 4.0 * 100 * 100);           // a balanced match scans
  CHECK(cost("(%a+)=%1", 99) == 8.0 * 100 * 100 * 100);  // a back reference compares
  CHECK(cost("[%]*]", 99) == 5.0 * 100);                // a '*' inside a set repeats nothing
  CHECK(cost("^a*", 99, false) == 3.0 * 100 * 100);     // gmatch: '^' is no anchor
}

TEST_CASE("allocated memory and calls count against the instruction limit", "[sandbox][library]") {
  const SandboxLimits small{std::size_t{64} << 20, 5'000'000, std::chrono::minutes(10)};
  // 1000 concatenations of a 1 MiB string are a few thousand instructions,
  // but a gigabyte copied: charged 64 bytes an instruction, they pass 5 million.
  const std::string copies = "local s = string.rep('x', 1 << 20) for i = 1, 1000 do local t = s .. i end return 'done'";
  CHECK(run(copies, small) == "error: instruction limit (5000000 instructions) exceeded");
  CHECK(run(copies) == "done");
  // A million calls to a C function: about 4 instructions each, plus the call's charge.
  const std::string calls = "local abs = math.abs for i = 1, 1000000 do abs(i) end return 'done'";
  CHECK(run(calls, small) == "error: instruction limit (5000000 instructions) exceeded");
  CHECK(run(calls) == "done");
  // The same loop without calls stays within the small limit.
  CHECK(run("local x = 0 for i = 1, 1000000 do x = x + i end return 'done'", small) == "done");
}

TEST_CASE("gsub's replacement, table.sort on long strings and weak keys are bounded too", "[sandbox][library]") {
  // A replacement of two million "%0" adds nothing at each match, yet reads the whole replacement each time.
  CHECK(run("string.gsub(string.rep('a', 2000), '', string.rep('%0', 2000000))") ==
        "error: string.gsub: this pattern could take 8e+09 steps on a 2000-byte subject (at most 2.68e+08 allowed); "
        "use a shorter subject, or fewer repeated or optional items");
  CHECK(run("return (string.gsub('a-b-c', '-', '+'))") == "a+b+c");
  // Each comparison of two equal 8 MB strings scans them whole, inside sort's one C call.
  CHECK(run("local s = string.rep('x', 8000000) local t = {} for i = 1, 3000 do t[i] = s end table.sort(t)") ==
        "error: table.sort: sorting this could take 4.33e+09 steps (3000 values, strings up to 8000000 bytes; at "
        "most 2.68e+08 allowed)");
  CHECK(run("local t = {3, 1, 2} table.sort(t) return table.concat(t, ',')") == "1,2,3");
  CHECK(run("local t = {'b', 'a'} table.sort(t, function(x, y) return x > y end) return table.concat(t)") == "ba");
  // Weak keys make the collector's ephemeron pass quadratic, where no hook runs.
  CHECK(run("setmetatable({}, { __mode = 'k' })") == "error: weak keys (__mode \"k\") are not allowed in scenarios");
  CHECK(run("setmetatable({}, { __mode = 'v' }) return 'weak values are fine'") == "weak values are fine");
}

TEST_CASE("a loop of costly pattern calls meets the instruction limit, not the clock", "[sandbox][library]") {
  // Each call is allowed (1.4e8 steps at worst) but charged at its worst case, so the
  // loop stops at the same call on every machine.
  const SandboxLimits small{std::size_t{64} << 20, 50'000'000, std::chrono::minutes(10)};
  CHECK(run("local s = string.rep('a', 300) for i = 1, 100 do string.find(s, '.-.-b') end return 'done'", small) ==
        "error: instruction limit (50000000 instructions) exceeded");
}

TEST_CASE("a script has a total over all its calls", "[sandbox]") {
  // Each call stays under the per-call limit; the fourth passes the total.
  const SandboxLimits limits{std::size_t{64} << 20, 2'000'000, std::chrono::minutes(10), 5'000'000};
  LuaSandbox sandbox(limits, 1, "");
  LuaRef function = -1;
  REQUIRE_FALSE(sandbox.run_chunk("return function() local x = 0 for i = 1, 700000 do x = x + i end return x end",
                                  "total.lua", function));
  for (int call = 1; call <= 3; ++call) {
    LuaRef result = -1;
    INFO("call " << call);
    REQUIRE_FALSE(sandbox.call_with_params(function, {}, result));
  }
  LuaRef result = -1;
  const auto failure = sandbox.call_with_params(function, {}, result);
  REQUIRE(failure);
  CHECK(failure->limit_exceeded);
  CHECK(failure->message == "instruction limit for the whole script (5000000 instructions over all its calls) exceeded");
}
