// Fuzzes the profile importers (sim/interop/profile_import.h): whatever the
// bytes, a profile comes back or an ImportError with one printable line.
// What is accepted must survive being written out again: its speedscope
// file reads back with the same totals, and its summary is valid JSON.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/interop/import_error.h"
#include "sim/interop/profile_import.h"
#include "sim/interop/speedscope_format.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

void check_accepted(const perfloop::StackProfile& p, const std::string& input) {
  using perfloop::fuzz::finding;
  for (std::size_t f = 0; f < p.symbols.frame_count(); ++f)
    if (!perfloop::is_valid_utf8(p.symbols.frame_name(static_cast<std::uint32_t>(f)))) finding("a frame name that is not UTF-8", input);
  if (p.default_type >= p.types.size() && !p.types.empty()) finding("a default column past the columns", input);
  const perfloop::StackProfile again = perfloop::read_speedscope(perfloop::write_speedscope(p));
  if (again.types.size() != p.types.size()) finding("speedscope round trip lost a column", input);
  for (std::size_t t = 0; t < p.types.size(); ++t) {
    const double a = p.total(t), b = again.total(t);
    if (!std::isfinite(a)) finding("an accepted column with a total that is not finite", input);
    // Negative pprof values (a diff) are not written: compare what a flame graph counts.
    double positive = 0.0;
    for (double v : p.values[t]) positive += v > 0 ? v : 0.0;
    if (std::fabs(positive - b) > 1e-9 * std::max(1.0, std::fabs(positive))) finding("speedscope round trip changed a total", input);
    (void)a;
  }
  perfloop::ImportedProfile imported;
  imported.profile = p;
  (void)perfloop::import_summary_json(imported).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace perfloop;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // Each format on every input, not only the one the first bytes pick:
  // a file can be mislabelled, and each reader must refuse what is not its own.
  for (ProfileFormat format : {ProfileFormat::Folded, ProfileFormat::Speedscope, ProfileFormat::Pprof, detect_profile_format(bytes)}) {
    try {
      check_accepted(import_profile(bytes, format), bytes);
    } catch (const ImportError& e) {
      fuzz::expect_printable_line(e.what(), "an import error that is not one printable line");
    } catch (const std::exception& e) {
      fuzz::finding("an importer threw something other than ImportError", e.what());
    }
  }
  return 0;
}
