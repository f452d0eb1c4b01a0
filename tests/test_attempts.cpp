// Saved attempts: one new file per attempt, written atomically, never over
// another; a corrupt file is reported and left where it is.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/io/atomic_file.h"
#include "sim/loop/attempt_store.h"

using namespace perfloop;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("perfloop-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("attempts are saved as new files and read back", "[attempts]") {
  const std::string dir = fresh_dir("attempts");
  const std::string a = save_attempt(dir, "orders-n-plus-1", {{"total", 71.5}});
  const std::string b = save_attempt(dir, "orders-n-plus-1", {{"total", 88.0}});
  CHECK(a != b);
  CHECK(fs::path(a).filename() == "attempt-orders-n-plus-1-1.json");
  CHECK(fs::path(b).filename() == "attempt-orders-n-plus-1-2.json");
  const AttemptFolder folder = load_attempts(dir);
  REQUIRE(folder.attempts.size() == 2);
  CHECK(folder.attempts[0].result["total"] == 71.5);
  CHECK(folder.attempts[1].result["total"] == 88.0);
  CHECK(folder.problems.empty());
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().filename().string()[0] == '.' ? 100 : 1;
  CHECK(files == 2);
  fs::remove_all(dir);
}

TEST_CASE("a scenario name that is not a file name stays inside the folder", "[attempts][errors]") {
  const std::string dir = fresh_dir("attempt-names");
  const std::string saved = save_attempt(dir, "../scenarios/my copy", {{"total", 60.0}});
  CHECK(fs::path(saved).parent_path() == fs::path(dir));
  CHECK(fs::path(saved).filename() == "attempt-.._scenarios_my_copy-1.json");
  CHECK(fs::path(save_attempt(dir, "", {{"total", 1.0}})).filename() == "attempt-scenario-1.json");
  CHECK(load_attempts(dir).attempts.size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("a corrupt attempt is reported and skipped, never deleted", "[attempts][errors]") {
  const std::string dir = fresh_dir("corrupt");
  save_attempt(dir, "x", {{"total", 50.0}});
  const std::string broken = dir + "/attempt-x-2.json";
  std::ofstream(broken) << "{\"format\": \"perfloop-attempt\", \"version\": 1, \"result\": {\"tot";
  std::ofstream(dir + "/attempt-x-3.json") << R"({"format": "perfloop-attempt", "version": 9, "result": {"total": 1}})";
  const AttemptFolder folder = load_attempts(dir);
  CHECK(folder.attempts.size() == 1);
  REQUIRE(folder.problems.size() == 2);
  CHECK_THAT(folder.problems[0], Catch::StartsWith(broken + ": skipped: "));
  CHECK_THAT(folder.problems[1], Catch::Contains("unsupported version"));
  CHECK(fs::exists(broken));
  // The next save takes the next free name; the broken file stays as it was.
  const std::string next = save_attempt(dir, "x", {{"total", 60.0}});
  CHECK(fs::path(next).filename() == "attempt-x-4.json");
  CHECK(fs::file_size(broken) > 0);
  fs::remove_all(dir);
}

TEST_CASE("a save that cannot be written names the path", "[attempts][errors]") {
  // A folder below a plain file cannot exist, for root as for anyone.
  const std::string dir = fresh_dir("blocked");
  fs::create_directories(dir);
  const std::string file = dir + "/plain-file";
  std::ofstream(file) << "not a folder\n";
  try {
    save_attempt(file + "/saves", "x", {{"total", 1.0}});
    FAIL("saved below a plain file");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith(file + "/saves: create folder: "));
  }
  fs::remove_all(dir);
}

TEST_CASE("saved attempts are readable by others; an interrupted save's temporary file is reported", "[attempts]") {
  const std::string dir = fresh_dir("modes");
  const std::string path = save_attempt(dir, "x", {{"total", 5.0}});
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  std::ofstream(dir + "/.attempt-x-2.json.Ab12Cd") << "{\"format\": \"perfl";
  const AttemptFolder folder = load_attempts(dir);
  CHECK(folder.attempts.size() == 1);
  REQUIRE(folder.problems.size() == 1);
  CHECK_THAT(folder.problems[0], Catch::Contains("interrupted save"));
  CHECK(fs::exists(dir + "/.attempt-x-2.json.Ab12Cd"));
  fs::remove_all(dir);
}

TEST_CASE("write_file_atomically replaces a file whole", "[attempts]") {
  const std::string dir = fresh_dir("replace");
  fs::create_directories(dir);
  const std::string path = dir + "/settings.json";
  write_file_atomically(path, "first version, longer than the second\n");
  write_file_atomically(path, "second\n");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "second\n");
  fs::remove_all(dir);
}

