#include "sim/quiz/quiz_variant.h"

#include <algorithm>
#include <cmath>

#include "sim/engine/rng.h"

namespace perfloop {

namespace {

bool ends_with(const std::string& s, const char* tail) {
  const std::string t(tail);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// A point in time or a length of time: scaled with the run, never moved at random.
bool is_time(const ParamSpec& p) { return p.unit == "s" && ends_with(p.name, "_s"); }

bool is_whole(double x) { return std::floor(x) == x; }

// Flags and modes (0/1, 1..3): moving them changes what the service is, not its numbers.
bool is_choice(const ParamSpec& p) { return is_whole(p.default_value) && is_whole(p.min) && p.max - p.min <= 3.0; }

}  // namespace

std::uint64_t quiz_run_seed(std::uint32_t seed, int attempt) {
  return mix64(std::uint64_t{seed} * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(attempt) + 1);
}

ParamValues quiz_variant(const ScenarioScript& script, std::uint32_t seed, int attempt) {
  ParamValues out;
  if (attempt >= kVariantAttempts - 1) return out;  // as written
  const ParamValues defaults = script.resolve({});
  const auto duration = defaults.find("duration_s");
  const double squeeze =
      duration != defaults.end() && duration->second > kQuizRunSeconds ? kQuizRunSeconds / duration->second : 1.0;
  const RngStream rng(quiz_run_seed(seed, attempt), "quiz.variant");
  std::uint64_t draw = 0;
  for (const ParamSpec& p : script.params()) {  // in the script's order: the draws are the same every time
    const double value = defaults.at(p.name);
    ++draw;
    if (is_time(p)) {
      if (squeeze < 1.0) out[p.name] = std::clamp(std::round(value * squeeze), p.min, p.max);
      continue;
    }
    if (attempt >= kVariantAttempts - 2 || value <= 0.0 || is_choice(p)) continue;
    const double factor = std::exp(std::log(kQuizSpread) * (2.0 * rng.uniform(draw) - 1.0));
    double moved = value * factor;
    if (is_whole(value) && value >= 1.0) moved = std::round(moved);
    moved = std::clamp(moved, p.min, p.max);
    if (moved != value) out[p.name] = moved;
  }
  return out;
}

}  // namespace perfloop
