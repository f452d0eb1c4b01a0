#include "sim/loop/scoring.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace perfloop {

double amdahl_speedup(double share, double speedup) {
  share = std::clamp(share, 0.0, 1.0);
  if (speedup <= 0.0) return 0.0;
  return 1.0 / ((1.0 - share) + share / speedup);
}

double relative_error_pct(double predicted, double actual) {
  if (actual == 0.0) return predicted == 0.0 ? 0.0 : 100.0;
  return std::fabs(predicted - actual) / std::fabs(actual) * 100.0;
}

double error_score(double error_pct, double full_pct, double zero_pct) {
  if (!(error_pct >= 0.0)) return 0.0;  // NaN too
  if (error_pct <= full_pct) return 1.0;
  if (error_pct >= zero_pct) return 0.0;
  return (zero_pct - error_pct) / (zero_pct - full_pct);
}

double onset_score(double answered_s, double truth_s, double tolerance_s) {
  return error_score(std::fabs(answered_s - truth_s), tolerance_s, 5.0 * tolerance_s);
}

double onset_tolerance_s(double duration_s) { return std::max(60.0, 0.01 * duration_s); }

double overlap_score(const std::vector<std::string>& answered, const std::vector<std::string>& truth) {
  const std::set<std::string> a(answered.begin(), answered.end());
  const std::set<std::string> t(truth.begin(), truth.end());
  std::size_t both = 0;
  for (const auto& x : a) both += t.count(x);
  const std::size_t either = a.size() + t.size() - both;
  return either == 0 ? 0.0 : static_cast<double>(both) / static_cast<double>(either);
}

double readings_score(int right, int total) {
  if (total <= 0) return 0.0;
  if (right >= total) return 1.0;
  return right == total - 1 ? 1.0 / 3.0 : 0.0;
}

double hint_keep(int hints_used) {
  switch (hints_used) {
    case 0: return 1.0;
    case 1: return 0.9;
    case 2: return 0.7;
    default: return 0.3;
  }
}

}  // namespace perfloop
