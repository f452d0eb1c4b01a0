// The Lua sandbox refuses what a scenario must not do, stops what would run
// away, and says which of the two happened, quickly.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/scenarios/lua_sandbox.h"
#include "sim/scenarios/scenario_loader.h"

using namespace perfloop;

namespace {

std::string sandbox_fixture(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / "scenarios" / name).string();
}

std::string write_sandbox_temp(const std::string& name, const std::string& bytes) {
  const auto dir = std::filesystem::temp_directory_path() / ("perfloop_sandbox_tests_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

struct Refusal {
  std::string what;
  int line = 0;
};

// The sandbox's own limits with a clock too long to matter: whichever
// machine runs the test, the instruction limit is the one that trips.
ScriptOptions without_clock() {
  ScriptOptions options;
  options.limits.wall_time = std::chrono::minutes(10);
  return options;
}

// Loads a script that must fail, in its own process as the app does; reports the error.
Refusal refuse(const std::string& path) {
  try {
    ScenarioScript::load(path, without_clock());
  } catch (const ScenarioError& e) {
    return {e.what(), e.line()};
  }
  FAIL("loaded without error: " << path);
  return {};
}

struct Case {
  const char* fixture;
  std::vector<const char*> expected;  // substrings of what()
};

// A small memory and instruction limit; the clock is long enough never to matter.
const SandboxLimits kQuickLimits{std::size_t{16} << 20, 50'000'000, std::chrono::minutes(10)};

std::string snapshot_text(LuaSandbox& sandbox, LuaRef ref) {
  LuaValue value;
  REQUIRE_FALSE(sandbox.snapshot(ref, value));
  REQUIRE(value.type == LuaValue::Type::String);
  return value.text;
}

}  // namespace

TEST_CASE("sandbox refuses unsafe or runaway scripts with a reason", "[sandbox]") {
  const Case cases[] = {
      {"sandbox_os_execute.lua", {"sandbox_os_execute.lua:2:", "unknown global 'os'"}},
      {"sandbox_io_open.lua", {"sandbox_io_open.lua:2:", "unknown global 'io'"}},
      {"sandbox_require.lua", {"unknown global 'require'"}},
      {"sandbox_load.lua", {"unknown global 'load'"}},
      {"sandbox_string_dump.lua", {"sandbox_string_dump.lua:2:", "dump"}},
      {"sandbox_endless_loop.lua", {"instruction limit (200000000 instructions) exceeded"}},
      {"sandbox_pcall_loop.lua", {"instruction limit"}},
      {"sandbox_xpcall_handler_loop.lua", {"instruction limit"}},
      {"sandbox_huge_string.lua", {"sandbox_huge_string.lua:2:", "string.rep: the result would be 1024 MiB"}},
      {"sandbox_memory_pcall.lua", {"memory limit (64 MiB) exceeded"}},
      {"sandbox_table_growth.lua", {"memory limit (64 MiB) exceeded"}},
      {"sandbox_error_table.lua", {"sandbox_error_table.lua:3:", "error object is a table value"}},
      {"sandbox_unknown_global.lua", {"sandbox_unknown_global.lua:3:", "unknown global 'rsp'"}},
      {"sandbox_global_assignment.lua", {"assignment to undeclared global 'total' (use local)"}},
      {"sandbox_gc_metamethod.lua", {"__gc metamethods are not allowed"}},
      {"sandbox_long_pattern.lua", {"pattern too long (400 bytes"}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.fixture) {
      const Refusal refusal = refuse(sandbox_fixture(c.fixture));
      INFO(refusal.what);
      for (const char* part : c.expected) CHECK(refusal.what.find(part) != std::string::npos);
    }
  }
}

TEST_CASE("a syntax error names the file and the line", "[sandbox]") {
  const std::string path = sandbox_fixture("sandbox_syntax_error.lua");
  try {
    ScenarioScript::load(path);
    FAIL("loaded a script with a syntax error");
  } catch (const ScenarioError& e) {
    CHECK(e.file() == path);
    CHECK(e.line() == 4);
    CHECK(std::string(e.what()).rfind(path + ":4: ", 0) == 0);
    CHECK(e.message().find("near 'params'") != std::string::npos);
  }
}

TEST_CASE("binary chunks are refused", "[sandbox]") {
  const std::string header("\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08", 15);  // what string.dump writes first
  const std::string path = write_sandbox_temp("binary.lua", header);
  const Refusal refusal = refuse(path);
  INFO(refusal.what);
  CHECK(refusal.what.find("binary") != std::string::npos);
}

TEST_CASE("a missing file says so", "[sandbox]") {
  const Refusal refusal = refuse("/nonexistent/perfloop/nothing.lua");
  CHECK(refusal.what == "/nonexistent/perfloop/nothing.lua: cannot open file: no such file");
}

TEST_CASE("a changed string metatable does not leak into the next scenario", "[sandbox]") {
  const ScenarioScript first = ScenarioScript::load(sandbox_fixture("sandbox_string_metatable_a.lua"));
  CHECK(first.title() == "hijacked");  // the change did take effect inside its own state
  const ScenarioScript second = ScenarioScript::load(sandbox_fixture("sandbox_string_metatable_b.lua"));
  CHECK(second.title() == "CHECKOUT");
}

TEST_CASE("limits also apply to build(p), and a spent script stays refused", "[sandbox]") {
  const std::string path = write_sandbox_temp("build_loop.lua", R"lua(
return {
  id = "build-loop",
  title = "loops in build",
  build = function(p)
    while true do end
  end,
}
)lua");
  ScenarioScript script = ScenarioScript::load(path, without_clock());
  try {
    script.build({});
    FAIL("build returned");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("build_loop.lua:6: instruction limit") != std::string::npos);
  }
  try {
    script.build({});
    FAIL("build returned");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("in an earlier call") != std::string::npos);
  }
}

