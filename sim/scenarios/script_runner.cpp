#include "sim/scenarios/script_runner.h"

namespace perfloop {

namespace {

class InProcessRunner final : public ScriptRunner {
 public:
  explicit InProcessRunner(const SandboxLimits& limits) : limits_(limits) {}

  std::optional<SandboxFailure> open(std::string_view prelude, std::string_view text, const std::string& path,
                                     std::uint64_t seed, const std::string& callable, LuaValue& result) override {
    sandbox_ = std::make_unique<LuaSandbox>(limits_, seed, prelude);
    LuaRef returned = -1;
    if (auto failure = sandbox_->run_chunk(text, path, returned)) return failure;
    auto failure = sandbox_->snapshot(returned, result);
    if (!failure) failure = sandbox_->get_field(returned, callable.c_str(), callable_);
    sandbox_->release(returned);
    return failure;
  }

  std::optional<SandboxFailure> call(std::uint64_t seed, const ParamValues& params, LuaValue& result) override {
    if (!sandbox_ || callable_ < 0) {
      SandboxFailure failure;
      failure.message = "the script has no function to call";
      return failure;
    }
    sandbox_->reseed(seed);
    LuaRef returned = -1;
    if (auto failure = sandbox_->call_with_params(callable_, params, returned)) return failure;
    auto failure = sandbox_->snapshot(returned, result);
    sandbox_->release(returned);
    return failure;
  }

 private:
  SandboxLimits limits_;
  std::unique_ptr<LuaSandbox> sandbox_;
  LuaRef callable_ = -1;
};

}  // namespace

std::unique_ptr<ScriptRunner> make_in_process_runner(const SandboxLimits& limits) {
  return std::make_unique<InProcessRunner>(limits);
}

std::unique_ptr<ScriptRunner> make_script_runner(const ScriptOptions& options) {
  if (options.isolation == ScriptIsolation::InProcess) return make_in_process_runner(options.limits);
  return make_child_process_runner(options.limits);
}

}  // namespace perfloop
