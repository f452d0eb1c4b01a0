// Scenario scripts run in a child process: the results are the ones the
// in-process sandbox gives, and whatever happens to the child (stuck,
// crashed) the caller gets a refusal in time, never a hang.
#include <catch2/catch.hpp>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "sim/io/bounded_file.h"
#include "sim/scenarios/script_runner.h"
#include "sim/scenarios/script_wire.h"

using namespace perfloop;

namespace {

// This process's children: every process in /proc whose parent is this one.
std::set<pid_t> children() {
  std::set<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  REQUIRE(proc);
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    const FileRead stat = read_bounded_file(std::string("/proc/") + entry->d_name + "/stat", 1 << 12, "a stat file");
    // "pid (name) state ppid ...": the name may hold spaces, so read after its last ')'.
    const std::size_t close = stat.text.rfind(')');
    if (!stat.ok() || close == std::string::npos) continue;
    char state = 0;
    long parent = 0;
    if (std::sscanf(stat.text.c_str() + close + 1, " %c %ld", &state, &parent) == 2 && parent == ::getpid())
      pids.insert(static_cast<pid_t>(std::atol(entry->d_name)));
  }
  ::closedir(proc);
  return pids;
}

// The child a runner started: the one child that is new since `before`.
pid_t new_child(const std::set<pid_t>& before) {
  pid_t found = -1;
  for (pid_t pid : children())
    if (!before.count(pid)) found = pid;
  return found;
}

const char* kScript = R"lua(
local mark = 0
return {
  id = "doubling",
  build = function(p)
    mark = mark + 1
    return { twice = p.x * 2, calls = mark, random = math.random(1000000), text = ("%g items"):format(p.x),
             list = { 1, 2.5, "three", true }, nested = { deeper = { deepest = {} } } }
  end,
}
)lua";

std::string encoded(const LuaValue& value) {
  wire::Writer out(wire::kValue);
  out.value(value);
  return out.bytes();
}

SandboxLimits short_clock() {
  SandboxLimits limits;
  limits.wall_time = std::chrono::milliseconds(100);
  return limits;
}

}  // namespace

TEST_CASE("a script gives the same values in a child process as in process", "[sandbox][process]") {
  auto in_process = make_in_process_runner(SandboxLimits{});
  auto child = make_child_process_runner(SandboxLimits{});
  LuaValue header_in, header_child;
  REQUIRE_FALSE(in_process->open("", kScript, "doubling.lua", 7, "build", header_in));
  REQUIRE_FALSE(child->open("", kScript, "doubling.lua", 7, "build", header_child));
  CHECK(encoded(header_in) == encoded(header_child));
  for (double x : {1.0, 21.0, 0.5}) {
    LuaValue a, b;
    REQUIRE_FALSE(in_process->call(99, {{"x", x}}, a));
    REQUIRE_FALSE(child->call(99, {{"x", x}}, b));
    CHECK(encoded(a) == encoded(b));
    REQUIRE(b.field("twice"));
    CHECK(b.field("twice")->number == 2 * x);
  }
  LuaValue last;
  REQUIRE_FALSE(child->call(99, {{"x", 3}}, last));
  CHECK(last.field("calls")->number == 4);  // the child's state lives from call to call
}

TEST_CASE("a child that stops answering is killed at its deadline", "[sandbox][process]") {
  const auto before = children();
  auto runner = make_child_process_runner(short_clock());
  LuaValue header;
  REQUIRE_FALSE(runner->open("", kScript, "stuck.lua", 1, "build", header));
  const pid_t pid = new_child(before);
  REQUIRE(pid > 0);
  // A stopped process is what a C call that never returns looks like from
  // outside: no hook of the sandbox can run in it, and it never answers.
  REQUIRE(::kill(pid, SIGSTOP) == 0);
  LuaValue value;
  const auto failure = runner->call(1, {{"x", 1}}, value);
  REQUIRE(failure);
  CHECK(failure->limit_exceeded);
  CHECK(failure->message == "time limit (0.1 s) exceeded; the script was stopped inside a library call");
  CHECK(::kill(pid, 0) != 0);  // gone, and reaped
  const auto again = runner->call(1, {{"x", 1}}, value);
  REQUIRE(again);
  CHECK(again->message == failure->message + " (in an earlier call)");
}

