// Runs the perfloop binary as a user would, through the shell, and keeps its
// exit status, standard output and standard error apart.
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace perfloop::test {

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

// `prefix` goes before the binary (an environment, or another user's setpriv).
inline CommandResult run_cli(const std::string& args, const std::string& prefix = "") {
  const std::string err_file = "/tmp/perfloop-cli-test-stderr-" + std::to_string(::getpid()) + ".txt";
  const std::string command = prefix + std::string(PERFLOOP_BINARY) + " " + args + " 2>" + err_file;
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.out.append(buf.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  return result;
}

}  // namespace perfloop::test
