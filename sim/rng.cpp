#include "sim/rng.h"

#include <cmath>

namespace perfloop {

double RngStream::exponential(double mean, std::uint64_t a, std::uint64_t b) const {
  return -mean * std::log(uniform(a, b));
}

double RngStream::standard_normal(std::uint64_t a, std::uint64_t b) const {
  // Marsaglia's polar method: no trigonometry; the rejection loop draws
  // further counters (1.27 tries on average), so the result stays a pure
  // function of (a, b).
  for (std::uint64_t attempt = 0;; ++attempt) {
    const double x = 2.0 * uniform(a, (b << 8) + 2 * attempt) - 1.0;
    const double y = 2.0 * uniform(a, (b << 8) + 2 * attempt + 1) - 1.0;
    const double s = x * x + y * y;
    if (s > 0.0 && s < 1.0) return x * std::sqrt(-2.0 * std::log(s) / s);
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
