#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "sim/engine/histogram.h"
#include "sim/engine/rng.h"

using namespace perfloop;

TEST_CASE("log-bucket percentiles are within 1% of the exact order statistic", "[histogram]") {
  RngStream rng(42, "histogram-test");
  for (double cv : {0.2, 1.0, 3.0}) {
    LogHistogram hist;
    std::vector<std::int64_t> values;
    for (std::uint64_t i = 0; i < 200000; ++i) {
      const auto v = static_cast<std::int64_t>(rng.lognormal(5e6, cv, i));  // around 5 ms in ns
      values.push_back(v);
      hist.add(v);
    }
    std::sort(values.begin(), values.end());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
      const auto exact = static_cast<double>(values[static_cast<std::size_t>(q * values.size()) - 1]);
      INFO("cv " << cv << " q " << q);
      CHECK(hist.quantile(q) == Approx(exact).epsilon(0.01));
    }
    CHECK(hist.count() == values.size());
    CHECK(hist.max() == values.back());
  }
}

TEST_CASE("small values are exact and sparse copies agree with the dense histogram", "[histogram]") {
  LogHistogram hist;
  for (int v = 0; v < 100; ++v) hist.add(v);
  CHECK(hist.quantile(0.5) == 49.0);
  CHECK(hist.quantile(1.0) == 99.0);
  hist.add(1'000'000'000);
  SparseHistogram sparse(hist);
  CHECK(sparse.count() == 101);
  CHECK(sparse.quantile(0.99) == hist.quantile(0.99));
  CHECK(sparse.quantile(1.0) == Approx(1e9).epsilon(0.005));
  LogHistogram merged;
  merged.merge(sparse);
  merged.merge(sparse);
  CHECK(merged.count() == 202);
  CHECK(merged.quantile(0.5) == hist.quantile(0.5));
}

TEST_CASE("fraction_above counts the share beyond a threshold", "[histogram]") {
  LogHistogram hist;
  for (int i = 1; i <= 1000; ++i) hist.add(i * 1000);
  CHECK(hist.fraction_above(900'000) == Approx(0.1).margin(0.002));
}
