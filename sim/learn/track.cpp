#include "sim/learn/track.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "sim/learn/asset_paths.h"
#include "sim/loop/attempt_store.h"

namespace perfloop {

TrackDefinition parse_track(const std::string& text, const std::string& file) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  auto fail = [&](const std::string& field, const std::string& message) {
    throw std::runtime_error(file + ": " + field + ": " + message);
  };
  if (doc.is_discarded() || !doc.is_object()) fail("(top)", "not a JSON object");
  if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"].get<int>() != kTrackVersion)
    fail("version", "this perfloop reads version " + std::to_string(kTrackVersion));
  TrackDefinition track;
  if (doc.contains("unlock_score")) {
    if (!doc["unlock_score"].is_number()) fail("unlock_score", "must be a number");
    track.unlock_score = doc["unlock_score"].get<double>();
    if (track.unlock_score < 0 || track.unlock_score > 100) fail("unlock_score", "must be from 0 to 100");
  }
  if (!doc.contains("items") || !doc["items"].is_array() || doc["items"].empty())
    fail("items", "must be a non-empty array");
  for (std::size_t i = 0; i < doc["items"].size(); ++i) {
    const nlohmann::json& item = doc["items"][i];
    const std::string field = "items[" + std::to_string(i) + "].scenario";
    if (!item.is_object() || !item.contains("scenario") || !item["scenario"].is_string())
      fail(field, "must be a scenario id");
    const std::string id = item["scenario"].get<std::string>();
    if (std::find(track.scenarios.begin(), track.scenarios.end(), id) != track.scenarios.end())
      fail(field, "\"" + id + "\" is on the track twice");
    track.scenarios.push_back(id);
  }
  return track;
}

TrackDefinition load_track() { return parse_track(read_asset("track.json"), find_asset("track.json")); }

void add_to_progress(Progress& progress, const nlohmann::json& r) {
  if (!r.is_object() || !r.contains("scenario") || !r["scenario"].is_string() || !r.contains("total") ||
      !r["total"].is_number())
    return;
  const std::string id = r["scenario"].get<std::string>();
  progress.played.insert(id);
  // Attempts saved before parameters were recorded were played at the
  // defaults as far as anyone can tell.
  const bool defaults = !r.contains("params") || (r["params"].is_object() && r["params"].empty());
  if (!defaults) return;
  const double total = r["total"].get<double>();
  const auto it = progress.best.find(id);
  if (it == progress.best.end() || total > it->second) progress.best[id] = total;
}

Progress read_progress(const std::string& attempts_dir) {
  Progress progress;
  std::error_code ec;
  // No folder yet is a learner who has not saved anything: no progress, no problem.
  if (attempts_dir.empty() || !std::filesystem::exists(attempts_dir, ec)) return progress;
  progress.problems = visit_attempts(attempts_dir, [&](const std::string&, nlohmann::json&& r) { add_to_progress(progress, r); });
  return progress;
}

std::vector<TrackItem> track_items(const TrackDefinition& track, const Catalogue& catalogue, const Progress& progress) {
  std::vector<TrackItem> items;
  bool open = true;  // the first item is always open
  for (const std::string& id : track.scenarios) {
    TrackItem item;
    item.scenario = id;
    const auto entry = std::find_if(catalogue.entries.begin(), catalogue.entries.end(),
                                    [&](const CatalogueEntry& e) { return e.id == id; });
    if (entry == catalogue.entries.end()) {
      item.pager = id;
      item.title = id;
      item.problem = "not in the scenario catalogue (missing or broken file)";
      for (const auto& p : catalogue.problems)
        if (p.file.ends_with("/" + id + ".lua")) item.problem = p.message;
    } else {
      item.pager = entry->meta.pager.empty() ? "An unnamed incident" : entry->meta.pager;
      item.title = entry->title;
      item.level = entry->meta.level;
      item.minutes = entry->meta.minutes;
      item.families = entry->meta.families;
    }
    item.played = progress.played.count(id) > 0;
    if (const auto best = progress.best.find(id); best != progress.best.end()) item.best = best->second;
    item.locked = !open;
    open = item.best && *item.best >= track.unlock_score;
    items.push_back(std::move(item));
  }
  return items;
}

nlohmann::json track_json(const std::vector<TrackItem>& items) {
  nlohmann::json list = nlohmann::json::array();
  for (const TrackItem& item : items) {
    nlohmann::json j = {{"id", item.scenario},
                        {"title", shown_title(item)},
                        {"level", item.level},
                        {"minutes", item.minutes},
                        {"locked", item.locked},
                        {"played", item.played},
                        {"best", item.best ? nlohmann::json(*item.best) : nlohmann::json(nullptr)}};
    if (item.played) j["families"] = item.families;
    if (!item.problem.empty()) j["problem"] = item.problem;
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace perfloop