TEST_CASE("a child that dies is reported, not waited for", "[sandbox][process]") {
  const auto before = children();
  auto runner = make_child_process_runner(SandboxLimits{});
  LuaValue header;
  REQUIRE_FALSE(runner->open("", kScript, "crash.lua", 1, "build", header));
  const pid_t pid = new_child(before);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGSEGV) == 0);
  LuaValue value;
  const auto failure = runner->call(1, {{"x", 1}}, value);
  REQUIRE(failure);
  CHECK(failure->message == "the script host stopped on signal 11 (out of memory, or a crash)");
}

TEST_CASE("the child keeps no descriptor of the parent's and is gone with its runner", "[sandbox][process]") {
  // A descriptor without close-on-exec, as a library might leave one.
  const int stray = ::open("/dev/null", O_RDONLY);
  REQUIRE(stray >= 0);
  const auto before = children();
  pid_t pid = -1;
  {
    auto runner = make_child_process_runner(SandboxLimits{});
    LuaValue header;
    REQUIRE_FALSE(runner->open("", kScript, "fds.lua", 1, "build", header));
    pid = new_child(before);
    REQUIRE(pid > 0);
    std::vector<int> open_fds;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
      open_fds.push_back(std::stoi(entry.path().filename().string()));
    // Past stdin, stdout and stderr, its socket alone: nothing else of this process's.
    CHECK(std::count_if(open_fds.begin(), open_fds.end(), [](int fd) { return fd > 2; }) == 1);
    CHECK(std::find(open_fds.begin(), open_fds.end(), stray) == open_fds.end());
  }
  CHECK(::kill(pid, 0) != 0);
  ::close(stray);
}

TEST_CASE("a script's errors and limits come back from the child as they happen in process", "[sandbox][process]") {
  for (const char* body : {"error('plain failure')", "while true do end", "local t = {} for i = 1, 1e9 do t[i] = i end"}) {
    SandboxLimits limits;
    limits.instructions = 5'000'000;
    limits.memory_bytes = std::size_t{16} << 20;
    limits.wall_time = std::chrono::minutes(10);
    auto in_process = make_in_process_runner(limits);
    auto child = make_child_process_runner(limits);
    LuaValue a, b;
    const auto expected = in_process->open("", body, "fails.lua", 1, "build", a);
    const auto got = child->open("", body, "fails.lua", 1, "build", b);
    REQUIRE(expected);
    REQUIRE(got);
    CHECK(got->message == expected->message);
    CHECK(got->line == expected->line);
    CHECK(got->limit_exceeded == expected->limit_exceeded);
  }
}

TEST_CASE("a message that claims more values than it can hold is refused without allocating them", "[sandbox][process]") {
  // A table that claims 2^60 fields.
  wire::Writer lie(wire::kValue);
  lie.u8(static_cast<std::uint8_t>(LuaValue::Type::Table));
  lie.i64(0);
  lie.u64(std::uint64_t{1} << 60);
  LuaValue value;
  wire::Reader in(lie.bytes());
  std::uint8_t kind = 0;
  REQUIRE(in.u8(kind));
  CHECK_FALSE(in.value(value));

  // Nested tables each claiming as many fields as the bytes left could hold:
  // the reader stops at wire::kMaxValues values in all.
  LuaValue wide;
  wide.type = LuaValue::Type::Table;
  for (std::size_t i = 0; i < wire::kMaxValues + 1; ++i) wide.items.push_back({static_cast<long long>(i + 1), {}});
  wire::Writer many(wire::kValue);
  many.value(wide);
  wire::Reader too_many(many.bytes());
  REQUIRE(too_many.u8(kind));
  CHECK_FALSE(too_many.value(value));
  wide.items.resize(wire::kMaxValues - 1);
  wire::Writer enough(wire::kValue);
  enough.value(wide);
  wire::Reader fits(enough.bytes());
  REQUIRE(fits.u8(kind));
  CHECK(fits.value(value));
  CHECK(value.items.size() == wire::kMaxValues - 1);
}
