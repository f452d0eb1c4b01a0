// Fuzzes parse_review_log (sim/learn/review_log.h), which reads the quiz's
// append-only log, and rebuild_schedule on what it accepts. A damaged line
// is a problem line, never an exception; what is accepted must be what the
// writer could have written (an item name, a rating, a score in 0..100),
// and the schedule replayed from it must keep FSRS's bounds.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/learn/review_log.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using perfloop::fuzz::finding;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const perfloop::ReviewLog log = perfloop::parse_review_log(text, "fuzz.jsonl");
    for (const auto& e : log.entries) {
      if (!perfloop::is_review_item_name(e.item)) finding("accepted an entry with a malformed item", e.item);
      if (!(e.score >= 0.0 && e.score <= 100.0)) finding("accepted a score outside 0..100", text);
    }
    for (const auto& [item, s] : perfloop::rebuild_schedule(log.entries)) {
      const auto& m = s.memory;
      if (!(m.stability >= 0.001 && std::isfinite(m.stability))) finding("a replayed stability out of bounds", item);
      if (!(m.difficulty >= 1.0 && m.difficulty <= 10.0)) finding("a replayed difficulty outside 1..10", item);
    }
  } catch (const std::exception& e) {
    finding("parse_review_log threw", e.what());
  }
  return 0;
}
