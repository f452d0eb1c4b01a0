#include "sim/quiz/quiz_pool.h"

#include <algorithm>
#include <filesystem>

#include "sim/engine/model.h"
#include "sim/scenarios/scenario_loader.h"

namespace perfloop {

namespace {

constexpr int kFamilyCount = static_cast<int>(sizeof kFamilies / sizeof kFamilies[0]);

bool server_latency(const SymptomSpec& s) { return s.side == "server" && (s.metric == "p50" || s.metric == "p99"); }

}  // namespace

int family_index(const std::string& family) {
  for (int i = 0; i < kFamilyCount; ++i)
    if (family == kFamilies[i]) return i;
  return -1;
}

std::string QuizItem::name() const { return std::string(quiz_kind_name(kind)) + ":" + family; }

std::optional<QuizItem> parse_quiz_item(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto kind = parse_quiz_kind(text.substr(0, colon));
  const std::string family = text.substr(colon + 1);
  if (!kind || family_index(family) < 0) return std::nullopt;
  return QuizItem{*kind, family};
}

bool QuizSource::makes(QuizKind kind) const {
  switch (kind) {
    case QuizKind::Classify: return classify;
    case QuizKind::Predict: return predict;
    case QuizKind::Enforce: return enforce;
  }
  return false;
}

std::vector<std::string> QuizPool::items() const {
  std::vector<std::string> out;
  for (QuizKind kind : kQuizKinds)
    for (int f = 0; f < kFamilyCount; ++f)
      if (!sources_for(kind, kFamilies[f]).empty()) out.push_back(QuizItem{kind, kFamilies[f]}.name());
  return out;
}

std::vector<const QuizSource*> QuizPool::sources_for(QuizKind kind, const std::string& family) const {
  std::vector<const QuizSource*> out;
  for (const auto& s : sources)
    if (s.makes(kind) && std::find(s.families.begin(), s.families.end(), family) != s.families.end())
      out.push_back(&s);
  return out;
}

const QuizSource* QuizPool::find(const CardId& id) const {
  if (id.family < 0 || id.family >= kFamilyCount) return nullptr;
  for (const auto& s : sources)
    if (quiz_scenario_hash(s.scenario_id) == id.scenario_hash && s.bottleneck == id.bottleneck && s.makes(id.kind) &&
        std::find(s.families.begin(), s.families.end(), kFamilies[id.family]) != s.families.end())
      return &s;
  return nullptr;
}

QuizPool load_quiz_pool(const std::string& dir) {
  namespace fs = std::filesystem;
  QuizPool pool;
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".lua" && it->is_regular_file(ec)) files.push_back(it->path().string());
  if (ec) pool.problems.push_back(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    try {
      ScenarioScript script = ScenarioScript::load(file);
      const ScenarioBuild build = script.build(script.resolve({}));
      for (std::size_t k = 0; k < build.bottlenecks.size() && k < 16; ++k) {
        const BottleneckSpec& b = build.bottlenecks[k];
        QuizSource s;
        s.scenario_id = script.id();
        s.file = file;
        s.bottleneck = static_cast<int>(k);
        s.families = b.families;
        s.classify = !b.families.empty();
        // A prediction needs a latency headline and a hot spot with a share to read.
        s.predict = server_latency(b.symptom) && !b.right_fixes.empty() &&
                    (b.stream == "cpu" || b.stream == "alloc" || b.stream == "offcpu" || b.stream == "trace");
        s.enforce = !build.enforce.gates.empty() && !build.enforce.future.empty();
        pool.sources.push_back(std::move(s));
      }
    } catch (const std::exception& e) {
      pool.problems.push_back(e.what());
    }
  }
  return pool;
}

}  // namespace perfloop
