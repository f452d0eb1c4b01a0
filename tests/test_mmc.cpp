// The engine against queueing theory: an M/M/c queue's mean and p99 sojourn
// time from Erlang-C.
#include <catch2/catch.hpp>
#include <cmath>

#include "test_support.h"

using namespace perfloop;

namespace {

double erlang_c(int c, double a) {
  // Probability an arrival waits, computed with the stable recurrence for Erlang-B.
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  const double rho = a / c;
  return b / (1.0 - rho + rho * b);
}

struct MmcTheory {
  double mean_s;
  double p99_s;
};

MmcTheory mmc_theory(double lambda, double mu, int c) {
  const double wait_prob = erlang_c(c, lambda / mu);
  const double theta = c * mu - lambda;  // rate of the waiting-time exponential
  auto tail = [&](double t) {
    // P(W + S > t): W is 0 with prob 1 - C, else Exp(theta); S ~ Exp(mu).
    const double conv = std::abs(theta - mu) < 1e-9 ? std::exp(-mu * t) * (1 + mu * t)
                                                     : (theta * std::exp(-mu * t) - mu * std::exp(-theta * t)) / (theta - mu);
    return (1 - wait_prob) * std::exp(-mu * t) + wait_prob * conv;
  };
  double lo = 0, hi = 100.0 / mu;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (tail(mid) > 0.01 ? lo : hi) = mid;
  }
  return {wait_prob / theta + 1.0 / mu, 0.5 * (lo + hi)};
}

void check_mmc(double lambda, double mu, int c, double requests) {
  const auto run = test::run_scenario("scenarios/reference/mmc.lua",
                                      {{"lambda", lambda}, {"mu", mu}, {"c", c}, {"requests", requests}});
  const auto& work = *test::phase(run, "steady").endpoint("/work");
  const MmcTheory theory = mmc_theory(lambda, mu, c);
  INFO("lambda " << lambda << " mu " << mu << " c " << c << ": theory mean " << theory.mean_s * 1e3 << " ms, p99 "
                 << theory.p99_s * 1e3 << " ms; simulated mean " << work.mean_ms << " ms, p99 " << work.p99_ms << " ms");
  CHECK(work.mean_ms == Approx(theory.mean_s * 1e3).epsilon(0.05));
  CHECK(work.p99_ms == Approx(theory.p99_s * 1e3).epsilon(0.08));
  CHECK(static_cast<double>(work.requests) == Approx(requests).epsilon(0.01));
  CHECK(work.error_rate == 0.0);
}

}  // namespace

TEST_CASE("Erlang-C helper matches a textbook value", "[mmc]") {
  // c = 2, a = 1: C = 1/3.
  CHECK(erlang_c(2, 1.0) == Approx(1.0 / 3.0).epsilon(1e-9));
}

TEST_CASE("M/M/c at lambda 900/s, mu 100/s, c 10 matches Erlang-C", "[mmc]") { check_mmc(900, 100, 10, 1e6); }

TEST_CASE("M/M/c at a moderate load (lambda 50/s, mu 10/s, c 8) matches Erlang-C", "[mmc]") { check_mmc(50, 10, 8, 3e5); }

TEST_CASE("M/M/1 at 80% load matches theory", "[mmc]") { check_mmc(80, 100, 1, 5e5); }