TEST_CASE("the next attempt name comes from the names alone, past anything in the way", "[attempts][errors]") {
  const std::string dir = fresh_dir("names");
  fs::create_directories(dir);
  // A 4 GiB file (sparse) under an attempt name, a link to itself and a
  // link to nowhere under the next ones: none is opened, each is skipped.
  { std::ofstream(dir + "/attempt-x-7.json") << "{"; }
  fs::resize_file(dir + "/attempt-x-7.json", std::uintmax_t{4} << 30);
  fs::create_symlink("attempt-x-8.json", dir + "/attempt-x-8.json");
  fs::create_symlink("/nonexistent/target", dir + "/attempt-x-9.json");
  const std::string path = save_attempt(dir, "x", {{"total", 42.0}});
  CHECK(fs::path(path).filename() == "attempt-x-10.json");
  CHECK(fs::is_symlink(dir + "/attempt-x-8.json"));  // left as they were
  CHECK(fs::file_size(dir + "/attempt-x-7.json") == std::uintmax_t{4} << 30);
  // Reading the folder reports the huge file by its size, unread.
  const AttemptFolder folder = load_attempts(dir);
  REQUIRE(folder.attempts.size() == 1);
  CHECK(folder.attempts[0].result["total"] == 42.0);
  CHECK(std::count_if(folder.problems.begin(), folder.problems.end(), [&](const std::string& p) {
          return p == dir + "/attempt-x-7.json: skipped: is 4 GiB, more than the 4 MiB perfloop reads for an attempt";
        }) == 1);
  fs::remove_all(dir);
}

TEST_CASE("a version past 2^32 is not version 1", "[attempts][errors]") {
  CHECK_THROWS_WITH(parse_attempt(R"({"format": "perfloop-attempt", "version": 4294967297, "result": {"total": 1}})"),
                    "unsupported version 4294967297 (this perfloop reads version 1)");
  CHECK_THROWS_WITH(parse_attempt(R"({"format": "perfloop-attempt", "version": 1.5, "result": {"total": 1}})"),
                    Catch::StartsWith("unsupported version 1.5"));
  CHECK_THROWS_WITH(parse_attempt(R"({"format": "perfloop-attempt", "version": -1, "result": {"total": 1}})"),
                    Catch::StartsWith("unsupported version -1"));
  CHECK(parse_attempt(R"({"format": "perfloop-attempt", "version": 1, "result": {"total": 3}})")["total"] == 3);
}

TEST_CASE("a save into a link to nowhere says so", "[attempts][errors]") {
  const std::string dir = fresh_dir("dangling");
  fs::create_directories(dir);
  fs::create_symlink(dir + "/missing-folder", dir + "/saves");
  CHECK_THROWS_WITH(save_attempt(dir + "/saves", "x", {{"total", 1.0}}),
                    dir + "/saves: is a symbolic link to a folder that does not exist");
  fs::remove_all(dir);
}

