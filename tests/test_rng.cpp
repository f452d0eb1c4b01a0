// The random streams: reproducible, independent by name, and distributed as
// they claim (the table-based normal included, tails and all).
#include <catch2/catch.hpp>
#include <cmath>

#include "sim/engine/rng.h"

using namespace perfloop;

TEST_CASE("streams are pure functions of seed, name and counters", "[rng]") {
  const RngStream a(7, "requests"), b(7, "requests"), c(7, "arrivals"), d(8, "requests");
  CHECK(a.bits(1, 2) == b.bits(1, 2));
  CHECK(a.bits(1, 2) != c.bits(1, 2));
  CHECK(a.bits(1, 2) != d.bits(1, 2));
  CHECK(a.child(5).uniform(0) == b.child(5).uniform(0));
  CHECK(a.child(5).uniform(0) != a.child(6).uniform(0));
}

TEST_CASE("the standard normal has the right moments and tails", "[rng]") {
  const RngStream rng(11, "normal-test");
  const int n = 2'000'000;
  double sum = 0, sum_sq = 0;
  int beyond_2 = 0, beyond_3 = 0, beyond_4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.standard_normal(static_cast<std::uint64_t>(i));
    sum += z;
    sum_sq += z * z;
    beyond_2 += std::abs(z) > 2;
    beyond_3 += std::abs(z) > 3;
    beyond_4 += std::abs(z) > 4;
  }
  CHECK(sum / n == Approx(0.0).margin(0.003));
  CHECK(std::sqrt(sum_sq / n) == Approx(1.0).epsilon(0.003));
  CHECK(beyond_2 / static_cast<double>(n) == Approx(0.0455).epsilon(0.02));
  CHECK(beyond_3 / static_cast<double>(n) == Approx(0.0027).epsilon(0.05));
  CHECK(beyond_4 / static_cast<double>(n) == Approx(6.33e-5).epsilon(0.25));
}

TEST_CASE("log-normal and exponential draws have the requested mean and spread", "[rng]") {
  const RngStream rng(3, "dist-test");
  const int n = 1'000'000;
  double ln_sum = 0, ln_sq = 0, exp_sum = 0;
  for (int i = 0; i < n; ++i) {
    const double x = rng.lognormal(10.0, 0.5, static_cast<std::uint64_t>(i));
    ln_sum += x;
    ln_sq += x * x;
    exp_sum += rng.exponential(4.0, static_cast<std::uint64_t>(i), 1);
  }
  const double mean = ln_sum / n;
  CHECK(mean == Approx(10.0).epsilon(0.005));
  CHECK(std::sqrt(ln_sq / n - mean * mean) / mean == Approx(0.5).epsilon(0.02));
  CHECK(exp_sum / n == Approx(4.0).epsilon(0.005));
}

TEST_CASE("a log-normal of known spread draws what lognormal(mean, cv) draws", "[rng]") {
  const RngStream rng(5, "unit-lognormal-test");
  for (const double cv : {0.0, 0.3, 0.6, 1.4}) {
    const UnitLogNormal draw = UnitLogNormal::with_cv(cv);
    for (std::uint64_t i = 0; i < 1000; ++i) {
      INFO("cv " << cv << ", draw " << i);
      REQUIRE(draw.draw(rng, 7.5, i, 3) == rng.lognormal(7.5, cv, i, 3));
    }
  }
}
