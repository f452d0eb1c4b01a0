// The eight steps of the performance loop, and how much each is worth.
#pragma once

#include <array>
#include <string_view>

namespace perfloop {

enum class LoopStep { Observe, Profile, Classify, Predict, Fix, Verify, Enforce, MoveOn };

inline constexpr std::array<LoopStep, 8> kLoopSteps = {LoopStep::Observe, LoopStep::Profile, LoopStep::Classify,
                                                       LoopStep::Predict, LoopStep::Fix,     LoopStep::Verify,
                                                       LoopStep::Enforce, LoopStep::MoveOn};

constexpr std::string_view step_name(LoopStep step) {
  switch (step) {
    case LoopStep::Observe: return "observe";
    case LoopStep::Profile: return "profile";
    case LoopStep::Classify: return "classify";
    case LoopStep::Predict: return "predict";
    case LoopStep::Fix: return "fix";
    case LoopStep::Verify: return "verify";
    case LoopStep::Enforce: return "enforce";
    case LoopStep::MoveOn: return "move_on";
  }
  return "?";
}

// Points per bottleneck, 100 in all. Steps with many plausible options
// (the family among eight, the stream and hot spot in a profile) weigh more
// than those a coin would get half right (yes/no readings, a subset of a
// few gates), so guessing stays far below reading the data. Enforce is
// answered once per scenario and weighs 10 per bottleneck.
constexpr double step_max(LoopStep step) {
  switch (step) {
    case LoopStep::Observe: return 10;
    case LoopStep::Profile: return 15;
    case LoopStep::Classify: return 20;
    case LoopStep::Predict: return 15;
    case LoopStep::Fix: return 15;
    case LoopStep::Verify: return 10;
    case LoopStep::Enforce: return 10;
    case LoopStep::MoveOn: return 5;
  }
  return 0;
}

}  // namespace perfloop
