// The glossary: the ideas the loop leans on, in a few sentences each, with
// the scenario where each one matters (assets/glossary.json). An entry that
// would give away its scenario's family points at it only once it has been
// played.
#pragma once

#include <string>
#include <vector>

namespace perfloop {

struct GlossaryEntry {
  std::string id, term, text;
  std::string scenario;  // where it matters
  bool spoils = false;   // naming the scenario here would reveal its family
};

// Throws std::runtime_error "file: entries[i].field: message".
std::vector<GlossaryEntry> parse_glossary(const std::string& text, const std::string& file);
// assets/glossary.json.
std::vector<GlossaryEntry> load_glossary();

}  // namespace perfloop