TEST_CASE("the time limit catches loops of expensive C calls", "[sandbox]") {
  // Each iteration is a few instructions but an upper() of 8 MiB (a few ms).
  // With no instruction limit, only the clock can stop it: checking it only
  // every 1000 instructions would take seconds; the calls check it too.
  LuaSandbox sandbox(SandboxLimits{std::size_t{64} << 20, ~std::uint64_t{0}, std::chrono::milliseconds(300)}, 1, "");
  LuaRef result = -1;
  const auto failure = sandbox.run_chunk("local s = string.rep('x', 8 << 20)\nwhile true do local u = s:upper() end",
                                         "c_calls.lua", result);
  REQUIRE(failure);
  CHECK(failure->limit_exceeded);
  CHECK(failure->message == "time limit (0.3 s) exceeded");
  CHECK(failure->line == 2);
}

TEST_CASE("a custom memory limit is reported with its size", "[sandbox]") {
  LuaSandbox sandbox(kQuickLimits, 1, "");
  LuaRef result = -1;
  const auto failure = sandbox.run_chunk("local t = {}\nfor i = 1, 1 << 30 do t[i] = i end", "big.lua", result);
  REQUIRE(failure);
  CHECK(failure->message == "memory limit (16 MiB) exceeded");
  CHECK(sandbox.memory_used() <= kQuickLimits.memory_bytes);
}

TEST_CASE("ordinary error handling still works inside the sandbox", "[sandbox]") {
  LuaSandbox sandbox(kQuickLimits, 1, "");
  LuaRef result = -1;
  REQUIRE_FALSE(sandbox.run_chunk(R"lua(
    local ok, message = pcall(error, "plain")
    assert(not ok and message == "plain")
    local _, handled = xpcall(function() error("boom", 0) end, function(m) return "handled: " .. m end)
    assert(getmetatable(_G) == false)
    assert(not pcall(setmetatable, _G, nil))
    assert(not pcall(function() return print end))
    return handled
  )lua",
                                  "errors.lua", result));
  CHECK(snapshot_text(sandbox, result) == "handled: boom");
}

TEST_CASE("math.random follows the sandbox seed", "[sandbox]") {
  const char* script = "return string.format('%.17g %d %d %d', math.random(), math.random(6), math.random(10, 20), "
                       "math.random(-3, -3))";
  auto run = [&](std::uint64_t seed) {
    LuaSandbox sandbox(kQuickLimits, seed, "");
    LuaRef result = -1;
    REQUIRE_FALSE(sandbox.run_chunk(script, "random.lua", result));
    return snapshot_text(sandbox, result);
  };
  const std::string first = run(42);
  CHECK(first == run(42));
  CHECK(first != run(43));

  LuaSandbox sandbox(kQuickLimits, 7, "");
  LuaRef result = -1;
  REQUIRE_FALSE(sandbox.run_chunk(R"lua(
    for _ = 1, 10000 do
      local f = math.random()
      assert(f >= 0 and f < 1)
      local d = math.random(6)
      assert(d >= 1 and d <= 6 and math.type(d) == "integer")
      local r = math.random(10, 12)
      assert(r >= 10 and r <= 12)
    end
    math.randomseed(5); local a = math.random(1000000)
    math.randomseed(5); local b = math.random(1000000)
    assert(a == b)
    local ok, message = pcall(math.random, 3, 1)
    assert(not ok and message:find("interval is empty"))
    return "ok"
  )lua",
                                  "random_range.lua", result));
  CHECK(snapshot_text(sandbox, result) == "ok");
}

