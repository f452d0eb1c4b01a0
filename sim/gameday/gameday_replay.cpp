#include "sim/gameday/gameday_replay.h"

#include <algorithm>

namespace perfloop {

namespace {

struct TimedFix {
  double at_s = 0.0;
  std::size_t bottleneck = 0;
  std::string id;
  std::string field;  // where in the answers file, for errors
};

std::vector<TimedFix> timed_fixes(const Answers& answers, const std::string& file) {
  std::vector<TimedFix> fixes;
  for (std::size_t k = 0; k < answers.bottlenecks.size(); ++k) {
    const auto& fix = answers.bottlenecks[k].fix;
    if (!fix) continue;
    const std::string path = "bottlenecks[" + std::to_string(k + 1) + "].fix";
    for (std::size_t i = 0; i < fix->tried.size(); ++i)
      fixes.push_back({fix->tried[i].at_s, k, fix->tried[i].id, path + ".tried[" + std::to_string(i + 1) + "].at_s"});
    if (fix->at_s < 0)
      throw AnswersError(file, path + ".at_s", "missing: a game day lands the fix at this simulated second");
    fixes.push_back({fix->at_s, k, fix->id, path + ".at_s"});
  }
  std::stable_sort(fixes.begin(), fixes.end(), [](const TimedFix& a, const TimedFix& b) { return a.at_s < b.at_s; });
  return fixes;
}

}  // namespace

std::string inject_text(const InjectSpec& inject) {
  return "[" + inject.kind + "] " + (inject.service.empty() ? std::string() : inject.service + ": ") + inject.text;
}

void record_injects(GameRecord& record, const ScenarioBuild& build, double until_s) {
  for (const auto& inject : build.injects)
    if (inject.at_s <= until_s) add_event(record, {inject.at_s, "inject", inject_text(inject)});
}

GameDayResult replay_gameday(ScenarioScript& script, const Answers& answers, const std::string& file,
                             const GameDayOptions& options) {
  LiveRun live(script, options.overrides, options.seed);
  const ScenarioBuild& build = live.build();
  const double horizon_s = ns_to_s(static_cast<double>(live.horizon()));
  const auto fixes = timed_fixes(answers, file);
  for (const auto& fix : fixes) {
    if (fix.at_s >= horizon_s)
      throw AnswersError(file, fix.field, "is " + hms(fix.at_s) + ", but the game ends at " + hms(horizon_s));
    const double onset = build.bottlenecks[fix.bottleneck].symptom.onset_s;
    if (fix.at_s <= onset)
      throw AnswersError(file, fix.field,
                         "is " + hms(fix.at_s) + ", before the symptom starts at " + hms(onset) + ": nothing to fix yet");
    live.advance_to(s_to_ns(fix.at_s));
    live.apply_fix(fix.bottleneck, fix.id);
  }
  live.advance_to(live.horizon());

  GameRecord record;
  record.team = options.team;
  record.signals = options.signals;
  record_live_run(record, live);
  record_answers(record, answers, build);
  record_injects(record, build, record.end_s);
  if (answers.ack_s >= 0) record.ack_s = answers.ack_s;
  else if (!answers.bottlenecks.empty() && answers.bottlenecks[0].observe && answers.bottlenecks[0].observe->at_s >= 0)
    record.ack_s = answers.bottlenecks[0].observe->at_s;
  if (record.ack_s) add_event(record, {*record.ack_s, "ack", "Page acknowledged: the team opened Observe"});
  add_event(record, {record.end_s, "end", "The game ended"});
  finish_record(record);

  return grade_gameday(script, answers, std::move(record), options);
}

GameDayResult grade_gameday(ScenarioScript& script, const Answers& answers, GameRecord record,
                            const GameDayOptions& options) {
  GameDayResult out;
  out.record = std::move(record);
  // Graded with the first bottleneck's fix landing when the team's did.
  ParamValues overrides = options.overrides;
  if (!answers.bottlenecks.empty() && answers.bottlenecks[0].fix && answers.bottlenecks[0].fix->at_s >= 0)
    overrides["fix_at_s"] = answers.bottlenecks[0].fix->at_s;
  LoopSession session(script, overrides, options.seed);
  out.play = grade_answers(session, answers);
  // The moved fix time is how the grade lands the team's fix, not a
  // parameter the team chose: teams are compared at the same parameters.
  out.play.params.erase("fix_at_s");
  if (const auto it = options.overrides.find("fix_at_s"); it != options.overrides.end()) out.play.params["fix_at_s"] = it->second;
  return out;
}

nlohmann::json gameday_result_json(const GameDayResult& result) {
  nlohmann::json j = play_result_json(result.play);
  const nlohmann::json game = game_record_json(result.record);
  for (const auto& [key, value] : game.items()) j[key] = value;
  return j;
}

}  // namespace perfloop
