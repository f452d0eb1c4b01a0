// How the claim checks (scenario_claims.h) name fields and write figures,
// shared by their parts so every line reads the same way.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "sim/engine/model.h"
#include "sim/io/safe_text.h"
#include "sim/loop/loop_session.h"

namespace perfloop::claims {

// 1840 ms, 12.5 ms, 0.42 %.
inline std::string figure(double value, const std::string& unit) {
  char text[64];
  const double size = std::fabs(value);
  std::snprintf(text, sizeof text, size >= 100 ? "%.0f" : size >= 1 ? "%.1f" : "%.2g", value);
  return std::string(text) + (unit.empty() ? "" : " " + unit);
}

inline std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * fraction);
  return text;
}

// "/checkout p99", "/dashboard LCP p75".
inline std::string headline_name(const SymptomSpec& s) {
  const std::string metric = s.metric == "lcp" ? "LCP p75" : s.metric == "inp" ? "INP p75" : s.metric == "error_rate" ? "error rate" : s.metric;
  return s.endpoint + " " + metric;
}

// How much better `after` is than `before`, as a fraction of `before`:
// positive when the headline improved (lower, or higher for throughput).
inline double improvement(const std::string& metric, double before, double after) {
  if (!(before > 0.0)) return after == before ? 0.0 : (metric == "rps") == (after > before) ? 1.0 : -1.0;
  return metric == "rps" ? (after - before) / before : (before - after) / before;
}

// "61% better", "12% worse", "unchanged".
inline std::string change_words(double better) {
  if (std::fabs(better) < 0.005) return "unchanged";
  return percent(std::fabs(better)) + (better > 0 ? " better" : " worse");
}

// "from 1840 ms to 720 ms (61% better)".
inline std::string from_to(const std::string& metric, double before, double after) {
  const std::string unit = headline_unit(metric);
  return "from " + figure(before, unit) + " to " + figure(after, unit) + " (" +
         change_words(improvement(metric, before, after)) + ")";
}

// The i-th entry (from 0) of a list in the file, as its errors name it: counting from 1, with its id.
inline std::string entry(const std::string& list, std::size_t i, const std::string& id = "") {
  std::string text = list + "[" + std::to_string(i + 1) + "]";
  if (!id.empty()) text.append(" ").append(quote(id, 120));
  return text;
}

}  // namespace perfloop::claims