TEST_CASE("an attempt an interrupted save left whole is recovered by the next save", "[attempts]") {
  const std::string dir = fresh_dir("recover");
  const std::string first = save_attempt(dir, "x", {{"total", 10.0}, {"scenario", "x"}});
  // As if killed between writing and moving into place: the whole text under the temporary name.
  std::string text;
  {
    std::ifstream in(first);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string whole = dir + "/.attempt-x-2.json.Ab12Cd";
  std::ofstream(whole) << text;
  const std::string half = dir + "/.attempt-x-3.json.Zz99Yy";
  std::ofstream(half) << text.substr(0, text.size() / 2);
  const AttemptFolder before = load_attempts(dir);
  REQUIRE(before.problems.size() == 2);
  CHECK(before.problems[0] == whole + ": a complete attempt left by an interrupted save; the next save moves it to an "
                                      "attempt name");
  CHECK_THAT(before.problems[1], Catch::StartsWith(half + ": left over from an interrupted save, incomplete (not JSON"));
  CHECK_THAT(before.problems[1], Catch::EndsWith("); not an attempt, safe to delete"));

  std::vector<std::string> recovered;
  const std::string next = save_attempt(dir, "x", {{"total", 30.0}}, &recovered);
  REQUIRE(recovered.size() == 1);
  CHECK(recovered[0] == "recovered " + dir + "/attempt-x-4.json, a complete attempt an interrupted save left as " + whole);
  CHECK(fs::path(next).filename() == "attempt-x-5.json");
  CHECK_FALSE(fs::exists(whole));
  CHECK(fs::exists(half));  // never deleted: only reported
  const AttemptFolder after = load_attempts(dir);
  CHECK(after.attempts.size() == 3);
  CHECK(after.problems.size() == 1);
  CHECK(leftover_problems(dir) == std::vector<std::string>{after.problems[0]});
  fs::remove_all(dir);
}

TEST_CASE("an attempt too large to read back is not written", "[attempts][errors]") {
  const std::string dir = fresh_dir("too-large");
  const nlohmann::json result = {{"total", 1.0}, {"notes", std::string(kMaxAttemptBytes, 'n')}};
  CHECK_THROWS_WITH(save_attempt(dir, "x", result), Catch::Contains("more than the 4 MiB perfloop reads back"));
  CHECK(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST_CASE("long attempt numbers, leftovers that are not files, and saves just starting are told apart", "[attempts]") {
  const std::string dir = fresh_dir("edges");
  fs::create_directories(dir);
  { std::ofstream(dir + "/attempt-x-999999999.json") << R"({"format": "perfloop-attempt", "version": 1, "result": {"total": 9}})"; }
  const std::string next = save_attempt(dir, "x", {{"total", 10.0}});
  CHECK(fs::path(next).filename() == "attempt-x-1000000000.json");
  CHECK(load_attempts(dir).attempts.size() == 2);  // both listed, ten digits or not

  // A folder with a leftover's name is not a leftover: never reported as safe to delete.
  fs::create_directories(dir + "/.attempt-x-5.json.Folder");
  // A save creates its temporary file, then locks it: empty and new, it is a save starting.
  { std::ofstream(dir + "/.attempt-x-6.json.Starts"); }
  CHECK(leftover_problems(dir).empty());
  // The same file an hour old was a save interrupted at its very start.
  fs::last_write_time(dir + "/.attempt-x-6.json.Starts", fs::file_time_type::clock::now() - std::chrono::hours(1));
  const auto problems = leftover_problems(dir);
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::StartsWith(dir + "/.attempt-x-6.json.Starts: left over from an interrupted save, incomplete"));
  fs::remove_all(dir);
}

TEST_CASE("write_file_atomically keeps a link a link, and the file's mode", "[attempts]") {
  const std::string dir = fresh_dir("linked");
  fs::create_directories(dir + "/dotfiles");
  const std::string real = dir + "/dotfiles/settings.json";
  std::ofstream(real) << "old\n";
  fs::permissions(real, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(real, dir + "/settings.json");
  write_file_atomically(dir + "/settings.json", "new\n");
  CHECK(fs::is_symlink(dir + "/settings.json"));
  std::ifstream in(real);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK(text == "new\n");
  CHECK((fs::status(real).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  fs::remove_all(dir);
}
