#include "sim/engine/histogram.h"

#include <algorithm>
#include <cmath>

namespace perfloop {

LogHistogram::LogHistogram() : counts_(kBuckets, 0) {}

double LogHistogram::bucket_midpoint(int bucket) {
  if (bucket < kSub) return bucket;
  const int exponent = bucket / kSub + kSubBits - 1;
  const int sub = bucket % kSub;
  const double width = std::ldexp(1.0, exponent - kSubBits);
  return (kSub + sub) * width + 0.5 * width;
}

void LogHistogram::merge(const LogHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void LogHistogram::merge(const SparseHistogram& other) {
  for (const auto& [bucket, n] : other.buckets()) counts_[bucket] += n;
  count_ += other.count();
  sum_ += other.sum();
  max_ = std::max(max_, other.max());
}

// Every value lies in a bucket up to max_'s, and an empty histogram has none:
// windows clear and copy only that prefix, not all kBuckets.
int LogHistogram::used_buckets() const { return count_ == 0 ? 0 : bucket_of(max_) + 1; }

void LogHistogram::clear() {
  std::fill(counts_.begin(), counts_.begin() + used_buckets(), 0u);
  count_ = 0;
  sum_ = 0.0;
  max_ = 0;
}

namespace {
std::uint64_t rank_for(double q, std::uint64_t count) {
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count)));
  return std::clamp<std::uint64_t>(rank, 1, count);
}
}  // namespace

double LogHistogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  const std::uint64_t rank = rank_for(q, count_);
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_midpoint(i), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

double LogHistogram::fraction_above(std::int64_t threshold) const {
  if (count_ == 0) return 0.0;
  std::uint64_t above = 0;
  for (int i = bucket_of(threshold) + 1; i < kBuckets; ++i) above += counts_[i];
  return static_cast<double>(above) / static_cast<double>(count_);
}

SparseHistogram::SparseHistogram(const LogHistogram& dense)
    : count_(dense.count()), sum_(dense.sum()), max_(dense.max()) {
  const int used = dense.used_buckets();
  for (int i = 0; i < used; ++i) {
    if (auto n = dense.bucket_count(i)) buckets_.emplace_back(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(n));
  }
}

double SparseHistogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  const std::uint64_t rank = rank_for(q, count_);
  std::uint64_t seen = 0;
  for (const auto& [bucket, n] : buckets_) {
    seen += n;
    if (seen >= rank) return std::min(LogHistogram::bucket_midpoint(bucket), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

}  // namespace perfloop
