// `perfloop track [--data DIR] [--json]`: the onboarding track in order,
// with what the learner's saved attempts unlock. Spoiler-free: an item not
// yet played shows its pager line, never its title or families.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "sim/io/json_text.h"
#include "sim/io/safe_text.h"
#include "sim/learn/data_folder.h"
#include "sim/learn/track.h"
#include "sim/scenarios/scenario_paths.h"

namespace perfloop::cli {

int run_track(const TrackOptions& options) {
  const std::string data_dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  if (data_dir.empty()) return fail("no data folder: give --data DIR (HOME is not set)");
  const DataFolder folder = open_data_folder(data_dir);
  // A folder this version may not write to is still read as far as it can be.
  if (!folder.writable()) std::cerr << "perfloop: " << terminal_line(folder.problem) << "\n";
  TrackDefinition track;
  try {
    track = load_track();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  const std::string dir = catalogue_dir();
  if (dir.empty()) return fail("no scenarios folder found (set PERFLOOP_SCENARIOS)");
  const Catalogue catalogue = load_catalogue(dir);
  const Progress progress = read_progress(folder.attempts_dir());
  for (const auto& problem : progress.problems) std::cerr << "perfloop: skipped " << terminal_line(problem) << "\n";
  const std::vector<TrackItem> items = track_items(track, catalogue, progress);
  if (options.json) {
    std::cout << json_text(track_json(items)) << "\n";
    return 0;
  }
  int n = 0;
  for (const TrackItem& item : items) {
    std::string state = item.locked ? "locked" : item.played ? "played" : "open";
    char best[32] = "";
    if (item.best) std::snprintf(best, sizeof best, "best %3.0f", *item.best);
    std::printf("%2d. %-6s %-7s %3.0f min  %-8s  %s\n", ++n, state.c_str(), item.level.c_str(), item.minutes, best,
                terminal_line(shown_title(item), 200).c_str());
    if (item.played && !item.families.empty()) {
      std::string families;
      for (const auto& f : item.families) families += (families.empty() ? "" : ", ") + f;
      std::printf("%39s %s\n", "", families.c_str());
    }
    if (!item.problem.empty()) std::printf("%39s %s\n", "", terminal_line(item.problem, 200).c_str());
  }
  std::printf("\nAn item opens when the one before it scores %.0f or more at its default settings.\n",
              track.unlock_score);
  return 0;
}

}  // namespace perfloop::cli