TEST_CASE("snapshots read raw and refuse cycles", "[sandbox]") {
  LuaSandbox sandbox(kQuickLimits, 1, "");
  LuaRef result = -1;
  // A trap in __index and __pairs: a snapshot must not trigger either.
  REQUIRE_FALSE(sandbox.run_chunk(R"lua(
    local trap = function() while true do end end
    return setmetatable({ a = 1, 10, 20 }, { __index = trap, __pairs = trap })
  )lua",
                                  "raw.lua", result));
  LuaValue value;
  REQUIRE_FALSE(sandbox.snapshot(result, value));  // the trap would never return
  REQUIRE(value.is_table());
  REQUIRE(value.field("a"));
  CHECK(value.field("a")->number == 1.0);
  CHECK(value.field("b") == nullptr);
  REQUIRE(value.items.size() == 2);
  CHECK(value.items[1].index == 2);
  CHECK(value.items[1].value.number == 20.0);

  REQUIRE_FALSE(sandbox.run_chunk("local t = { inner = {} }\nt.inner.back = t\nreturn t", "cycle.lua", result));
  const auto failure = sandbox.snapshot(result, value);
  REQUIRE(failure);
  CHECK(failure->message == "inner.back: contains itself (a cycle)");
}

TEST_CASE("the prelude's mark records the line of the constructor call", "[sandbox]") {
  LuaSandbox sandbox(kQuickLimits, 1, "local mark = ...\nfunction tag(t) mark(t) return t end");
  LuaRef result = -1;
  REQUIRE_FALSE(sandbox.run_chunk("local a = 1\nreturn { first = tag {}, plain = {},\n  second = tag { 1 } }",
                                  "lines.lua", result));
  LuaValue value;
  REQUIRE_FALSE(sandbox.snapshot(result, value));
  CHECK(value.field("first")->line == 2);
  CHECK(value.field("second")->line == 3);
  CHECK(value.field("plain")->line == 0);
}

TEST_CASE("pairs and next visit keys in one fixed order, run after run", "[sandbox][determinism]") {
  // Lua's own order follows string hashes seeded per state; built endpoints
  // must not. Each load is a fresh lua_State with a fresh hash seed.
  const std::string script = R"lua(
local names = { "zeta", "alpha", "mike", "delta", "kilo", "echo", "bravo", "quebec", "lima", "yankee",
                "hotel", "oscar", "golf", "xray", "india", "juliet", "papa", "romeo", "sierra", "tango" }
local shares = { [3] = "three", [1] = "one", [2] = "two" }
for _, n in ipairs(names) do shares[n] = #n end
return {
  id = "ordered",
  title = "ordered iteration",
  params = { b = { default = 2 }, a = { default = 1 }, c = { default = 3 } },
  build = function(p)
    local endpoints = {}
    for name, share in pairs(shares) do
      endpoints[#endpoints + 1] = { name = "/" .. tostring(name), share = type(share) == "number" and share or 1,
        root = span { name = "r", cpu { frame = "f", ms = 1 } } }
    end
    local order = ""
    for k in pairs(p) do order = order .. k end
    local first = next(shares)
    return { duration_s = 60, service = { name = "s" }, load = { rps = 1 }, endpoints = endpoints,
             timeline = { { at_s = 1, text = order .. ":" .. tostring(first) } } }
  end,
}
)lua";
  const std::string path = write_sandbox_temp("ordered.lua", script);
  for (int attempt = 0; attempt < 5; ++attempt) {
    ScenarioScript loaded = ScenarioScript::load(path);
    const ScenarioBuild build = loaded.build(loaded.resolve({}));
    std::vector<std::string> names;
    for (const auto& e : build.model.endpoints) names.push_back(e.name);
    REQUIRE(names.size() == 23);
    CHECK(names[0] == "/1");
    CHECK(names[1] == "/2");
    CHECK(names[2] == "/3");
    CHECK(std::is_sorted(names.begin() + 3, names.end()));
    CHECK(build.timeline.at(0).text == "abc:1");
  }
}

TEST_CASE("pairs refuses keys that have no fixed order", "[sandbox][determinism]") {
  const std::string path = write_sandbox_temp(
      "table_keys.lua", "local t = { [{}] = 1, [{}] = 2 }\nfor k in pairs(t) do end\nreturn {}\n");
  try {
    ScenarioScript::load(path);
    FAIL("loaded");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).find("table_keys.lua:2: pairs/next: table keys have no fixed order") != std::string::npos);
  }
}
