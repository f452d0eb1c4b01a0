// A quiz card's name: everything needed to make the same card again (the
// kind, the scenario, which of its bottlenecks, the family the card trains,
// the seed), packed so that it reads as noise. A learner sees card ids in
// the CLI and in the review log; an id that spelled "lock-global-mutex"
// would answer a classify card before it is asked.
//
//   q1c-9f3a7c21-5b0e33a91c2d
//   | |  |        `- scenario, bottleneck, family and a check byte, masked by the seed
//   | |  `- the seed (32 bits)
//   | `- kind: c classify, p predict, e enforce
//   `- format version
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfloop {

enum class QuizKind { Classify, Predict, Enforce };

inline constexpr QuizKind kQuizKinds[] = {QuizKind::Classify, QuizKind::Predict, QuizKind::Enforce};

const char* quiz_kind_name(QuizKind kind);  // "classify", "predict", "enforce"
std::optional<QuizKind> parse_quiz_kind(std::string_view name);

struct CardId {
  QuizKind kind = QuizKind::Classify;
  std::uint32_t scenario_hash = 0;  // quiz_scenario_hash of the scenario's id
  int bottleneck = 0;               // 0..15
  int family = 0;                   // index into kFamilies
  std::uint32_t seed = 0;
  bool operator==(const CardId&) const = default;
};

std::uint32_t quiz_scenario_hash(std::string_view scenario_id);

std::string encode_card_id(const CardId& id);
// std::nullopt for anything encode_card_id did not make (a typo fails the check byte).
std::optional<CardId> decode_card_id(std::string_view text);

}  // namespace perfloop
