// The debrief's headline chart as a PNG, drawn in memory with stb (no
// window and no GL), so a report gets its chart on a server too.
#pragma once

#include <string>

#include "sim/gameday/game_record.h"

namespace perfloop::cli {

// Writes the record's headline over the game, its target, and the page,
// fixes and recovery as marked lines. Returns an error message, or empty.
std::string write_debrief_chart(const GameRecord& record, const std::string& path, int width = 1200, int height = 420);

}  // namespace perfloop::cli
