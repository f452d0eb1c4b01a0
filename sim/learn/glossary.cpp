#include "sim/learn/glossary.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/learn/asset_paths.h"

namespace perfloop {

std::vector<GlossaryEntry> parse_glossary(const std::string& text, const std::string& file) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::runtime_error(file + ": not a JSON object");
  if (!doc.contains("version") || doc["version"] != 1) throw std::runtime_error(file + ": version: this perfloop reads 1");
  if (!doc.contains("entries") || !doc["entries"].is_array()) throw std::runtime_error(file + ": entries: must be an array");
  std::vector<GlossaryEntry> entries;
  for (std::size_t i = 0; i < doc["entries"].size(); ++i) {
    const nlohmann::json& e = doc["entries"][i];
    const std::string where = file + ": entries[" + std::to_string(i) + "]";
    auto text_of = [&](const char* key) {
      if (!e.is_object() || !e.contains(key) || !e[key].is_string() || e[key].get<std::string>().empty())
        throw std::runtime_error(where + "." + key + ": must be a non-empty text");
      return e[key].get<std::string>();
    };
    GlossaryEntry entry{text_of("id"), text_of("term"), text_of("text"), text_of("scenario"), false};
    if (e.contains("spoils")) {
      if (!e["spoils"].is_boolean()) throw std::runtime_error(where + ".spoils: must be true or false");
      entry.spoils = e["spoils"].get<bool>();
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::vector<GlossaryEntry> load_glossary() {
  return parse_glossary(read_asset("glossary.json"), find_asset("glossary.json"));
}

}  // namespace perfloop
