// A save stopped by kill -9 at any of its system calls leaves the attempts
// folder holding only complete attempts and leftovers it reports (or, for
// a few seconds, an empty one it takes for a save starting); the next save
// recovers a leftover that holds a whole attempt. strace finds the
// save's system calls in a first run, then stops a fresh run at each one
// (strace -e inject=CALL:signal=KILL:when=N).
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "sim/loop/attempt_store.h"

using perfloop::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct Call {
  std::string name;
  int nth = 0;  // the how-many-th call of that name in the process
  std::string line;
};

// The calls from the first one that touches `dir` to the scorecard's print.
std::vector<Call> save_calls(const std::string& trace_file, const std::string& dir) {
  std::ifstream in(trace_file);
  const std::regex call(R"(^([a-z0-9_]+)\()");
  std::map<std::string, int> seen;
  std::vector<Call> calls;
  bool saving = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (!std::regex_search(line, match, call)) continue;
    const std::string name = match[1];
    const int nth = ++seen[name];
    if (!saving && name != "execve" && line.find("\"" + dir) != std::string::npos) saving = true;
    if (saving && name == "write" && line.rfind("write(1,", 0) == 0) break;  // the result printed: the save is over
    // glibc takes a temporary name's letters from random bits it refills
    // with getrandom only now and then (18 calls for 400 mkstemp here), so
    // whether a save makes one, and which N-th it is, changes from run to
    // run. A kill there is a kill before the file is created, which the
    // kill at that openat covers.
    if (saving && name != "getrandom") calls.push_back({name, nth, line.substr(0, 120)});
  }
  return calls;
}

int count_attempts(const std::string& dir) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.path().filename().string().rfind("attempt-", 0) == 0;
  return n;
}

}  // namespace

TEST_CASE("kill -9 at every system call of a save leaves only complete attempts and reported leftovers",
          "[attempts][kill]") {
  REQUIRE(std::system("strace -V > /dev/null 2>&1") == 0);  // scripts/deps installs it
  const fs::path root = fs::temp_directory_path() / ("perfloop-kill-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  const std::string answers = (root / "answers.json").string();
  const auto solved = run_cli("solve orders-n-plus-1");
  REQUIRE(solved.status == 0);
  std::ofstream(answers) << solved.out;
  // The folder before each run: one attempt already there.
  const std::string pristine = (root / "pristine").string();
  REQUIRE(run_cli("play orders-n-plus-1 --answers " + answers + " --save " + pristine).status == 0);
  REQUIRE(count_attempts(pristine) == 1);

  const std::string dir = (root / "saves").string();
  const std::string play = "play orders-n-plus-1 --answers " + answers + " --save " + dir;
  fs::copy(pristine, dir);
  const std::string trace = (root / "trace.txt").string();
  // Calls are counted by name over the whole process, grading included; on
  // one thread the grading's calls come in the same number every run, so
  // the N-th call of a name is the same moment of the save each time.
  const std::string one_thread = "PERFLOOP_THREADS=1 ";
  REQUIRE(run_cli(play, one_thread + "strace -o " + trace + " ").status == 0);
  const std::vector<Call> calls = save_calls(trace, dir);
  // mkdir's checks, the listing, the temporary file, its lock, mode, text,
  // fsync, the rename and the folder's fsync at least.
  REQUIRE(calls.size() >= 12);
  REQUIRE(std::any_of(calls.begin(), calls.end(), [](const Call& c) { return c.name == "renameat2"; }));
  REQUIRE(std::any_of(calls.begin(), calls.end(), [](const Call& c) { return c.name == "fsync"; }));

  int recovered_or_placed = 0;
  for (const Call& call : calls) {
    INFO("killed at " << call.name << " #" << call.nth << ": " << call.line);
    fs::remove_all(dir);
    fs::copy(pristine, dir);
    const std::string inject = one_thread + "strace -o /dev/null -e trace=" + call.name + " -e inject=" + call.name +
                               ":signal=KILL:when=" + std::to_string(call.nth) + " ";
    const auto killed = run_cli(play, inject);
    REQUIRE(killed.err.find("perfloop: saved") == std::string::npos);  // it did die at that call

    // Only complete attempts under attempt names; anything else is a leftover the folder reports.
    const std::vector<std::string> leftovers = perfloop::leftover_problems(dir);
    int complete_leftovers = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      const std::string path = entry.path().string();
      if (name.rfind("attempt-", 0) == 0) {
        std::ifstream file(path);
        const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
        CHECK_NOTHROW(perfloop::parse_attempt(text));
        continue;
      }
      REQUIRE(name.rfind(".attempt-", 0) == 0);
      const auto reported = std::find_if(leftovers.begin(), leftovers.end(),
                                         [&](const std::string& line) { return line.rfind(path + ": ", 0) == 0; });
      // Killed between creating its file and locking it, a save leaves it
      // empty: for its first seconds that is a save starting, not reported.
      if (reported == leftovers.end()) {
        CHECK(fs::file_size(entry.path()) == 0);
        continue;
      }
      complete_leftovers += reported->find("a complete attempt") != std::string::npos;
    }
    const int placed = count_attempts(dir) - 1;
    CHECK(placed + complete_leftovers <= 1);

    // The next save recovers what was whole, and reports the rest again.
    const auto next = run_cli(play);
    REQUIRE(next.status == 0);
    CHECK(count_attempts(dir) == 2 + placed + complete_leftovers);
    for (const std::string& line : perfloop::leftover_problems(dir)) CHECK(line.find("a complete attempt") == std::string::npos);
    if (complete_leftovers > 0) CHECK_THAT(next.err, Catch::Contains("perfloop: recovered "));
    recovered_or_placed += placed + complete_leftovers;
  }
  // Killed after its text was flushed, a save is not lost.
  CHECK(recovered_or_placed >= 2);
  fs::remove_all(root);
}
