#include "sim/quiz/quiz_card_id.h"

#include <cstdio>

#include "sim/engine/model.h"
#include "sim/engine/rng.h"

namespace perfloop {

namespace {

constexpr char kKindLetters[] = {'c', 'p', 'e'};
constexpr int kFamilyCount = static_cast<int>(sizeof kFamilies / sizeof kFamilies[0]);

// 48 bits of mask from the seed, so the same scenario reads differently on every card.
std::uint64_t mask_of(std::uint32_t seed, QuizKind kind) {
  return mix64(mix64(seed) ^ hash_name(quiz_kind_name(kind))) & 0xffffffffffffULL;
}

std::uint8_t check_byte(std::uint32_t scenario, int bottleneck, int family, std::uint32_t seed, QuizKind kind) {
  const std::uint64_t h = mix64((std::uint64_t{scenario} << 32 | seed) ^ mix64(static_cast<std::uint64_t>(
                                                                            bottleneck * 64 + family * 4 + static_cast<int>(kind))));
  return static_cast<std::uint8_t>(h >> 56);
}

std::optional<std::uint64_t> hex(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace

const char* quiz_kind_name(QuizKind kind) {
  switch (kind) {
    case QuizKind::Classify: return "classify";
    case QuizKind::Predict: return "predict";
    case QuizKind::Enforce: return "enforce";
  }
  return "classify";
}

std::optional<QuizKind> parse_quiz_kind(std::string_view name) {
  for (QuizKind k : kQuizKinds)
    if (name == quiz_kind_name(k)) return k;
  return std::nullopt;
}

std::uint32_t quiz_scenario_hash(std::string_view scenario_id) {
  return static_cast<std::uint32_t>(mix64(hash_name(scenario_id)) >> 32);
}

std::string encode_card_id(const CardId& id) {
  const std::uint64_t payload = std::uint64_t{id.scenario_hash} << 16 | std::uint64_t(id.bottleneck & 15) << 12 |
                                std::uint64_t(id.family & 15) << 8 |
                                check_byte(id.scenario_hash, id.bottleneck & 15, id.family & 15, id.seed, id.kind);
  char out[40];
  std::snprintf(out, sizeof out, "q1%c-%08x-%012llx", kKindLetters[static_cast<int>(id.kind)], id.seed,
                static_cast<unsigned long long>(payload ^ mask_of(id.seed, id.kind)));
  return out;
}

std::optional<CardId> decode_card_id(std::string_view text) {
  // "q1" kind "-" 8 hex "-" 12 hex
  if (text.size() != 25 || text.substr(0, 2) != "q1" || text[3] != '-' || text[12] != '-') return std::nullopt;
  CardId id;
  bool kind_found = false;
  for (int k = 0; k < 3; ++k)
    if (text[2] == kKindLetters[k]) {
      id.kind = static_cast<QuizKind>(k);
      kind_found = true;
    }
  const auto seed = hex(text.substr(4, 8));
  const auto masked = hex(text.substr(13, 12));
  if (!kind_found || !seed || !masked) return std::nullopt;
  id.seed = static_cast<std::uint32_t>(*seed);
  const std::uint64_t payload = *masked ^ mask_of(id.seed, id.kind);
  id.scenario_hash = static_cast<std::uint32_t>(payload >> 16);
  id.bottleneck = static_cast<int>(payload >> 12 & 15);
  id.family = static_cast<int>(payload >> 8 & 15);
  if (id.family >= kFamilyCount) return std::nullopt;
  if ((payload & 0xff) != check_byte(id.scenario_hash, id.bottleneck, id.family, id.seed, id.kind)) return std::nullopt;
  return id;
}

}  // namespace perfloop
