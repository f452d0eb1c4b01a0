// The CLI's subcommands. Each returns the process exit status: 0 on success,
// 2 for bad input (arguments, scenarios), with one line on stderr naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace perfloop::cli {

struct SimulateOptions {
  std::string scenario;
  std::uint64_t seed = 1;
  std::vector<std::string> params;  // NAME=VALUE
  std::vector<std::string> fixes;
  bool json = false;
  bool windows = false;
  int traces = 0;
};

struct BenchOptions {
  std::uint64_t requests = 2'000'000;
  bool json = false;
};

int run_simulate(const SimulateOptions& options);
// Exit 0 when every file is sound, else 2 with one line per problem on stderr.
int run_check(const std::vector<std::string>& files);
// Broken scenarios are reported on stderr and skipped; the rest are listed.
int run_list(bool json);
int run_bench(const BenchOptions& options);

// Prints "perfloop: <message>" on stderr and returns 2.
int fail(const std::string& message);

}  // namespace perfloop::cli
