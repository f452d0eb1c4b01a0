// Log-bucket histograms of non-negative integers (nanoseconds, bytes).
// 128 sub-buckets per power of two: a bucket's midpoint is within 0.4% of any
// value in it, so percentiles come out within 1% of the exact order statistic
// without storing or sorting samples.
#pragma once

#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace perfloop {

class SparseHistogram;

class LogHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxExponent = 43;  // values are clamped below 2^44
  static constexpr int kBuckets = (kMaxExponent - kSubBits + 2) * kSub;

  LogHistogram();

  // Inline: the engine files several values per request.
  static int bucket_of(std::int64_t value) {
    if (value < kSub) return value < 0 ? 0 : static_cast<int>(value);
    auto v = static_cast<std::uint64_t>(value);
    const int exponent = 63 - std::countl_zero(v);
    if (exponent > kMaxExponent) return kBuckets - 1;
    const int sub = static_cast<int>((v >> (exponent - kSubBits)) & (kSub - 1));
    return (exponent - kSubBits + 1) * kSub + sub;
  }
  static double bucket_midpoint(int bucket);

  void add(std::int64_t value) {
    ++counts_[bucket_of(value)];
    ++count_;
    sum_ += static_cast<double>(value);
    if (value > max_) max_ = value;
  }
  void merge(const LogHistogram& other);
  void merge(const SparseHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  std::int64_t max() const { return max_; }
  // The q-quantile (0 < q <= 1); 0 when empty.
  double quantile(double q) const;
  // Share of values strictly above `threshold` (bucket resolution).
  double fraction_above(std::int64_t threshold) const;
  std::uint64_t bucket_count(int bucket) const { return counts_[bucket]; }
  // Buckets [0, used_buckets()) hold every value; the rest are zero.
  int used_buckets() const;

 private:
  std::vector<std::uint32_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
  std::int64_t max_ = 0;
};

// The non-empty buckets of a LogHistogram, for storing one per time window.
class SparseHistogram {
 public:
  SparseHistogram() = default;
  explicit SparseHistogram(const LogHistogram& dense);

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  std::int64_t max() const { return max_; }
  const std::vector<std::pair<std::uint16_t, std::uint32_t>>& buckets() const { return buckets_; }
  double quantile(double q) const;
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

 private:
  std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
  std::int64_t max_ = 0;
};

}  // namespace perfloop
