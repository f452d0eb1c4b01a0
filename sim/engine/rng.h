// Deterministic randomness. One seed; named streams derived from it; every
// draw is a pure function of (stream, counters), so a forked run that changes
// one request's work still gives every other request the same random numbers
// (common random numbers), and no draw depends on event order.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace perfloop {

// A bijective 64-bit mixer (the splitmix64 finaliser).
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// FNV-1a 64, the one string and byte hash of perfloop: stream names, op
// ids, the scenario's build seed, the UI's cache keys. fnv1a() continues a
// hash over more bytes; hash_name() starts one.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

constexpr std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

constexpr std::uint64_t hash_name(std::string_view name) { return fnv1a(kFnvOffset, name); }

// splitmix64 as a sequence: advances `state` by the golden ratio and mixes
// it. For deterministic sequences outside the engine's named streams (the
// sandbox's math.random, the benchmark's synthetic flame graph).
constexpr std::uint64_t splitmix64_next(std::uint64_t& state) { return mix64(state += 0x9e3779b97f4a7c15ULL); }

// A named stream: a key from which counter-based draws are made.
class RngStream {
 public:
  RngStream() = default;
  RngStream(std::uint64_t seed, std::string_view name)
      : key_(mix64(mix64(seed + 0x9e3779b97f4a7c15ULL) ^ hash_name(name))) {}
  explicit RngStream(std::uint64_t key) : key_(key) {}

  std::uint64_t key() const { return key_; }

  // A sub-stream, e.g. one per request.
  RngStream child(std::uint64_t index) const { return RngStream(mix64(key_ ^ mix64(index + 0x632be59bd9b4e019ULL))); }

  std::uint64_t bits(std::uint64_t a, std::uint64_t b = 0) const {
    return mix64(mix64(key_ + a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL));
  }
  // Uniform in (0, 1): never 0, so log() is safe.
  double uniform(std::uint64_t a, std::uint64_t b = 0) const {
    return (static_cast<double>(bits(a, b) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  }
  // The draws below are inline: the engine makes several per request.
  double exponential(double mean, std::uint64_t a, std::uint64_t b = 0) const { return -mean * std::log(uniform(a, b)); }
  double standard_normal(std::uint64_t a, std::uint64_t b = 0) const;
  // Log-normal with the given mean and coefficient of variation.
  double lognormal(double mean, double cv, std::uint64_t a, std::uint64_t b = 0) const;
  // Log-normal from precomputed log-space parameters (see LogNormalShape).
  double lognormal_shaped(double mu, double sigma, std::uint64_t a, std::uint64_t b = 0) const {
    return std::exp(mu + sigma * standard_normal(a, b));
  }

 private:
  // The exact draw in the normal's two outermost table bins (see standard_normal).
  double normal_tail(int bin, std::uint64_t a, std::uint64_t b) const;
  std::uint64_t key_ = 0;
};

// Log-space parameters of a log-normal with mean 1 and a given coefficient of
// variation, computed once so each draw costs one normal and one exp.
struct LogNormalShape {
  double mu = 0.0;
  double sigma = 0.0;
  static LogNormalShape unit_mean(double cv);
};

// A log-normal of mean 1 whose coefficient of variation is known before the
// run: draws the same numbers as RngStream::lognormal(mean, cv, ...) without
// working out the shape each time.
struct UnitLogNormal {
  double cv = 0.0;
  LogNormalShape shape;
  static UnitLogNormal with_cv(double cv) { return {cv, cv > 0.0 ? LogNormalShape::unit_mean(cv) : LogNormalShape{}}; }
  double draw(const RngStream& rng, double mean, std::uint64_t a, std::uint64_t b = 0) const {
    if (cv <= 0.0) return mean;
    return mean * rng.lognormal_shaped(shape.mu, shape.sigma, a, b);
  }
};

// Inverse of the standard normal CDF at kNormalTableSize + 1 evenly spaced
// probabilities, found by bisection on erfc once per process.
struct NormalQuantiles {
  static constexpr int kSize = 4096;
  double z[kSize + 1];
  NormalQuantiles();
};

// Built before main, ahead of other globals (rng.cpp): a function-local
// static would make every normal draw check its guard first.
extern const NormalQuantiles kNormalQuantiles;
inline const NormalQuantiles& normal_quantiles() { return kNormalQuantiles; }

inline double RngStream::standard_normal(std::uint64_t a, std::uint64_t b) const {
  // Inverse-CDF sampling with linear interpolation between table points: one
  // uniform, no transcendental functions. The two outermost bins (probability
  // 1/2048 together) are sampled exactly, so the tails keep their true shape.
  constexpr int kSize = NormalQuantiles::kSize;
  const double x = uniform(a, b) * kSize;
  const auto bin = static_cast<int>(x);
  if (bin > 0 && bin < kSize - 1) [[likely]] {
    const auto& z = normal_quantiles().z;
    const double frac = x - bin;
    return z[bin] + frac * (z[bin + 1] - z[bin]);
  }
  return normal_tail(bin, a, b);
}

// A sequential generator for streams consumed in a fixed order (arrivals).
class RngSequence {
 public:
  RngSequence() = default;
  explicit RngSequence(RngStream stream) : stream_(stream) {}
  double uniform() { return stream_.uniform(counter_++); }
  double exponential(double mean) { return stream_.exponential(mean, counter_++); }
  std::uint64_t counter() const { return counter_; }

 private:
  RngStream stream_;
  std::uint64_t counter_ = 0;
};

}  // namespace perfloop
