// The post-incident report of a game day, as Markdown a team can paste into
// its own postmortem tool: the summary (page, detect time, fix, recovery,
// MTTR), the timeline in h:mm:ss, predictions against what happened, the
// enforcement chosen, what the incident was, and action items drawn from
// how the game went.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace perfloop {

struct DebriefOptions {
  std::string scenario_title;  // empty: the scenario's id
  std::string chart_file;      // the headline chart's PNG, beside the report; empty: none
};

// `result` is a game day's attempt result (is_gameday_result). Throws
// std::runtime_error naming the field when it is not a sound one.
std::string debrief_markdown(const nlohmann::json& result, const DebriefOptions& options = {});

}  // namespace perfloop
