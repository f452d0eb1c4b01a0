#include "sim/engine/rng.h"

#include <cmath>

namespace perfloop {

double RngStream::exponential(double mean, std::uint64_t a, std::uint64_t b) const {
  return -mean * std::log(uniform(a, b));
}

namespace {

// Inverse of the standard normal CDF at kNormalTableSize + 1 evenly spaced
// probabilities, found by bisection on erfc once per process.
constexpr int kNormalTableSize = 4096;

struct NormalQuantiles {
  double z[kNormalTableSize + 1];
  NormalQuantiles() {
    for (int i = 1; i < kNormalTableSize; ++i) {
      const double p = static_cast<double>(i) / kNormalTableSize;
      double lo = -10.0, hi = 10.0;
      for (int step = 0; step < 64; ++step) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo = mid : hi = mid);
      }
      z[i] = 0.5 * (lo + hi);
    }
    z[0] = z[kNormalTableSize] = 0.0;  // never used: the outer bins are drawn exactly
  }
};

const NormalQuantiles& normal_quantiles() {
  static const NormalQuantiles table;
  return table;
}

}  // namespace

double RngStream::standard_normal(std::uint64_t a, std::uint64_t b) const {
  // Inverse-CDF sampling with linear interpolation between table points: one
  // uniform, no transcendental functions. The two outermost bins (probability
  // 1/2048 together) are sampled exactly, so the tails keep their true shape.
  const double x = uniform(a, b) * kNormalTableSize;
  const auto bin = static_cast<int>(x);
  if (bin > 0 && bin < kNormalTableSize - 1) {
    const auto& z = normal_quantiles().z;
    const double frac = x - bin;
    return z[bin] + frac * (z[bin + 1] - z[bin]);
  }
  // Beyond the table's last point `edge`, sample the tail exactly with
  // Marsaglia's method: edge + x where x ~ Exp(edge), accepted when a second
  // exponential exceeds x^2 / 2 (about 9 in 10 tries are accepted).
  const double edge = normal_quantiles().z[kNormalTableSize - 1];
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

double RngStream::lognormal_shaped(double mu, double sigma, std::uint64_t a, std::uint64_t b) const {
  return std::exp(mu + sigma * standard_normal(a, b));
}

double RngStream::lognormal(double mean, double cv, std::uint64_t a, std::uint64_t b) const {
  if (cv <= 0.0) return mean;
  const LogNormalShape shape = LogNormalShape::unit_mean(cv);
  return mean * lognormal_shaped(shape.mu, shape.sigma, a, b);
}

}  // namespace perfloop
