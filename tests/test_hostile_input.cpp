// The issue's reproducers, as a user would meet them on the command line:
// scripts that try to outrun the limits, text that would break output or
// drive the terminal, files that are not what they claim, numbers that do
// not fit. Each gets a one-line refusal (exit 2) or a bounded result.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.h"
#include "sim/loop/attempt_store.h"

using perfloop::test::run_cli;
namespace fs = std::filesystem;

namespace {

fs::path scratch_dir() {
  const fs::path dir = fs::temp_directory_path() / ("perfloop-hostile-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string write_file(const std::string& name, const std::string& text) {
  const fs::path path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

// A scenario whose file first runs `before`, then returns a small valid
// service built with `load`, `step` and `title`.
std::string scenario(const std::string& before, const std::string& load = "{ rps = 10 }",
                     const std::string& step = "cpu { frame = 'f', ms = 1 }", const std::string& title = "'t'") {
  // `before` stays on line 1, so messages about it name that line.
  return before + "\nreturn { id = 'hostile', title = " + title +
         ", params = { rps = { default = 10, min = 1, max = 100 } },\n"
         "  build = function(p) return { duration_s = 600, service = { name = 's' }, load = " +
         load + ",\n  endpoints = { { name = '/a', root = span { name = 'a', " + step + " } } } } end }\n";
}

// Exit 2 and one line: "perfloop: <message>".
bool one_refusal_line(const perfloop::test::CommandResult& r) {
  return r.status == 2 && r.err.rfind("perfloop: ", 0) == 0 && std::count(r.err.begin(), r.err.end(), '\n') == 1;
}

bool one_check_line(const perfloop::test::CommandResult& r) {
  return r.status == 2 && std::count(r.err.begin(), r.err.end(), '\n') == 1 && r.out.empty();
}

// Runs `work` in a child process as the user nobody (uid 65534), for what
// root is never refused; returns what it wrote.
std::string as_nobody(const std::function<std::string()>& work) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(9);
    std::string text;
    try {
      text = work();
    } catch (const std::exception& e) {
      text = std::string("threw: ") + e.what();
    }
    const ssize_t written = ::write(pipe_fds[1], text.data(), text.size());
    ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 8);
  }
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace

TEST_CASE("a script cannot run past the limits inside one library call", "[hostile][sandbox]") {
  struct Case {
    const char* name;
    std::string text;
    const char* expect;
  };
  const Case cases[] = {
      {"move.lua", scenario("table.move({}, 1, 1 << 62, 1, {})"), "move.lua:1: table.move: 1 to 4611686018427387904 is more elements than a table in the sandbox can hold"},
      {"pattern.lua", scenario("string.find(string.rep('a', 40), 'a-a-a-a-a-a-a-a-a-a-a-a-b')"),
       "pattern.lua:1: string.find: this pattern could take"},
      {"insert.lua", scenario("table.insert(setmetatable({}, { __len = function() return 1 << 62 end }), 1, 0)"),
       "insert.lua:1: table.insert: the table's length is 4611686018427387904"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto r = run_cli("check " + write_file(c.name, c.text));
      INFO(r.err);
      CHECK(one_check_line(r));
      CHECK(r.err.find(c.expect) != std::string::npos);
    }
  }
  // string.rep of nothing, 2^62 times, is nothing: a bounded result, at once
  // (in a file named after the scenario's id, as check requires).
  const auto empty = run_cli("check " + write_file("hostile.lua", scenario("assert(string.rep('', 1 << 62) == '')")));
  CHECK(empty.status == 0);
  CHECK(empty.err.empty());
}

TEST_CASE("a scenario cannot ask for unbounded work", "[hostile][budget]") {
  struct Case {
    const char* name;
    std::string text;
    const char* expect;
  };
  const Case cases[] = {
      {"rps.lua", scenario("", "{ rps = 1e9 }"), "load.rps: must be in (0, 1000000], got 1000000000"},
      {"curve.lua", scenario("", "{ rps = 10, curve = { { 0, 1 }, { 300, 1e9 } } }"),
       "load.curve[2][2]: must be in [0, 1000], got 1000000000"},
      {"rawset.lua", scenario("", "(function() rawset(p, 'rps', 1e9) return { rps = p.rps } end)()"),
       "load.rps: must be in (0, 1000000], got 1000000000"},
      {"queries.lua", scenario("", "{ rps = 10 }", "queries { frame = 'db', count = 1e9, rtt_ms = 1 }"),
       "count: makes 1000000000 round trips per request (count / batch), more than the 100000 one step may"},
      {"heavy.lua", scenario("", "{ rps = 1e5 }"),
       "the default run: the run would simulate about 6e+07 requests over 600 simulated s"},
      {"chatty.lua",
       scenario("", "{ rps = 3e4 }",
                "table.unpack((function() local t = {} for i = 1, 20 do t[i] = wait { frame = 'io', ms = 0.001 } end "
                "return t end)())"),
       "the default run: the run would take about 3.78e+08 engine events (21 per request)"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const std::string file = write_file(c.name, c.text);
      const auto checked = run_cli("check " + file);
      INFO(checked.err);
      CHECK(one_check_line(checked));
      CHECK(checked.err.find(c.expect) != std::string::npos);
      const auto simulated = run_cli("simulate " + file);
      INFO(simulated.err);
      CHECK(one_refusal_line(simulated));
    }
  }
}

TEST_CASE("text that is not UTF-8 is refused where it is written, and never breaks JSON", "[hostile][utf8]") {
  const fs::path folder = scratch_dir() / "catalogue";
  fs::create_directories(folder);
  std::ofstream(folder / "latin1.lua", std::ios::binary) << scenario("", "{ rps = 10 }", "cpu { frame = 'f', ms = 1 }",
                                                                     "'caf\xe9 au lait'");
  std::string bad_endpoint = scenario("");
  bad_endpoint.replace(bad_endpoint.find("name = '/a'"), 11, "name = '/\xff'");
  const std::string endpoint_file = write_file("endpoint.lua", bad_endpoint);
  // A good scenario whose file name is not UTF-8: it lists, with U+FFFD in its name.
  std::ofstream(folder / "good-\xe9.lua", std::ios::binary) << scenario("");

  const auto title = run_cli("check " + (folder / "latin1.lua").string());
  CHECK(one_check_line(title));
  CHECK_THAT(title.err, Catch::Contains("title: is not valid UTF-8 (byte 4 of string \"caf\\xe9 au lait\"); save the "
                                        "scenario as UTF-8"));
  const auto endpoint = run_cli("check " + endpoint_file);
  CHECK(one_check_line(endpoint));
  CHECK_THAT(endpoint.err, Catch::Contains("name: is not valid UTF-8"));

  const auto listed = run_cli("list --json", "PERFLOOP_SCENARIOS=" + folder.string() + " ");
  REQUIRE(listed.status == 0);
  const nlohmann::json list = nlohmann::json::parse(listed.out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["file"].get<std::string>().find("good-\xef\xbf\xbd.lua") != std::string::npos);
  CHECK_THAT(listed.err, Catch::StartsWith("perfloop: skipped "));  // the broken one, on a line of its own
  // The good one is not named after its id: a warning, its file name escaped.
  CHECK_THAT(listed.err, Catch::Contains("\nperfloop: warning: ") && Catch::Contains("good-\\xe9.lua: id: is \"hostile\""));
  CHECK(std::count(listed.err.begin(), listed.err.end(), '\n') == 2);
}

TEST_CASE("what an answers file says is echoed escaped and cut, on one line", "[hostile][answers]") {
  const std::string header = R"({"version": 1, "scenario": "orders-n-plus-1", "bottlenecks": [{)";
  const std::string escapes = write_file("escapes.json", header + R"("obs\u001b[31m\nerve": {}}]})");
  const auto r = run_cli("play orders-n-plus-1 --answers " + escapes);
  INFO(r.err);
  CHECK(one_refusal_line(r));
  CHECK(r.err == "perfloop: " + escapes +
                     ": bottlenecks[1][\"obs\\x1b[31m\\nerve\"]: unknown field (fields here: observe, profile, "
                     "classify, predict, fix, verify, move_on)\n");

  const std::string huge_key = write_file("huge-key.json", header + "\"" + std::string(100000, 'k') + "\": {}}]}");
  const auto big = run_cli("play orders-n-plus-1 --answers " + huge_key);
  CHECK(one_refusal_line(big));
  CHECK(big.err.size() < 1000);
  CHECK_THAT(big.err, Catch::Contains("... (100000 bytes)"));

  const std::string value = write_file(
      "value.json", header + R"("observe": {"endpoint": "/orders\u0007\u001b]0;pwned\u0007", "metric": "p99", "onset_s": 1, "side": "server"}}]})");
  const auto echoed = run_cli("play orders-n-plus-1 --answers " + value);
  CHECK(one_refusal_line(echoed));
  CHECK_THAT(echoed.err, Catch::Contains("got \"/orders\\x07\\x1b]0;pwned\\x07\""));
  CHECK(echoed.err.find('\x1b') == std::string::npos);
}

TEST_CASE("a scenario's own error text cannot drive the terminal either", "[hostile][loader]") {
  const std::string file = write_file("shout.lua", "error('\\27[2J\\27[31mred\\nalert ' .. string.rep('!', 5000))\n");
  const auto r = run_cli("check " + file);
  CHECK(one_check_line(r));
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK_THAT(r.err, Catch::Contains("shout.lua:1: \\x1b[2J\\x1b[31mred\\nalert !!!"));
  CHECK(r.err.size() < 1000);
}

TEST_CASE("numbers on the command line that do not fit, and options that would be ignored, are refused", "[hostile][cli]") {
  const auto seed = run_cli("simulate mmc --seed 99999999999999999999999");
  CHECK(one_refusal_line(seed));
  CHECK_THAT(seed.err, Catch::Contains("must be a whole number from 0 to 18446744073709551615, got "
                                       "\"99999999999999999999999\""));
  CHECK(run_cli("simulate mmc --param requests=2000 --seed 18446744073709551615 --json").status == 0);
  const auto windows = run_cli("simulate mmc --windows");
  CHECK(one_refusal_line(windows));
  CHECK_THAT(windows.err, Catch::Contains("--windows requires --json"));
  const auto traces = run_cli("simulate mmc --traces 3");
  CHECK(one_refusal_line(traces));
  CHECK(one_refusal_line(run_cli("gui --bench-zoom")));
}

TEST_CASE("an attempt folder the user cannot use is said in words", "[hostile][attempts]") {
  const fs::path root = scratch_dir() / "modes";
  fs::create_directories(root);
  fs::permissions(root, fs::perms::all);
  // An attempt nobody may read: reported as such, not as broken JSON.
  const fs::path readable = root / "readable";
  fs::create_directories(readable);
  perfloop::save_attempt(readable.string(), "x", {{"total", 50.0}});
  std::ofstream(readable / "attempt-x-2.json") << R"({"format": "perfloop-attempt", "version": 1, "result": {"total": 1}})";
  fs::permissions(readable / "attempt-x-2.json", fs::perms::none);
  fs::permissions(readable, fs::perms::all);
  const std::string problems = as_nobody([&] {
    std::string out;
    for (const auto& p : perfloop::load_attempts(readable.string()).problems) out += p + "\n";
    return out;
  });
  CHECK(problems == (readable / "attempt-x-2.json").string() + ": skipped: permission denied\n");

  // A folder nobody may write in, and one nobody may enter.
  // (0555 and 0666: nobody is "others" to root's folders, the owner to its own.)
  const fs::perms read_only = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
  const fs::perms no_search = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::group_write | fs::perms::others_read | fs::perms::others_write;
  for (const auto& [name, mode] : {std::pair{"read-only", read_only}, std::pair{"no-search", no_search}}) {
    const fs::path dir = root / name;
    fs::create_directories(dir);
    fs::permissions(dir, mode);
    const std::string said = as_nobody([&] {
      try {
        perfloop::save_attempt(dir.string(), "x", {{"total", 1.0}});
      } catch (const std::exception& e) {
        return std::string(e.what());
      }
      return std::string("saved");
    });
    INFO(name);
    CHECK(said == dir.string() + ": create a file in the folder: permission denied");
  }
  fs::remove_all(root);
}

TEST_CASE("a scenario's texts hold no terminal or direction controls", "[hostile][utf8]") {
  struct Case {
    const char* name;
    const char* title;
  };
  // ESC, a C1 control sequence introducer (valid UTF-8, still a control), a right-to-left override.
  const Case refused[] = {{"esc.lua", "'\\27[2Jcleared'"}, {"csi.lua", "'\xc2\x9b" "31mred'"},
                          {"rlo.lua", "'abc\xe2\x80\xae" "fed'"}, {"cr.lua", "'over\\rwritten'"}};
  for (const Case& c : refused) {
    DYNAMIC_SECTION(c.name) {
      const auto r = run_cli("check " + write_file(c.name, scenario("", "{ rps = 10 }", "cpu { frame = 'f', ms = 1 }", c.title)));
      CHECK(one_check_line(r));
      CHECK_THAT(r.err, Catch::Contains("title: holds a control character (byte "));
      CHECK(r.err.find('\x1b') == std::string::npos);
    }
  }
  const auto lines = run_cli("check " + write_file("hostile.lua", scenario("", "{ rps = 10 }", "cpu { frame = 'f', ms = 1 }",
                                                                        "'two\\nlines,\\ttabbed, «quoted», 日本'")));
  CHECK(lines.status == 0);
}
