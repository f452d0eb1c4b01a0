#include "sim/engine/rng.h"

#include <cmath>

namespace perfloop {

// Priority 101, the first a program may use: initialised before any other
// global's constructor could draw a normal.
__attribute__((init_priority(101))) const NormalQuantiles kNormalQuantiles;

NormalQuantiles::NormalQuantiles() {
  for (int i = 1; i < kSize; ++i) {
    const double p = static_cast<double>(i) / kSize;
    double lo = -10.0, hi = 10.0;
    for (int step = 0; step < 64; ++step) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo = mid : hi = mid);
    }
    z[i] = 0.5 * (lo + hi);
  }
  z[0] = z[kSize] = 0.0;  // never used: the outer bins are drawn exactly
}

// Beyond the table's last point `edge`, sample the tail exactly with
// Marsaglia's method: edge + x where x ~ Exp(edge), accepted when a second
// exponential exceeds x^2 / 2 (about 9 in 10 tries are accepted).
double RngStream::normal_tail(int bin, std::uint64_t a, std::uint64_t b) const {
  const double edge = normal_quantiles().z[NormalQuantiles::kSize - 1];
  for (std::uint64_t attempt = 1;; ++attempt) {
    const double x = -std::log(uniform(a, (b << 8) + 2 * attempt)) / edge;
    const double y = -std::log(uniform(a, (b << 8) + 2 * attempt + 1));
    if (2.0 * y > x * x) return bin == 0 ? -(edge + x) : edge + x;
  }
}

LogNormalShape LogNormalShape::unit_mean(double cv) {
  const double sigma2 = std::log1p(cv * cv);
  return {-0.5 * sigma2, std::sqrt(sigma2)};
}

double RngStream::lognormal(double mean, double cv, std::uint64_t a, std::uint64_t b) const {
  if (cv <= 0.0) return mean;
  const LogNormalShape shape = LogNormalShape::unit_mean(cv);
  return mean * lognormal_shaped(shape.mu, shape.sigma, a, b);
}

}  // namespace perfloop
