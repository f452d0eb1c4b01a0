// Fuzzes parse_attempt (sim/attempt_store.h), which reads every saved
// attempt the picker lists. std::runtime_error is the documented way to
// refuse a file; anything else (nlohmann's own exceptions included, which
// are not runtime_errors) would escape the callers' handlers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/loop/attempt_store.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using perfloop::fuzz::finding;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json result = perfloop::parse_attempt(text);
    // The callers read the total without checking it again.
    if (!result.is_object() || !result.contains("total") || !result["total"].is_number())
      finding("parse_attempt accepted a result without a total", text);
  } catch (const std::runtime_error&) {
    return 0;
  } catch (const std::exception& e) {
    finding("parse_attempt threw something other than std::runtime_error", e.what());
  }
  return 0;
}
