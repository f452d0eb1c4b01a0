// Files perfloop reads are bounded: only regular files, never more than the
// size perfloop could have written, never blocking on a FIFO, and a failure
// said in words.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/io/bounded_file.h"

using namespace perfloop;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("perfloop-bounded-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

}  // namespace

TEST_CASE("a regular file within the limit is read whole", "[files]") {
  const fs::path path = scratch("small.json");
  std::ofstream(path) << "{\"a\": 1}";
  const FileRead read = read_bounded_file(path.string(), 8, "a test file");
  REQUIRE(read.ok());
  CHECK(read.text == "{\"a\": 1}");
  const FileRead over = read_bounded_file(path.string(), 7, "a test file");
  CHECK(over.status == FileRead::Status::TooLarge);
  CHECK(over.problem == "is 8 bytes, more than the 7 bytes perfloop reads for a test file");
}

TEST_CASE("a huge file is refused unread", "[files]") {
  // Sparse: 4 GiB long, no disk used. Reading it whole would take seconds and gigabytes.
  const fs::path path = scratch("huge.json");
  { std::ofstream(path) << "{"; }
  fs::resize_file(path, std::uintmax_t{4} << 30);
  const FileRead read = read_bounded_file(path.string(), std::size_t{4} << 20, "an attempt");
  CHECK(read.status == FileRead::Status::TooLarge);
  CHECK(read.problem == "is 4 GiB, more than the 4 MiB perfloop reads for an attempt");
  CHECK(read.text.empty());
  fs::remove(path);
}

TEST_CASE("a FIFO, a folder and a missing file are refused without waiting", "[files]") {
  // Opening a FIFO for reading blocks until a writer comes, unless asked not
  // to: if the reader waited, this test would hang.
  const fs::path fifo = scratch("settings.fifo");
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const FileRead from_fifo = read_bounded_file(fifo.string(), 1024, "a settings file");
  CHECK(from_fifo.status == FileRead::Status::Unreadable);
  CHECK(from_fifo.problem == "is a FIFO, not a file");
  const FileRead from_folder = read_bounded_file(fifo.parent_path().string(), 1024, "a settings file");
  CHECK(from_folder.problem == "is a folder, not a file");
  const FileRead missing = read_bounded_file("/nonexistent/perfloop/x.json", 1024, "a settings file");
  CHECK(missing.status == FileRead::Status::Missing);
  CHECK(missing.problem == "no such file");
}

TEST_CASE("a file that says it is empty is still read, up to the limit", "[files]") {
  // /proc files report size 0 and hold text all the same.
  const FileRead status = read_bounded_file("/proc/self/status", 1 << 20, "a test file");
  REQUIRE(status.ok());
  CHECK(status.text.find("Name:") != std::string::npos);
  const FileRead capped = read_bounded_file("/proc/self/status", 16, "a test file");
  CHECK(capped.status == FileRead::Status::TooLarge);
  CHECK(capped.problem == "is more than the 16 bytes perfloop reads for a test file");
}

TEST_CASE("an unreadable file says permission denied", "[files]") {
  if (::geteuid() == 0) SUCCEED("root reads every file; the CLI test runs this as another user");
  else {
    const fs::path path = scratch("private.json");
    std::ofstream(path) << "{}";
    fs::permissions(path, fs::perms::none);
    const FileRead read = read_bounded_file(path.string(), 1024, "an attempt");
    CHECK(read.status == FileRead::Status::Unreadable);
    CHECK(read.problem == "permission denied");
  }
}
