// The coach: three levels of hint per step (a nudge saying where to look,
// a pointer saying what to compare, the worked answer) and, once a step is
// answered, a short explanation of the idea behind it in the learner's own
// numbers. The words are in assets/coach.json; the numbers come from the
// grader and the expert, so the coach never says anything the simulation
// did not do.
#pragma once

#include <map>
#include <string>

#include "sim/loop/answers.h"
#include "sim/loop/loop_grader.h"
#include "sim/loop/loop_steps.h"

namespace perfloop {

struct CoachTexts {
  std::map<std::string, std::string> nudges;    // step -> level 1 when the scenario has none
  std::map<std::string, std::string> pointers;  // step -> level 2
  std::map<std::string, std::string> reveal;    // step -> level 3 template
  std::map<std::string, std::string> explain;   // template name -> template
  std::map<std::string, std::string> families;  // family -> what gives it away
};

// Throws std::runtime_error "file: field: message" when a step or a family
// lacks its text.
CoachTexts parse_coach(const std::string& text, const std::string& file);
// assets/coach.json.
CoachTexts load_coach();

// `{name}` replaced by values[name]; a name without a value stays as it is.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values);

// Hint `level` (1..kMaxHintsUsed) for `step` of bottleneck k (Enforce: any
// k). Level 1 is the scenario's own hint when it has one; level 3 is built
// from the expert's answers.
std::string coach_hint(const CoachTexts& texts, const ScenarioBuild& build, const Answers& expert, std::size_t bottleneck,
                       LoopStep step, int level);

// The idea behind `step` of bottleneck k with the numbers of the learner's
// graded answers; "" when that step has not been graded.
std::string coach_explanation(const CoachTexts& texts, const ScenarioBuild& build, const PlayResult& result,
                              std::size_t bottleneck, LoopStep step);

}  // namespace perfloop
