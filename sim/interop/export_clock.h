// Where simulated time sits on the wall clock in exported files. The
// simulation starts at 0 ns; traces (OTLP's Unix nanoseconds, Chrome's
// microseconds) and metrics (OpenMetrics' seconds) need a real instant, and
// the same run must export the same bytes, so the epoch is fixed and
// documented, never the time of the export: 2026-01-01T00:00:00Z unless the
// command says otherwise (--epoch).
#pragma once

#include <cstdint>

#include "sim/engine/time.h"

namespace perfloop {

inline constexpr std::int64_t kDefaultExportEpochUnixS = 1767225600;  // 2026-01-01T00:00:00Z

struct ExportClock {
  std::int64_t epoch_unix_s = kDefaultExportEpochUnixS;
  std::int64_t unix_ns(SimTime t) const { return epoch_unix_s * 1'000'000'000 + static_cast<std::int64_t>(t); }
};

}  // namespace perfloop
