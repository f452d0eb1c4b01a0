// `perfloop gameday`: a team's timed answers replayed against the live run.
// Each fix lands at its at_s (earlier tries first, in time order), the run
// goes on to its end, and the answers are graded as `play` grades them, with
// the scenario's fix time moved to the moment the team's fix landed, so the
// grade and the live run see the same fix at the same moment.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/gameday/game_record.h"
#include "sim/loop/loop_grader.h"

namespace perfloop {

struct GameDayOptions {
  std::string team = "team";
  SignalSet signals;
  std::uint64_t seed = 1;
  ParamValues overrides;
};

struct GameDayResult {
  PlayResult play;
  GameRecord record;
};

// Throws AnswersError (naming `file` and the field) for a fix without an
// at_s, a time past the run's end or before the symptom starts, and
// ScenarioError for a scenario a game day cannot run.
GameDayResult replay_gameday(ScenarioScript& script, const Answers& answers, const std::string& file,
                             const GameDayOptions& options);

// Grades `answers` as `play` does, with the first bottleneck's fix landing
// at its at_s, and returns it with `record` (the live run's, already filled).
GameDayResult grade_gameday(ScenarioScript& script, const Answers& answers, GameRecord record,
                            const GameDayOptions& options);

// What `play` prints, with the game day's fields beside it: the attempt.
nlohmann::json gameday_result_json(const GameDayResult& result);

// Adds the scenario's injects that fired by `until_s` to the timeline (the
// headless game sends each at its own time).
void record_injects(GameRecord& record, const ScenarioBuild& build, double until_s);
// "[page] payments-oncall: checkout conversion is down": an inject as the team sees it.
std::string inject_text(const InjectSpec& inject);

}  // namespace perfloop
