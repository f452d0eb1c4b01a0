// The onboarding track: an ordered list of scenarios (assets/track.json),
// each unlocked when the one before it scored at least "solid". Progress is
// read from the saved attempts and nothing else, so there is no second
// record that could disagree with them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenarios/catalogue.h"

namespace perfloop {

inline constexpr int kTrackVersion = 1;

struct TrackDefinition {
  double unlock_score = 75.0;          // the previous item's best must reach this
  std::vector<std::string> scenarios;  // in the order a learner meets them
};

// Throws std::runtime_error "file: field: message".
TrackDefinition parse_track(const std::string& text, const std::string& file);
// assets/track.json.
TrackDefinition load_track();

// What the saved attempts say, per scenario id.
struct Progress {
  std::set<std::string> played;        // any saved attempt
  // Best total of the attempts played at the scenario's defaults: a run
  // made easier with the sliders does not unlock the next item.
  std::map<std::string, double> best;
  std::vector<std::string> problems;   // attempt files skipped, one line each
};

// Reads the folder one attempt at a time; a missing folder is no progress.
Progress read_progress(const std::string& attempts_dir);
// The same for one attempt's result, for a reader that already holds it.
void add_to_progress(Progress& progress, const nlohmann::json& result);

struct TrackItem {
  std::string scenario;
  std::string pager;  // what a pager would say: the name shown until it is played
  std::string title;  // the scenario's own title; may name the cause, so shown only once played
  std::string level;
  double minutes = 0.0;
  std::vector<std::string> families;  // idem
  bool played = false;
  bool locked = true;
  std::optional<double> best;
  std::string problem;  // the scenario file is missing or broken
};

// The name to show: the title once played, the pager line before.
inline const std::string& shown_title(const TrackItem& item) { return item.played ? item.title : item.pager; }

std::vector<TrackItem> track_items(const TrackDefinition& track, const Catalogue& catalogue, const Progress& progress);

// `perfloop track --json`: families and the title only for played items.
nlohmann::json track_json(const std::vector<TrackItem>& items);

}  // namespace perfloop
